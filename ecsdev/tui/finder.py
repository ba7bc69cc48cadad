"""Finding resources by name from ``:`` and the palette: services, task definition families,
target groups and load balancers, not only commands.

At an incident the user knows a name (``checkout``), not where it lives. ``:checkout`` (and
the palette) look it up: first among the rows already loaded (free), then with the few
listing calls a lookup needs (task definition families, target groups, load balancers, and
one DescribeServices for the name in the current cluster), off the UI thread. An exact name
wins (a service before a target group, a load balancer or a task family of that name);
otherwise a name that contains the word, when only one does. Nothing found says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecsdev.sources.base import Source
from ecsdev.tui.routes import Route
from ecsdev.tui.widgets.table import Row
from emulator.errors import EcsdevError

KIND_BY_ROUTE = {"services": "service", "families": "task definition", "tgs": "target group"}


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    """service, task definition, target group or load balancer."""
    name: str
    route: Route

    @property
    def title(self) -> str:
        return f"{self.kind} {self.name}"


def loaded(cache: dict[tuple[Route, str], list[Row]]) -> list[Found]:
    """Resources among the rows already loaded (what the palette lists, for free)."""
    out: dict[tuple[str, str], Found] = {}
    for (route, _), rows in cache.items():
        for row in rows:
            found = _from_row(route, row)
            if found is not None:
                out.setdefault((found.kind, found.name), found)
    return list(out.values())


def _from_row(route: Route, row: Row) -> Found | None:
    name = row.plain(0)
    match route.kind:
        case "services":
            cluster = route.get("cluster")
            return Found("service", name, Route.to("service", cluster=cluster, service=name))
        case "families":
            return Found("task definition", name, Route.to("revisions", family=name))
        case "tgs":
            return Found("target group", name, Route.to("targets", tg=row.key, label=name))
        case "lbs":
            return Found("load balancer", name, Route.to("listeners", lb=row.key, label=name))
    return None


def lookup(source: Source, word: str, cluster: str | None, known: list[Found]) -> list[Found]:
    """Everything named ``word`` (exactly), else everything whose name contains it. Blocks:
    call from a worker."""
    candidates = list(known)
    if cluster:
        try:
            s = source.describe_service(cluster, word)
            candidates.append(
                Found("service", s.name, Route.to("service", cluster=cluster, service=s.name))
            )
        except EcsdevError:
            pass  # no service of that name there
    for fetch in (_families, _groups, _balancers):
        try:
            candidates.extend(fetch(source))
        except EcsdevError:
            continue  # the source has no such resources (or may not list them)
    return best(candidates, word)


PRIORITY = ("service", "target group", "load balancer", "task definition")
"""When a name is several things, the first of these is opened (an incident is about a
service first); the others are named in a notification."""


def best(candidates: Iterable[Found], word: str) -> list[Found]:
    """The matches, the one to open first: exact names, else names containing ``word``."""
    unique = {(f.kind, f.name): f for f in candidates}
    exact = [f for f in unique.values() if f.name.lower() == word.lower()]
    pool = exact or [f for f in unique.values() if word.lower() in f.name.lower()]
    return sorted(pool, key=lambda f: (PRIORITY.index(f.kind), f.name))


def _families(source: Source) -> list[Found]:
    return [
        Found("task definition", f, Route.to("revisions", family=f))
        for f in source.list_task_definition_families()
    ]


def _groups(source: Source) -> list[Found]:
    return [
        Found("target group", g.name, Route.to("targets", tg=g.arn, label=g.name))
        for g in source.list_target_groups()
    ]


def _balancers(source: Source) -> list[Found]:
    return [
        Found("load balancer", b.name, Route.to("listeners", lb=b.arn, label=b.name))
        for b in source.list_load_balancers()
    ]
