"""Cross-field checks of load balancers: listeners, rules, actions, transforms and ALB quotas
(reference/aws-semantics.md, section A; conditions are in ``emulator.model.conditions``).

Rule values end up in the nginx configuration, so this is also the gate that keeps them to the
characters the ALB itself accepts. Quotas that AWS enforces but a laptop does not need
(rules per load balancer, values and wildcards per rule, target groups per action, listeners)
are warnings naming the quota: the layout runs locally but would fail in AWS.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.model.attributes import check_attributes
from emulator.model.conditions import check_conditions, invisible, regex_problem
from emulator.model.layoutcheck import ELB_NAME, Catalog, check_publish, format_publish
from emulator.model.report import Reporter
from emulator.model.shapes import did_you_mean, given, items
from emulator.model.yamlsource import PathT

REDIRECT_HOST = re.compile(r"^(?:[A-Za-z0-9.-]|#\{[a-z]+\})+$")
TERMINAL_ACTIONS = ("forward", "redirect", "fixed-response")
ACTION_FIELDS = {
    "forward": ("targetGroup", "forwardConfig"),
    "redirect": ("redirectConfig",),
    "fixed-response": ("statusCode", "contentType", "messageBody"),
}
REDIRECT_KEYWORDS = {
    "protocol": ("protocol",),
    "host": ("host",),
    "port": ("port",),
    "path": ("host", "port", "path"),
    "query": ("protocol", "host", "port", "path", "query"),
}
REDIRECT_UNCHANGED = {
    "protocol": "#{protocol}",
    "host": "#{host}",
    "port": "#{port}",
    "path": "/#{path}",
}
QUOTA_RULES, QUOTA_LISTENERS, QUOTA_VALUES, QUOTA_WILDCARDS, QUOTA_ACTION_TGS = 100, 50, 5, 5, 5


def check_load_balancers(lbs: Any, rep: Reporter, cat: Catalog) -> None:
    cat.note("loadBalancers", lbs)
    for i, lb in items(lbs):
        at = rep.at(("loadBalancers", i))
        name = lb.get("name")
        if name is not None and (not ELB_NAME.match(name) or name.startswith("internal-")):
            at.error(("name",), f"{name!r} is not valid (1-32 letters, digits, -; not internal-)")
        elif name is not None and name in cat.load_balancers:
            at.error(("name",), f"duplicate load balancer name {name!r}")
        elif name is not None:
            cat.load_balancers[name] = lb
        _lb_subnets(lb, at, cat)
        check_attributes("load balancer", lb.get("attributes"), at, ("attributes",))
        listeners = items(lb.get("listeners"))
        if len(listeners) > QUOTA_LISTENERS:
            at.warn(
                ("listeners",),
                f"{len(listeners)} listeners: over the ALB quota of 50 listeners per load balancer",
            )
        ports: set[int] = set()
        rules = 0
        for j, ls in listeners:
            lat = at.at(("listeners", j))
            port = ls.get("port")
            if port in ports:
                lat.error(
                    ("port",), f"port {port} is used by another listener of this load balancer"
                )
            if port is not None:
                ports.add(port)
                publish = ls.get("publish", format_publish("127.0.0.1", port))
                where: PathT = ("publish",) if "publish" in ls else ("port",)
                ls["publish"] = check_publish(publish, lat, where, cat)
            if ls.get("protocol") == "HTTPS":
                lat.warn(("protocol",), "served as plain HTTP locally (no certificate)")
            proto = ls.get("protocol", "HTTP")
            _actions(ls.get("defaultActions"), lat, ("defaultActions",), cat, str(name), proto)
            rules += _rules(ls.get("rules"), lat, cat, str(name), proto)
        if rules > QUOTA_RULES:
            at.warn(
                ("listeners",), f"{rules} rules: over the ALB quota of 100 rules per load balancer"
            )


def _lb_subnets(lb: dict[str, Any], rep: Reporter, cat: Catalog) -> None:
    subnets = lb.get("subnets")
    public = lb.get("scheme", "internet-facing") == "internet-facing"
    if subnets is None:
        if public and not any(cat.subnets.values()):
            rep.error(
                ("scheme",),
                "an internet-facing load balancer needs a public subnet; the VPC has none",
            )
        return
    for k, sn in enumerate(subnets):
        if isinstance(sn, str) and sn not in cat.subnets and "subnets" not in cat.incomplete:
            near = did_you_mean(sn, list(cat.subnets))
            rep.error(("subnets", k), f"{sn!r} is not a subnet of the VPC{near}")
    if public and subnets and not any(cat.subnets.get(s) for s in subnets if isinstance(s, str)):
        rep.error(("subnets",), "an internet-facing load balancer needs at least one public subnet")


def _rules(rules: Any, rep: Reporter, cat: Catalog, lb: str, proto: str) -> int:
    priorities: dict[int, int] = {}
    found = items(rules)
    for k, rule in found:
        at = rep.at(("rules", k))
        prio = rule.get("priority")
        if prio is not None and prio in priorities:
            at.error(("priority",), f"priority {prio} is already used by rules[{priorities[prio]}]")
        elif prio is not None:
            priorities[prio] = k
        values, wildcards = check_conditions(rule.get("conditions"), at)
        if values > QUOTA_VALUES:
            at.warn(
                ("conditions",),
                f"{values} condition values: over the ALB quota of 5 condition values per rule",
            )
        if wildcards > QUOTA_WILDCARDS:
            at.warn(
                ("conditions",),
                f"{wildcards} wildcards: over the ALB quota of 5 wildcards per rule",
            )
        _actions(rule.get("actions"), at, ("actions",), cat, lb, proto)
        _transforms(rule.get("transforms"), at)
    return len(found)


def _actions(actions: Any, rep: Reporter, path: PathT, cat: Catalog, lb: str, proto: str) -> None:
    found = items(actions)
    terminal = [k for k, a in found if a.get("type") in TERMINAL_ACTIONS]
    for k, a in found:
        at = rep.at(path + (k,))
        kind = a.get("type")
        if kind is None:
            continue
        if kind not in TERMINAL_ACTIONS:
            at.error(
                ("type",),
                f"{kind} actions are not supported by ecsdev (forward, redirect, fixed-response)",
            )
            continue
        if k != terminal[0]:
            at.error(("type",), "a rule has exactly one forward, redirect or fixed-response action")
        elif k != found[-1][0]:
            at.error(("type",), f"the {kind} action must be the last action")
        for key in a:
            if key != "type" and key not in ACTION_FIELDS[kind]:
                at.error(
                    (key,),
                    f"does not apply to {kind} actions (use {', '.join(ACTION_FIELDS[kind])})",
                )
        if kind == "forward":
            _forward(a, at, cat, lb)
        elif kind == "redirect":
            _redirect(a, at, proto)
        elif not given(a, "statusCode"):
            at.error(("statusCode",), "required for fixed-response actions")


def _forward(a: dict[str, Any], rep: Reporter, cat: Catalog, lb: str) -> None:
    fc = a.get("forwardConfig")
    if "targetGroup" in a and "forwardConfig" in a:
        # how describe-rules prints every forward: both, naming the same single group
        named = [w.get("targetGroup") for _, w in items((fc or {}).get("targetGroups"))]
        if named != [a["targetGroup"]]:
            rep.error(
                ("forwardConfig",),
                "with both targetGroup and forwardConfig, forwardConfig must name exactly one "
                "target group, the same as targetGroup",
            )
            return
    elif "targetGroup" in a:
        use_target_group(a["targetGroup"], rep, ("targetGroup",), cat, lb)
        return
    if fc is None:
        if not given(a, "forwardConfig") and not given(a, "targetGroup"):
            rep.error(("targetGroup",), "a forward action needs targetGroup or forwardConfig")
        return
    tgs = items(fc.get("targetGroups"))
    if len(tgs) > QUOTA_ACTION_TGS:
        rep.warn(
            ("forwardConfig", "targetGroups"),
            f"{len(tgs)} target groups: over the ALB quota of 5 target groups per action",
        )
    seen: set[str] = set()
    for n, wtg in tgs:
        name = wtg.get("targetGroup")
        path: PathT = ("forwardConfig", "targetGroups", n, "targetGroup")
        if name in seen:
            rep.error(path, f"target group {name!r} is listed twice")
        elif name is not None:
            seen.add(name)
            use_target_group(name, rep, path, cat, lb)
    if tgs and all(w.get("weight", 1) == 0 for _, w in tgs):
        rep.error(("forwardConfig", "targetGroups"), "at least one weight must be above 0")
    sticky = fc.get("targetGroupStickinessConfig") or {}
    if sticky.get("enabled") and not given(sticky, "durationSeconds"):
        rep.error(
            ("forwardConfig", "targetGroupStickinessConfig", "durationSeconds"),
            "required when enabled",
        )


def use_target_group(name: str, rep: Reporter, path: PathT, cat: Catalog, lb: str) -> None:
    """Check that a target group exists and belongs to this load balancer only (AWS quota:
    one load balancer per target group)."""
    if name not in cat.target_groups:
        if "targetGroups" in cat.incomplete:
            return
        rep.error(
            path, f"no target group named {name!r}{did_you_mean(name, list(cat.target_groups))}"
        )
        return
    users = cat.tg_users.setdefault(name, [])
    if users and lb not in users:
        rep.error(
            path,
            f"target group {name!r} is already used by load balancer {users[0]!r} (a target group belongs to one load balancer)",
        )
    if lb not in users:
        users.append(lb)


def _redirect(a: dict[str, Any], rep: Reporter, proto: str) -> None:
    rc = a.get("redirectConfig")
    if rc is None:
        if not given(a, "redirectConfig"):
            rep.error(("redirectConfig",), "required for redirect actions")
        return
    for comp, allowed in REDIRECT_KEYWORDS.items():
        value = rc.get(comp)
        if value is None:
            continue
        path: PathT = ("redirectConfig", comp)
        if invisible(value):
            rep.error(path, str(invisible(value)))
            continue
        for kw in re.findall(r"#\{([^}]*)\}", value):
            if kw not in allowed:
                ok = ", ".join("#{" + name + "}" for name in allowed)
                rep.error(path, f"#{{{kw}}} cannot be used in {comp} (allowed: {ok})")
        if (
            comp == "port"
            and value != "#{port}"
            and not (value.isdigit() and 1 <= int(value) <= 65535)
        ):
            rep.error(path, f"{value!r} is not a port (1-65535) or #{{port}}")
        if comp == "host" and not REDIRECT_HOST.match(value):
            rep.error(path, f"{value!r} is not a host name (A-Z a-z 0-9 . - and #{{host}})")
        if comp == "path" and not value.startswith("/"):
            rep.error(path, f"{value!r} must start with /")
        if comp == "query" and value.startswith("?"):
            rep.error(path, "leave out the leading ? (it is added automatically)")
    if not any(given(rc, c) and rc.get(c) != same for c, same in REDIRECT_UNCHANGED.items()):
        rep.error(
            ("redirectConfig",),
            "must change at least one of protocol, host, port or path (it would redirect to itself)",
        )
    if proto == "HTTPS" and rc.get("protocol") == "HTTP":
        rep.error(("redirectConfig", "protocol"), "HTTPS to HTTP redirects are not allowed")


def _transforms(transforms: Any, rep: Reporter) -> None:
    seen: set[str] = set()
    for k, t in items(transforms):
        path: PathT = ("transforms", k)
        kind = t.get("type")
        if kind is None:
            continue
        if kind in seen:
            rep.error(path + ("type",), f"only one {kind} transform per rule")
        seen.add(kind)
        want, other = ("urlRewriteConfig", "hostHeaderRewriteConfig")
        if kind == "host-header-rewrite":
            want, other = other, want
        if other in t:
            rep.error(path + (other,), f"does not apply to {kind} transforms (use {want})")
        cfg = t.get(want)
        if cfg is None:
            if not given(t, want):
                rep.error(path + (want,), "required key is missing")
            continue
        for n, rw in items(cfg.get("rewrites")):
            where = path + (want, "rewrites", n)
            regex, replace = rw.get("regex"), rw.get("replace", "")
            if regex is None:
                continue
            problem = regex_problem(regex)
            if problem:
                rep.error(where + ("regex",), problem)
                continue
            if invisible(replace):
                rep.error(where + ("replace",), str(invisible(replace)))
                continue
            groups = re.compile(regex).groups
            for ref in re.findall(r"\$(\d+)", replace):
                if int(ref) > groups:
                    rep.error(
                        where + ("replace",),
                        f"${ref} refers to a group the regex does not have ({groups} groups)",
                    )
