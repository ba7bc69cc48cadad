"""``ecsdev pull``: one ECS service from an AWS account (or LocalStack, or any AWS endpoint)
written as a layout that runs it here.

Why a module of its own: it is the command's whole conversation with the user, reading
(``ecsdev.sources.aws_pull``, read-only always), translating (``pulllayout``), writing the
files, getting the images (``pullimages``), and checking that what it wrote validates, so
that ``ecsdev up -f DIR`` is the next and only step. The written paths are the answer
(stdout); progress, the notes on what could not be carried over, and the images that could
not be pulled go to stderr.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import yaml
from rich.text import Text

from ecsdev.cli import output
from ecsdev.cli.base import cli
from ecsdev.cli.fromaws import one_line
from ecsdev.cli.pullimages import images_of, obtain_images, unpullable_message
from ecsdev.cli.pullimages import say as _say
from ecsdev.cli.pulllayout import Draft, Pulled, draft_layout, stack_name
from ecsdev.sources.aws_pull import AwsReader
from ecsdev.sources.clean import clean_text
from emulator.errors import AwsAccessError, DockerUnavailable, LayoutError, UsageError

MARK = "# Pulled by `ecsdev pull`"
DEFAULT_MAX_COUNT = 3


@cli.command("pull")
@click.option("--profile", help="AWS profile (default: AWS_PROFILE, else the default chain).")
@click.option("--region", help="AWS region (default: AWS_REGION or the profile's).")
@click.option("--cluster", required=True, help="The service's cluster (name or ARN).")
@click.option("--service", "service_name", required=True, help="The service (name or ARN).")
@click.option(
    "-o",
    "--output",
    "out_dir",
    metavar="DIR",
    help="Directory to write (default: ./STACK, the service's name).",
)
@click.option("--name", help="Stack name of the layout (default: from the service's name).")
@click.option(
    "--max-count",
    default=DEFAULT_MAX_COUNT,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Cap on desiredCount here.",
)
@click.option("--endpoint-url", help="Read from this endpoint (LocalStack, ecsdev serve, moto).")
@click.option("--pull/--no-pull", "pull_images", default=True, help="Pull the images.")
@click.option("--force", is_flag=True, help="Write into DIR even if it holds another layout.")
@click.option("--json", "as_json", is_flag=True, help="Print the files, notes and images as JSON.")
def pull(
    profile: str | None,
    region: str | None,
    cluster: str,
    service_name: str,
    out_dir: str | None,
    name: str | None,
    max_count: int,
    endpoint_url: str | None,
    pull_images: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Write a layout that runs an ECS service here, read from AWS (read-only).

    The task definition exactly as registered (describe-task-definition output, revision
    pinned), desiredCount (capped at --max-count), its target groups and the listener rules
    that forward to them, its subnets (public when their route table reaches an internet
    gateway), and secrets as references. Prints the written paths; then `ecsdev up -f DIR`."""
    try:
        reader = AwsReader.open(profile, region, endpoint_url)
    except AwsAccessError as e:
        raise one_line(e) from None
    try:
        pulled = _read(reader, cluster, service_name)
        stack = name or stack_name(str(pulled.service["serviceName"]))
        draft = draft_layout(pulled, name=stack, max_count=max_count)
        target = Path(out_dir or stack)
        _check_target(target, force)
        try:
            written = _write(target, draft, pulled, reader.region)
        except OSError as e:
            raise UsageError(f"cannot write {e.filename or target}: {e.strerror or e}") from None
        for note in draft.notes:
            _say(note, "yellow")
        _validate(target / "ecsdev.yaml")
        _secrets(pulled.task_definition["taskDefinition"], target / "ecsdev.yaml", profile)
        failed = _images(reader, pulled.task_definition["taskDefinition"]) if pull_images else {}
    except AwsAccessError as e:
        raise one_line(e) from None
    finally:
        reader.close()
    if as_json:
        output.dump_json(
            {
                "layout": str(written[0]),
                "files": [str(p) for p in written],
                "notes": [clean_text(n) for n in draft.notes],
                "imagesNotPulled": {clean_text(i): clean_text(w) for i, w in failed.items()},
            }
        )
    else:
        for path in written:
            output.line(Text(str(path)))
    _say(f"run it: ecsdev up -f {target / 'ecsdev.yaml'}")


def _read(reader: AwsReader, cluster: str, service: str) -> Pulled:
    _say(f"reading service {service} of cluster {cluster} in {reader.region} (read-only)…")
    svc = reader.service(cluster, service)
    td = reader.task_definition(str(svc["taskDefinition"]))
    tg_arns = [
        str(lb["targetGroupArn"])
        for lb in svc.get("loadBalancers") or []
        if lb.get("targetGroupArn")
    ]
    tgs = reader.target_groups(tg_arns) if tg_arns else []
    lb_arns = [str(a) for tg in tgs for a in tg.get("LoadBalancerArns", [])]
    lbs = reader.load_balancers(lb_arns) if lb_arns else []
    net = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    ids = [str(s) for s in net.get("subnets") or []]
    ids += [
        str(z["SubnetId"])
        for lb in lbs
        for z in lb.get("AvailabilityZones", [])
        if z.get("SubnetId")
    ]
    subnets, unknown = reader.subnets(ids)
    _say(
        f"read task definition {str(svc['taskDefinition']).rsplit('/', 1)[-1]}, "
        f"{len(tgs)} target group(s), {len(lbs)} load balancer(s), {len(subnets)} subnet(s)"
    )
    return Pulled(svc, td, tgs, lbs, subnets, unknown)


def _check_target(target: Path, force: bool) -> None:
    layout = target / "ecsdev.yaml"
    if layout.exists() and not force:
        try:
            first = layout.read_text(errors="replace").splitlines()[:1]
        except OSError:
            first = []
        if not first or not first[0].startswith(MARK):
            raise UsageError(
                f"{layout} exists and was not written by ecsdev pull: choose another "
                "directory with -o DIR, or pass --force to overwrite it"
            )


def _free(port: int, taken: set[int]) -> bool:
    if port in taken or not 0 < port < 65536:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _publish(draft: Draft) -> None:
    """Each listener on a free host port: its own when 1024 or above, else 8000 + it (80 on
    8080, 443 on 8443), else any free port."""
    taken: set[int] = set()
    for ls in draft.listeners:
        port = int(ls["port"])
        want = port if port >= 1024 else port + 8000
        host = want
        if not _free(host, taken):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                host = int(s.getsockname()[1])
        taken.add(host)
        ls["publish"] = f"127.0.0.1:{host}"
        _say(f"listener {port} is published on 127.0.0.1:{host}")
    # publish goes after protocol: the key order a reader expects
    for ls in draft.listeners:
        ls_items = {k: ls.pop(k) for k in list(ls)}
        ls.update({k: ls_items[k] for k in ("port", "protocol", "publish") if k in ls_items})
        ls.update({k: v for k, v in ls_items.items() if k not in ls})


def _write(target: Path, draft: Draft, pulled: Pulled, region: str) -> list[Path]:
    _publish(draft)
    svc = pulled.service
    td = pulled.task_definition["taskDefinition"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = [
        f"{MARK} from service {svc['serviceName']} of cluster "
        f"{draft.layout['cluster']} ({region}) at {stamp}; AWS was only read.",
        f"# The task definition {td['family']}:{td.get('revision')} as registered is in "
        f"{next(iter(draft.files))} (describe-task-definition output).",
        f"# Run it: ecsdev up -f {target / 'ecsdev.yaml'}",
    ]
    written = []
    target.mkdir(parents=True, exist_ok=True)
    for rel, data in draft.files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        written.append(path)
    body = yaml.safe_dump(draft.layout, sort_keys=False, default_flow_style=False, width=100)
    layout = target / "ecsdev.yaml"
    layout.write_text("\n".join(" ".join(clean_text(h).split()) for h in header) + "\n" + body)
    return [layout, *written]


def _validate(layout: Path) -> None:
    from emulator.model.loader import load_layout

    try:
        load_layout(layout)
    except LayoutError as e:
        raise LayoutError(
            e.problems,
            "ecsdev pull wrote a layout that does not validate: please report it, and edit "
            "the lines named above to run it",
        ) from None


def _secrets(td: dict[str, Any], layout: Path, profile: str | None) -> None:
    refs = [
        (str(s.get("name")), str(s.get("valueFrom")))
        for c in td.get("containerDefinitions") or []
        for s in c.get("secrets") or []
    ]
    if refs:
        listed = ", ".join(f"{n} ({v})" for n, v in refs)
        _say(f"secrets stay references (valueFrom), no value was read: {listed}")
        _say(
            "the tasks need their values at start, from the stack's secret sources (a "
            "secrets file, `ecsdev serve`; docs/layout.md#secrets), or from the account: "
            f"ecsdev up -f {layout} --secrets-profile {profile or 'PROFILE'}"
        )


def _images(reader: AwsReader, td: dict[str, Any]) -> dict[str, str]:
    """Image -> why it could not be pulled (said on stderr as one message)."""
    from ecsdev.cli.base import runtime

    images, private = images_of(td)
    try:
        rt = runtime()
    except DockerUnavailable as e:
        _say(f"images not pulled: {e.message}", "yellow")
        return {}
    failed = obtain_images(rt, images, reader)
    if failed:
        _say(unpullable_message(failed, private), "yellow")
    return failed
