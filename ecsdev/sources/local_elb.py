"""The emulator's VPC and ALB stand-in as dashboard views.

The controller records the layout's network and load-balancer part in the stack's store
(``emulator.alb.spec``) and the targets' health as DescribeTargetHealth shapes
(``emulator.albstate.snapshot``). This module turns them into the same views AwsSource
builds, with AWS-shaped IDs, so "load balancer -> listener -> rule -> target group ->
unhealthy target -> its task" walks the same way locally as in an account.
"""

from __future__ import annotations

from typing import Any

from ecsdev.sources.elbwords import action_words, condition_words
from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
    RuleView,
    SubnetView,
    TargetGroupView,
    TargetView,
    VpcView,
)
from emulator.alb import spec
from emulator.albstate import snapshot
from emulator.arns import Account
from emulator.model.layout import Action, Condition, Layout
from emulator.store import Store


def recorded_layout(store: Store) -> Layout | None:
    data = store.get(spec.ALB_KEY)
    return spec.layout_of(data) if data else None


def vpc_id(stack: str) -> str:
    return "vpc-" + spec.stable_id(stack, "vpc", "vpc", 17)


def subnet_id(stack: str, name: str) -> str:
    return "subnet-" + spec.stable_id(stack, "subnet", name, 17)


def listener_arn(lb_arn: str, port: int) -> str:
    return lb_arn.replace(":loadbalancer/", ":listener/") + f"/{port:016x}"


def vpcs(stack: str, layout: Layout) -> list[VpcView]:
    return [VpcView(id=vpc_id(stack), cidr=layout.vpc.cidr or "(Docker's choice)", name=stack)]


def subnets(stack: str, layout: Layout) -> list[SubnetView]:
    return [
        SubnetView(
            id=subnet_id(stack, s.name),
            vpc_id=vpc_id(stack),
            cidr=s.cidr or "(Docker's choice)",
            availability_zone=f"{layout.region}a",
            public=s.public,
            name=s.name,
        )
        for s in layout.vpc.subnets
    ]


def _condition(c: Condition) -> dict[str, Any]:
    if c.field == "http-header":
        return {
            "Field": c.field,
            "HttpHeaderConfig": {"HttpHeaderName": c.http_header_name, "Values": list(c.values)},
        }
    if c.field == "query-string":
        pairs = [{"Key": k, "Value": v} if k else {"Value": v} for k, v in c.values]
        return {"Field": c.field, "QueryStringConfig": {"Values": pairs}}
    return {"Field": c.field, "Values": list(c.values)}


def _action(a: Action, tg_arn: Any) -> dict[str, Any]:
    if a.type == "forward":
        groups = [
            {"TargetGroupArn": tg_arn(g.target_group), "Weight": g.weight} for g in a.target_groups
        ]
        out: dict[str, Any] = {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}
        if len(groups) == 1:
            out["TargetGroupArn"] = groups[0]["TargetGroupArn"]
        return out
    if a.type == "redirect":
        cfg = {k[:1].upper() + k[1:]: v for k, v in (a.redirect or {}).items()}
        return {"Type": "redirect", "RedirectConfig": cfg}
    return {
        "Type": "fixed-response",
        "FixedResponseConfig": {
            "StatusCode": a.status_code,
            "ContentType": a.content_type,
            "MessageBody": a.message_body,
        },
    }


class LocalElb:
    """Load-balancer views of one stack."""

    def __init__(self, stack: str, store: Store, account: Account) -> None:
        self.stack = stack
        self.store = store
        self.account = account

    def _layout(self) -> Layout | None:
        return recorded_layout(self.store)

    def _tg_arn(self, name: str) -> str:
        """By the group itself: one the API made keeps its own ARN."""
        layout = self._layout()
        tg = next((t for t in layout.target_groups if t.name == name), None) if layout else None
        return spec.target_group_arn(self.account, self.stack, tg or name)

    def _lb_arn(self, name: str) -> str:
        layout = self._layout()
        lb = next((x for x in layout.load_balancers if x.name == name), None) if layout else None
        return spec.load_balancer_arn(self.account, self.stack, lb or name)

    def load_balancers(self) -> list[LoadBalancerView]:
        layout = self._layout()
        if layout is None:
            return []
        from emulator.alb.nginx import alb_dns_name

        return [
            LoadBalancerView(
                arn=self._lb_arn(lb.name),
                name=lb.name,
                type="application",
                scheme=lb.scheme,
                state="active",
                dns_name=alb_dns_name(lb, layout.region),
                vpc_id=vpc_id(self.stack),
                availability_zones=tuple(f"{layout.region}a" for _ in lb.subnets[:1]),
            )
            for lb in layout.load_balancers
        ]

    def _find_lb(self, arn: str) -> Any:
        layout = self._layout()
        for lb in layout.load_balancers if layout else ():
            if self._lb_arn(lb.name) == arn:
                return lb
        return None

    def listeners(self, lb_arn: str) -> list[ListenerView]:
        lb = self._find_lb(lb_arn)
        if lb is None:
            return []
        out = []
        for ls in lb.listeners:
            actions = [_action(a, self._tg_arn) for a in ls.default_actions]
            out.append(
                ListenerView(
                    arn=listener_arn(lb_arn, ls.port),
                    load_balancer_arn=lb_arn,
                    port=ls.port,
                    protocol=ls.protocol,
                    default_actions=tuple(action_words(a) for a in actions),
                    target_group_arns=tuple(
                        g["TargetGroupArn"]
                        for a in actions
                        for g in (a.get("ForwardConfig") or {}).get("TargetGroups", [])
                    ),
                )
            )
        return out

    def rules(self, listener: str) -> list[RuleView]:
        layout = self._layout()
        for lb in layout.load_balancers if layout else ():
            lb_arn = self._lb_arn(lb.name)
            for ls in lb.listeners:
                if listener_arn(lb_arn, ls.port) != listener:
                    continue
                out = []
                for r in sorted(ls.rules, key=lambda r: r.priority):
                    actions = [_action(a, self._tg_arn) for a in r.actions]
                    out.append(
                        self._rule(
                            listener,
                            str(r.priority),
                            [_condition(c) for c in r.conditions],
                            actions,
                        )
                    )
                defaults = [_action(a, self._tg_arn) for a in ls.default_actions]
                out.append(self._rule(listener, "default", [], defaults))
                return out
        return []

    @staticmethod
    def _rule(
        listener: str,
        priority: str,
        conditions: list[dict[str, Any]],
        actions: list[dict[str, Any]],
    ) -> RuleView:
        return RuleView(
            arn=f"{listener.replace(':listener/', ':listener-rule/')}/{priority}",
            listener_arn=listener,
            priority=priority,
            conditions=tuple(condition_words(c) for c in conditions),
            actions=tuple(action_words(a) for a in actions),
            target_group_arns=tuple(
                g["TargetGroupArn"]
                for a in actions
                for g in (a.get("ForwardConfig") or {}).get("TargetGroups", [])
            ),
        )

    def target_groups(self, lb_arn: str | None = None) -> list[TargetGroupView]:
        layout = self._layout()
        if layout is None:
            return []
        users: dict[str, list[str]] = {}
        for lb in layout.load_balancers:
            for ls in lb.listeners:
                for a in [*ls.default_actions, *(x for r in ls.rules for x in r.actions)]:
                    for g in a.target_groups:
                        users.setdefault(g.target_group, [])
                        if self._lb_arn(lb.name) not in users[g.target_group]:
                            users[g.target_group].append(self._lb_arn(lb.name))
        out = []
        for tg in layout.target_groups:
            lbs = tuple(users.get(tg.name, ()))
            if lb_arn and lb_arn not in lbs:
                continue
            hc = f"{tg.health_check_protocol} {tg.health_check_path}"
            if tg.health_check_port != "traffic-port":
                hc += f" port {tg.health_check_port}"
            out.append(
                TargetGroupView(
                    arn=self._tg_arn(tg.name),
                    name=tg.name,
                    protocol=tg.protocol,
                    port=tg.port,
                    target_type=tg.target_type,
                    vpc_id=vpc_id(self.stack),
                    health_check=hc,
                    load_balancer_arns=lbs,
                )
            )
        return out

    def targets(self, tg_arn: str) -> list[TargetView]:
        out = []
        for d in snapshot(self.store).get(tg_arn, []):
            t, h = d.get("Target") or {}, d.get("TargetHealth") or {}
            out.append(
                TargetView(
                    target_group_arn=tg_arn,
                    id=str(t.get("Id", "")),
                    port=t.get("Port"),
                    state=str(h.get("State", "unavailable")),
                    reason=h.get("Reason"),
                    description=h.get("Description"),
                )
            )
        return out

    def task_of(self, target: TargetView) -> str | None:
        for d in snapshot(self.store).get(target.target_group_arn, []):
            t = d.get("Target") or {}
            if str(t.get("Id")) == target.id and t.get("Port") == target.port:
                return str((d.get("Ecsdev") or {}).get("TaskArn") or "") or None
        return None
