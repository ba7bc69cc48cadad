"""Does a layout's ALB compile to a configuration nginx accepts? Asked by validation, so a
layout that validates starts: ``up`` never finds out from nginx with tasks already running.

Why a module of its own: the compiler's last line of defence (``UnsafeValueError``: a NUL
in a body, a space in a rewrite, a regex only Python reads, a CDN domain that is no DNS
name) and nginx's own limit (no token of 4 KiB or more) turn into problems located in the
layout: the whole load balancer is compiled first and, only when that fails, each rule on its
own, to name the one at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from emulator.alb import AlbError
from emulator.alb.nginx import AlbParts, Target, render
from emulator.alb.nginx_text import long_tokens
from emulator.model.layout import Layout, Listener, LoadBalancer

Path = tuple[str | int, ...]
PROBE_TARGET = "10.0.0.1"  # one healthy target per group, so every code path is compiled


def _compile(parts: AlbParts) -> str | None:
    """Why nginx would not take ``parts``' configuration, or None."""
    targets = {
        tg.name: [Target(PROBE_TARGET, tg.port or 80, "healthy")] for tg in parts.target_groups
    }
    try:
        text = render(parts, targets)
    except AlbError as e:
        return e.message
    except (RecursionError, ValueError) as e:  # a regex PCRE-compatible but pathological
        return f"cannot be compiled for nginx ({type(e).__name__})"
    long = long_tokens(text)
    if long:
        return f"makes a configuration token of 4 KiB or more, which nginx refuses ({long[0]}…)"
    return None


def config_problems(layout: Layout, raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """(path in the layout, message) for each load balancer whose configuration nginx
    would refuse; ``raw`` is the checked layout data (to find a rule's index)."""
    out: list[tuple[Path, str]] = []
    for i, lb in enumerate(layout.load_balancers):
        whole = AlbParts.of(layout, lb.name)
        why = _compile(whole)
        if why is None:
            continue
        located = _locate(whole, i, raw)
        out += located or [(("loadBalancers", i), why)]
    return out


def _locate(whole: AlbParts, i: int, raw: dict[str, Any]) -> list[tuple[Path, str]]:
    lb = whole.load_balancer
    bare = replace(whole, cdns=(), load_balancer=replace(lb, listeners=()))
    found: list[tuple[Path, str]] = []

    def alone(listener: Listener) -> AlbParts:
        return replace(bare, load_balancer=replace(lb, listeners=(listener,)))

    raw_listeners: Sequence[Any] = (raw.get("loadBalancers") or [])[i].get("listeners") or []
    for j, listener in enumerate(lb.listeners):
        at: Path = ("loadBalancers", i, "listeners", j)
        why = _compile(alone(replace(listener, rules=())))
        if why is not None:
            found.append((at + ("defaultActions",), why))
            continue
        raw_rules = raw_listeners[j].get("rules") or [] if j < len(raw_listeners) else []
        for rule in listener.rules:
            why = _compile(alone(replace(listener, rules=(rule,))))
            if why is not None:
                k = _index(raw_rules, "priority", rule.priority)
                found.append((at + (("rules", k) if k is not None else ()), why))
    for n, cdn in enumerate(whole.cdns):
        why = _compile(replace(bare, load_balancer=_no_rules(lb), cdns=(cdn,)))
        if why is not None:
            k = _index(raw.get("cdn") or [], "domainName", cdn.domain_name)
            found.append((("cdn", k if k is not None else n), why))
    return found


def _no_rules(lb: LoadBalancer) -> LoadBalancer:
    return replace(lb, listeners=tuple(replace(x, rules=()) for x in lb.listeners))


def _index(items: Sequence[Any], key: str, value: object) -> int | None:
    return next(
        (n for n, x in enumerate(items) if isinstance(x, dict) and x.get(key) == value), None
    )
