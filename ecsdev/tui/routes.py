"""Where the user is, as a value: a ``Route`` names a view and its arguments.

Back/forward history, breadcrumbs, the ``:`` command mode, the command palette and deep
links from the CLI (``--cluster --service``) all speak routes, so each of them is a few
lines and they cannot disagree. Screens are rebuilt from a route when the user goes back,
and the per-route view state (cursor, sort, filter) is restored, k9s-style.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Route:
    kind: str
    args: tuple[tuple[str, str], ...] = ()

    @classmethod
    def to(cls, kind: str, **args: str | None) -> Route:
        return cls(kind, tuple((k, v) for k, v in args.items() if v is not None))

    def get(self, key: str, default: str = "") -> str:
        return dict(self.args).get(key, default)

    @property
    def label(self) -> str:
        """The breadcrumb text."""
        explicit = self.get("label")
        if explicit:
            return explicit
        match self.kind:
            case "services":
                return self.get("cluster")
            case "service":
                return self.get("service")
            case "task":
                return self.get("task").rsplit("/", 1)[-1][:8]
            case "tasks":
                return f"{self.get('cluster')} tasks"
            case "revisions":
                return self.get("family")
            case "taskdef":
                return self.get("arn").rsplit("/", 1)[-1]
        return TITLES.get(self.kind, self.kind)


TITLES = {
    "contexts": "contexts",
    "regions": "regions",
    "clusters": "clusters",
    "tasks": "tasks",
    "logs": "logs",
    "lbs": "load balancers",
    "listeners": "listeners",
    "rules": "rules",
    "tgs": "target groups",
    "targets": "targets",
    "vpcs": "VPCs",
    "vpc": "VPC",
    "sg": "security group",
    "routes": "route table",
    "families": "task definitions",
    "tddiff": "diff",
    "network": "network",
}


@dataclass(frozen=True, slots=True)
class ViewState:
    """Where the user was in a view (cursor, sort, filter, tab), kept per route."""

    cursor: dict[str, str | None]
    sort: dict[str, tuple[int | None, bool]]
    filter: str = ""
    tab: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A ``:`` command: its name, aliases and what it does, for the prompt and the palette."""

    name: str
    aliases: tuple[str, ...]
    help: str
    needs_cluster: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("clusters", ("cl", "cluster"), "List clusters"),
    Command("services", ("svc", "service", "s"), "Services of the current cluster", True),
    Command("tasks", ("task", "t", "po"), "Every task of the current cluster", True),
    Command("logs", ("log", "l"), "Logs of the selected service, task or container"),
    Command("lb", ("lbs", "alb", "elb", "loadbalancers"), "Load balancers"),
    Command("tg", ("tgs", "targetgroups"), "Target groups"),
    Command("vpc", ("vpcs", "net", "network"), "VPCs, subnets and security groups"),
    Command("td", ("taskdefs", "taskdefinitions", "tds"), "Task definition families"),
    Command(
        "ctx",
        ("context", "contexts"),
        "Switch context (local, a local stack, LocalStack, AWS profile)",
    ),
    Command("region", ("regions",), "Switch region"),
    Command("help", ("?", "h"), "Key bindings"),
    Command("refresh", ("r",), "Refresh now"),
    Command("pause", (), "Pause or resume automatic refresh"),
    Command("back", ("-",), "Previous view"),
    Command("quit", ("q", "q!", "exit"), "Quit"),
)


def find_command(word: str) -> Command | None:
    word = word.lower()
    for c in COMMANDS:
        if word == c.name or word in c.aliases:
            return c
    return None


def command_words() -> list[str]:
    """Every name and alias, for the prompt's completion."""
    return [w for c in COMMANDS for w in (c.name, *c.aliases) if w.isalpha()]


def route_for(command: Command, arg: str | None, cluster: str | None) -> Route | None:
    """The view a ``:`` command opens, or ``None`` when it is an action, not a view."""
    match command.name:
        case "clusters":
            return Route.to("clusters")
        case "services":
            target = arg or cluster
            return Route.to("services", cluster=target) if target else Route.to("clusters")
        case "tasks":
            target = arg or cluster
            return Route.to("tasks", cluster=target) if target else Route.to("clusters")
        case "lb":
            return Route.to("lbs")
        case "tg":
            return Route.to("tgs")
        case "vpc":
            return Route.to("vpc", vpc=arg) if arg else Route.to("vpcs")
        case "td":
            return Route.to("revisions", family=arg) if arg else Route.to("families")
        case "ctx":
            return Route.to("contexts")
        case "region":
            return Route.to("regions")
    return None
