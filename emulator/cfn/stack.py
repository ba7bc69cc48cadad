"""One CloudFormation stack, evaluated locally: parameters, conditions, mappings, resources in
dependency order, nested stacks, outputs and exports.

Evaluation is lazy and memoized: a resource's properties are resolved the first time anything
refers to it (or when the stack is walked in order), which follows references and DependsOn the
way CloudFormation orders creation and finds circular dependencies. Nested stacks
(AWS::CloudFormation::Stack) become child ``StackScope``s sharing one ``Assembly``, which also
answers Fn::ImportValue from the exports of every template given together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.errors import Problem
from emulator.model.yamlsource import PathT

from . import names, params
from .intrinsics import Bad, Evaluator, text
from .resources import EMULATED, Resource, names_of
from .source import Template, load_template

_PSEUDO = (
    "AWS::Region",
    "AWS::AccountId",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::NotificationARNs",
)
_SECTIONS = {
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
}


@dataclass
class Assembly:
    """Every stack of one run: the templates given together and their nested stacks."""

    region: str = "us-east-1"
    account: str = "000000000000"
    template_urls: dict[str, Path] = field(default_factory=dict)
    object_keys: dict[str, Path] = field(default_factory=dict)  # CDK file assets by S3 key
    stacks: list[StackScope] = field(default_factory=list)
    order: list[Resource] = field(default_factory=list)  # creation order, every stack
    problems: list[Problem] = field(default_factory=list)
    _exporting: set[str] = field(default_factory=set)

    def export(self, name: str, at: PathT, asking: StackScope) -> Any:
        for stack in self.stacks:
            if stack is asking or stack.env.stack_name in self._exporting:
                continue
            self._exporting.add(stack.env.stack_name)
            try:
                found = stack.exports()
            finally:
                self._exporting.discard(stack.env.stack_name)
            if name in found:
                return found[name]
        raise Bad(
            at,
            f"no template given exports {name!r} (add the template that exports it: "
            "--with-template network.yaml)",
        )


class StackScope(Evaluator):
    """One template instance: a stack name, parameter values, and its resources."""

    def __init__(
        self,
        asm: Assembly,
        tpl: Template,
        env: names.Env,
        given: dict[str, Any],
        given_at: dict[str, tuple[Template, PathT]],
    ) -> None:
        super().__init__(tpl)
        self.problems = asm.problems
        self.asm = asm
        self.env = env
        self.data: dict[str, Any] = tpl.data
        self.params: dict[str, Any] = {}
        self._conditions: dict[str, bool | None] = {}
        self._resources: dict[str, Resource | None] = {}
        self._children: dict[str, StackScope | None] = {}
        self._outputs: dict[str, Any] | None = None
        asm.stacks.append(self)
        self._check_sections()
        self._parameters(given, given_at)

    # --- sections ------------------------------------------------------------------------

    def _section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    def _check_sections(self) -> None:
        for key in self.data:
            if key not in _SECTIONS:
                self.report((str(key),), f"{key!r} is not a template section")
        if not isinstance(self.data.get("Resources"), dict) or not self.data["Resources"]:
            self.report(("Resources",), "a template needs a Resources section with a resource")
        transform = self.data.get("Transform")
        if transform not in (None, "AWS::LanguageExtensions", ["AWS::LanguageExtensions"]):
            self.report(
                ("Transform",),
                f"transform {transform!r} is not run locally "
                "(run `sam build` or `aws cloudformation package` first)",
            )

    def _parameters(
        self, given: dict[str, Any], given_at: dict[str, tuple[Template, PathT]]
    ) -> None:
        declared = self._section("Parameters")
        for name in given:
            if name not in declared:
                tpl, where = given_at.get(name, (self.tpl, ()))
                problem = tpl.problem(
                    where,
                    f"{self.tpl.file} declares no parameter {name!r}"
                    f" (it declares: {', '.join(declared) or 'none'})",
                )
                self.problems.append(problem)
        for name, spec in declared.items():
            at: PathT = ("Parameters", name)
            if not isinstance(spec, dict) or "Type" not in spec:
                self.report(at, "a parameter needs a Type")
                continue
            if name in given:
                value = given[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                self.report(
                    at,
                    f"required parameter {name!r} has no value "
                    f"(pass --parameter {name}=VALUE or give it a Default)",
                )
                continue
            self.params[name] = self._value(
                name,
                spec,
                text(value) if not isinstance(value, list) else ",".join(map(text, value)),
                at,
            )

    def _value(self, name: str, spec: dict[str, Any], value: str, at: PathT) -> Any:
        typed = params.typed(self.report, name, spec, value, at)
        return self.asm_ssm_value(value) if typed is params.SSM else typed

    def asm_ssm_value(self, parameter_name: str) -> Any:
        """An SSM parameter type: the value of an AWS::SSM::Parameter of that name declared
        in the templates given, else the name itself (nothing is looked up in AWS)."""
        for stack in self.asm.stacks:
            for lid, spec in stack._section("Resources").items():
                if isinstance(spec, dict) and spec.get("Type") == "AWS::SSM::Parameter":
                    props = spec.get("Properties") or {}
                    if props.get("Name") == parameter_name and "Value" in props:
                        return stack.evaluate(
                            props["Value"], ("Resources", lid, "Properties", "Value")
                        )
        return parameter_name

    # --- hooks for the evaluator ---------------------------------------------------------

    def mappings(self) -> dict[str, Any]:
        return self._section("Mappings")

    def import_value(self, name: str, at: PathT) -> Any:
        return self.asm.export(name, at, self)

    def ref(self, name: str, at: PathT) -> Any:
        if name in _PSEUDO:
            return self.pseudo(name)
        if name in self.params:
            return self.params[name]
        if name in self._section("Parameters"):
            raise Bad(at, "")  # already reported: a parameter without a value
        resource = self.resource(name, at)
        return resource and names_of(resource).get("Ref")

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": self.env.region,
            "AWS::AccountId": self.env.account,
            "AWS::StackName": self.env.stack_name,
            "AWS::StackId": self.env.stack_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }[name]

    def getatt(self, lid: str, attr: str, at: PathT) -> Any:
        resource = self.resource(lid, at)
        if resource is None:
            return None
        if resource.type == "AWS::CloudFormation::Stack":
            child = self.child(lid) if resource.ok else None
            if not attr.startswith("Outputs."):
                raise Bad(at, f"a nested stack has attributes Outputs.NAME, not {attr!r}")
            if child is None:
                return None
            outputs = child.outputs()
            if attr[8:] not in outputs:
                raise Bad(
                    at,
                    f"nested stack {lid} has no output {attr[8:]!r} "
                    f"(it has: {', '.join(outputs) or 'none'})",
                )
            return outputs[attr[8:]]
        values = names_of(resource)
        if attr in values:
            return values[attr]
        if resource.type in EMULATED:
            known = ", ".join(k for k in values if k != "Ref")
            raise Bad(at, f"{resource.type} has no attribute {attr!r} (it has: {known})")
        return names.attribute(resource.scope.env, resource.type, resource.lid, attr)

    def condition(self, name: Any, at: PathT) -> bool:
        conditions = self._section("Conditions")
        if not isinstance(name, str) or name not in conditions:
            raise Bad(
                at,
                f"no condition {name!r} in Conditions "
                f"(conditions: {', '.join(conditions) or 'none'})",
            )
        if name in self._conditions:
            cached = self._conditions[name]
            if cached is None:
                raise Bad(at, f"condition {name!r} depends on itself")
            return cached
        self._conditions[name] = None
        result = self.truth(conditions[name], ("Conditions", name))
        self._conditions[name] = result
        return result

    # --- resources -----------------------------------------------------------------------

    def resource(self, lid: str, at: PathT) -> Resource | None:
        """The resource ``lid``, evaluated (once); Bad when there is none."""
        specs = self._section("Resources")
        if lid not in specs:
            params = ", ".join(self._section("Parameters")) or "none"
            raise Bad(
                at,
                f"{lid!r} is not a parameter, resource or pseudo parameter of "
                f"this template (parameters: {params})",
            )
        if lid in self._resources:
            done = self._resources[lid]
            if done is None:
                raise Bad(at, f"circular dependency: {lid} refers back to itself")
            return done
        self._resources[lid] = None
        try:
            resource = self._evaluate_resource(lid, specs[lid])
        except Bad:
            self._resources.pop(lid, None)
            raise
        self._resources[lid] = resource
        if resource is not None:
            self.asm.order.append(resource)
            if resource.type == "AWS::CloudFormation::Stack" and resource.ok:
                self.child(lid)
        return resource

    def _evaluate_resource(self, lid: str, spec: Any) -> Resource | None:
        at: PathT = ("Resources", lid)
        if not isinstance(spec, dict) or not isinstance(spec.get("Type"), str):
            self.report(at, "a resource needs a Type (e.g. AWS::ECS::Service)")
            return None
        cond = spec.get("Condition")
        if cond is not None and not self.evaluate(
            {"Fn::If": [cond, True, False]}, at + ("Condition",)
        ):
            return None
        depends = spec.get("DependsOn", [])
        for i, dep in enumerate([depends] if isinstance(depends, str) else depends or []):
            where = at + ("DependsOn",) + ((i,) if isinstance(depends, list) else ())
            try:
                if not isinstance(dep, str) or dep not in self._section("Resources"):
                    raise Bad(where, f"DependsOn names {dep!r}, which is not a resource here")
                self.resource(dep, where)
            except Bad as e:
                self.report(e.at, e.message)
        before = len(self.problems)
        depth, self._depth = self._depth, 0  # a resource evaluated for another reports its own
        try:
            props = self.evaluate(spec.get("Properties") or {}, at + ("Properties",))
        finally:
            self._depth = depth
        if not isinstance(props, dict):
            self.report(at + ("Properties",), "Properties must be a mapping")
            props = {}
        return Resource(lid, spec["Type"], props, self, ok=len(self.problems) == before)

    def walk(self) -> None:
        """Evaluate every resource, in template order as far as references allow."""
        for lid in self._section("Resources"):
            try:
                self.resource(lid, ("Resources", lid))
            except Bad as e:
                self.report(e.at, e.message)
        self.outputs()

    def outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            self._outputs = {}
            for name, spec in self._section("Outputs").items():
                at: PathT = ("Outputs", name)
                if not isinstance(spec, dict) or "Value" not in spec:
                    self.report(at, "an output needs a Value")
                    continue
                cond = spec.get("Condition")
                if cond is not None and not self.evaluate({"Fn::If": [cond, True, False]}, at):
                    continue
                self._outputs[name] = self.evaluate(spec["Value"], at + ("Value",))
        return self._outputs

    def exports(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        outputs = self.outputs()
        for name, spec in self._section("Outputs").items():
            if isinstance(spec, dict) and isinstance(spec.get("Export"), dict) and name in outputs:
                export = self.evaluate(
                    spec["Export"].get("Name"), ("Outputs", name, "Export", "Name")
                )
                if export is not None:
                    found[text(export)] = outputs[name]
        for child in self._children.values():
            if child is not None:
                found.update(child.exports())
        return found

    # --- nested stacks -------------------------------------------------------------------

    def child(self, lid: str) -> StackScope | None:
        if lid in self._children:
            return self._children[lid]
        self._children[lid] = None
        res = self._resources.get(lid)
        if res is None:
            return None
        at: PathT = ("Resources", lid, "Properties")
        path = params.template_path(
            self.report,
            self.tpl,
            self.asm.template_urls,
            self.asm.object_keys,
            res.props.get("TemplateURL"),
            at + ("TemplateURL",),
        )
        if path is None:
            return None
        tpl, problems = load_template(path, _shown(path))
        if tpl is None:
            self.report(
                at + ("TemplateURL",),
                f"cannot read the nested template {path} ("
                + "; ".join(p.message for p in problems)
                + ")",
            )
            self.problems.extend(p for p in problems if p.line is not None)
            return None
        given: dict[str, Any] = {}
        given_at: dict[str, tuple[Template, PathT]] = {}
        passed = res.props.get("Parameters") or {}
        if not isinstance(passed, dict):
            self.report(at + ("Parameters",), "Parameters must be a mapping of names to values")
            passed = {}
        for key, value in passed.items():
            given[key] = ",".join(map(text, value)) if isinstance(value, list) else text(value)
            given_at[key] = (self.tpl, at + ("Parameters", key))
        env = names.Env(names.generated(self.env, lid, 128), self.env.region, self.env.account)
        child = StackScope(self.asm, tpl, env, given, given_at)
        self._children[lid] = child
        child.walk()
        return child


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
