"""Which stack a command acts on: ``-f LAYOUT`` (default ./ecsdev.yaml) or ``--stack NAME``,
as compose takes ``-f``/``-p``. A bare task-definition file runs in the stack ``local``
unless ``--stack`` says otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulator import labels as L
from emulator.arns import Account
from emulator.errors import NotFound, UsageError
from emulator.events import EventSink, discard
from emulator.model.layout import Layout, Subnet, Vpc
from emulator.model.taskdef import TaskDefinition
from emulator.runtime.base import ContainerRuntime
from emulator.store import known_stacks

DEFAULT_LAYOUT = "ecsdev.yaml"
BARE_STACK = "local"
BARE_VPC = Vpc(subnets=(Subnet(name="public", public=True),))


@dataclass(frozen=True)
class StackRef:
    name: str
    layout: Layout | None = None
    task_definition: TaskDefinition | None = None  # a bare task-definition file
    file: str | None = None

    @property
    def cluster(self) -> str:
        return self.layout.cluster if self.layout else "default"

    @property
    def account(self) -> Account:
        return self.layout.account if self.layout else Account()

    @property
    def vpc(self) -> Vpc:
        return self.layout.vpc if self.layout else BARE_VPC

    @property
    def base_dir(self) -> str:
        return str(Path(self.file).resolve().parent) if self.file else str(Path.cwd())


def resolve(
    file: str | None, stack: str | None, sink: EventSink = discard, required: bool = True
) -> StackRef | None:
    """The stack named by -f/--stack; None when neither is given, no ./ecsdev.yaml exists
    and ``required`` is False (commands that then look at every stack)."""
    from emulator.model.loader import load_file

    if file is None and stack is None and Path(DEFAULT_LAYOUT).exists():
        file = DEFAULT_LAYOUT
    if file is None:
        if stack:
            return StackRef(name=stack)
        if required:
            raise UsageError(
                f"no layout given and no ./{DEFAULT_LAYOUT} here",
                "Pass -f LAYOUT (or a task-definition JSON file) or --stack NAME.",
            )
        return None
    path = Path(file)
    if not path.exists():
        raise UsageError(f"{file}: no such file", "Check the path given with -f.")
    from ecsdev.cli.template import template_ref  # a CloudFormation template or cdk.out

    if (ref := template_ref(path, stack, sink)) is not None:
        return ref
    loaded = load_file(path, warn=sink)
    if isinstance(loaded, TaskDefinition):
        return StackRef(name=stack or BARE_STACK, task_definition=loaded, file=str(path))
    layout = loaded
    if stack and stack != layout.name:
        raise UsageError(f"--stack {stack} does not match the layout's name {layout.name!r}")
    return StackRef(name=layout.name, layout=layout, file=str(path))


def all_stacks(runtime: ContainerRuntime | None) -> list[str]:
    """Stacks known from the state directory and from Docker labels."""
    names = set(known_stacks())
    if runtime is not None:
        for c in runtime.list_containers({L.STACK: ""}):
            if c.labels.get(L.STACK):
                names.add(c.labels[L.STACK])
    return sorted(names)


def task_definition_for(ref: StackRef, spec: str | None) -> TaskDefinition:
    """FAMILY or FAMILY:N of the layout (N = the Nth definition of the family in the file)."""
    if ref.task_definition is not None:
        if spec and spec.split(":")[0] != ref.task_definition.family:
            raise NotFound(f"{ref.file} holds family {ref.task_definition.family!r}, not {spec!r}")
        return ref.task_definition
    if ref.layout is None:
        raise UsageError("run-task needs -f LAYOUT or -f TASKDEF.json")
    families = [t.family for t in ref.layout.task_definitions]
    if not spec:
        if len(set(families)) == 1:
            return ref.layout.task_definitions[-1]
        raise UsageError(
            "--task-definition is required: the layout has several families",
            f"Families: {', '.join(sorted(set(families)))}",
        )
    family, _, rev = spec.partition(":")
    found = [t for t in ref.layout.task_definitions if t.family == family]
    if not found:
        raise NotFound(
            f"task definition {family!r} is not in {ref.file}",
            f"Families: {', '.join(sorted(set(families))) or '(none)'}",
        )
    if rev:
        if not rev.isdigit() or not 1 <= int(rev) <= len(found):
            raise NotFound(f"{spec}: {ref.file} has {len(found)} revision(s) of {family!r}")
        return found[int(rev) - 1]
    return found[-1]
