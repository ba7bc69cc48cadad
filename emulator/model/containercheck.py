"""Checks of one container definition on its own: health check ranges and command, environment
variables and files, awslogs options, timeouts, ulimits, and what awsvpc mode forbids (reference
section D2, D6, D7). Cross-container checks stay in ``emulator.model.semantics``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from emulator.model import support
from emulator.model.report import Reporter
from emulator.model.shapes import given, items
from emulator.model.yamlsource import PathT

FARGATE_STOP_TIMEOUT_MAX = 120
LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
LOG_STREAM_FORBIDDEN = re.compile(r"[:*]")  # CloudWatch Logs: a stream name has neither
MAX_LOG_STREAM = 512
TASK_ID_LEN = 32
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$")
ENV_NAME_FORBIDDEN = re.compile(r"[=\s\x00]")
MAX_ENV_FILES = 10


def check_health_check(c: dict[str, Any], rep: Reporter) -> None:
    """Ranges of ``healthCheck`` (interval 5-300, timeout 2-60, retries 1-10, startPeriod
    0-300) and the shape of its command."""
    hc = c.get("healthCheck")
    if not isinstance(hc, dict):
        return
    ranges = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
    for key, (lo, hi) in ranges.items():
        val = hc.get(key)
        if val is not None and not lo <= val <= hi:
            rep.error(("healthCheck", key), f"{val} is out of range ({lo}-{hi})")
    cmd = hc.get("command")
    if cmd is None:
        return
    if not cmd:
        rep.error(("healthCheck", "command"), "must not be empty (e.g. [CMD-SHELL, 'curl -f ...'])")
    elif cmd[0] in ("CMD", "CMD-SHELL") and len(cmd) == 1:
        rep.error(("healthCheck", "command"), f"{cmd[0]} must be followed by a command")
    elif cmd[0] == "CMD-SHELL" and len(cmd) > 2:
        rep.error(("healthCheck", "command"), "CMD-SHELL takes one command string; join the words")


def check_environment(c: dict[str, Any], base_dir: Path, rep: Reporter) -> None:
    """Variable names; environment files: at most 10, ``.env``, an S3 ARN (warned: not
    readable locally) or a local file relative to ``base_dir`` that exists."""
    for j, e in items(c.get("environment")):
        if not given(e, "name"):
            rep.error(("environment", j, "name"), "required key is missing")
        elif e.get("name") == "":
            rep.error(("environment", j, "name"), "must not be empty")
        elif isinstance(e.get("name"), str) and (bad := ENV_NAME_FORBIDDEN.search(e["name"])):
            what = "'='" if bad.group() == "=" else "a space or control character"
            rep.error(
                ("environment", j, "name"),
                f"{e['name']!r} is not a variable name: it contains {what} (Docker refuses it)",
            )
    files = items(c.get("environmentFiles"))
    if len(files) > MAX_ENV_FILES:
        rep.error(("environmentFiles",), f"has {len(files)} files; at most {MAX_ENV_FILES} allowed")
    for j, f in files:
        value = f.get("value")
        if not isinstance(value, str):
            continue
        path: PathT = ("environmentFiles", j, "value")
        if not value.endswith(".env"):
            rep.error(path, f"{value!r} must have the .env extension")
            continue
        if value.startswith("arn:"):
            if value.startswith("arn:aws:s3:::") or re.match(r"^arn:aws[a-z-]*:s3:::", value):
                rep.warn(path, "an S3 object cannot be read locally; its variables are not set")
            else:
                rep.error(path, f"{value!r} is not an S3 object ARN (arn:aws:s3:::bucket/key.env)")
            continue
        local = support.resolve_environment_file(value, base_dir)
        if local is not None and not local.is_file():
            rep.error(path, f"no such file: {local}")


def check_logging(c: dict[str, Any], fargate: bool, rep: Reporter) -> None:
    """awslogs options the agent would refuse at start; other drivers are warned about."""
    lc = c.get("logConfiguration")
    if not isinstance(lc, dict) or "logDriver" not in lc:
        return
    driver = lc["logDriver"]
    if driver not in support.HONOURED_LOG_DRIVERS:
        rep.warn(
            ("logConfiguration", "logDriver"),
            f"log driver {driver!r} is not honoured locally (logs are kept locally instead)",
        )
        return
    if given(lc, "options") and "options" not in lc:
        return  # reported by the shape check
    opts: dict[str, str] = lc.get("options") or {}
    required = ["awslogs-group", "awslogs-region"] + (["awslogs-stream-prefix"] if fargate else [])
    for key in required:
        if not opts.get(key):
            where = " on Fargate" if key == "awslogs-stream-prefix" else ""
            rep.error(("logConfiguration", "options", key), f"required for awslogs{where}")
    group = opts.get("awslogs-group")
    if group and not LOG_GROUP.match(group):
        rep.error(
            ("logConfiguration", "options", "awslogs-group"),
            f"{group!r} is not a log group name (1-512 of A-Z a-z 0-9 . - _ / #)",
        )
    prefix = opts.get("awslogs-stream-prefix")
    if isinstance(prefix, str) and prefix:
        longest = len(prefix) + len(str(c.get("name", ""))) + TASK_ID_LEN + 2
        if LOG_STREAM_FORBIDDEN.search(prefix):
            rep.error(
                ("logConfiguration", "options", "awslogs-stream-prefix"),
                f"{prefix!r} cannot be part of a log stream name (no ':' or '*')",
            )
        elif longest > MAX_LOG_STREAM:
            rep.error(
                ("logConfiguration", "options", "awslogs-stream-prefix"),
                f"makes stream names of {longest} characters (prefix/container/task-id); "
                f"CloudWatch Logs allows {MAX_LOG_STREAM}",
            )
    region = opts.get("awslogs-region")
    if isinstance(region, str) and region and not REGION.match(region):
        rep.error(
            ("logConfiguration", "options", "awslogs-region"),
            f"{region!r} is not an AWS region (like us-east-1)",
        )
    if "awslogs-datetime-format" in opts and "awslogs-multiline-pattern" in opts:
        rep.error(
            ("logConfiguration", "options", "awslogs-multiline-pattern"),
            "awslogs-datetime-format and awslogs-multiline-pattern are mutually exclusive",
        )
    mode = opts.get("mode")
    if mode is not None and mode not in ("blocking", "non-blocking"):
        rep.error(
            ("logConfiguration", "options", "mode"), f"{mode!r} is not blocking or non-blocking"
        )


def check_misc(c: dict[str, Any], mode: str, fargate: bool, rep: Reporter) -> None:
    """Timeouts, ulimits, and the settings awsvpc mode does not allow."""
    for key in ("startTimeout", "stopTimeout"):
        val = c.get(key)
        if val is not None and val < 0:
            rep.error((key,), f"{val} must not be negative")
    stop = c.get("stopTimeout")
    if fargate and stop is not None and stop > FARGATE_STOP_TIMEOUT_MAX:
        rep.error(("stopTimeout",), f"{stop} is more than Fargate's maximum of 120 seconds")
    seen: set[str] = set()
    for j, u in items(c.get("ulimits")):
        if u.get("name") in seen:
            rep.error(("ulimits", j, "name"), f"duplicate ulimit {u['name']!r}")
        seen.add(str(u.get("name")))
        soft, hard = u.get("softLimit"), u.get("hardLimit")
        if soft is not None and hard is not None and soft > hard:
            rep.error(("ulimits", j, "softLimit"), f"{soft} is above hardLimit ({hard})")
    if c.get("image") == "":
        rep.error(("image",), "Container.image should not be null or empty.")
    if mode == "awsvpc" and c.get("links"):
        rep.error(("links",), "Links are not supported when networkMode=awsvpc.")
    if mode == "awsvpc":
        for key in ("hostname", "dnsServers", "dnsSearchDomains", "extraHosts"):
            if c.get(key):
                rep.error(
                    (key,),
                    "not supported with networkMode awsvpc "
                    "(the containers share the task's network namespace)",
                )
