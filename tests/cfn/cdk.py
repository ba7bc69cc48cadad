"""The AWS CDK for the tests, installed from the npm registry once per machine and synthesized
once per session.

``aws-cdk-lib``, ``constructs`` and the ``aws-cdk`` CLI are installed with npm under
``~/.cache/ecsdev-cdk/<versions>`` (``ECSDEV_CDK_CACHE`` overrides the root), so CI on a fresh
machine installs them itself and later runs reuse them. The apps in ``cdkapps/`` are copied to a
temporary directory next to a link to that ``node_modules`` and synthesized with ``cdk synth``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

VERSIONS = {"aws-cdk-lib": "2.278.0", "constructs": "10.8.1", "aws-cdk": "2.1149.0"}
APPS = Path(__file__).parent / "cdkapps"


class CdkUnavailable(Exception):
    """Node or npm is missing, or the install failed: the message says which."""


def cache_root() -> Path:
    root = os.environ.get("ECSDEV_CDK_CACHE") or str(Path.home() / ".cache" / "ecsdev-cdk")
    key = hashlib.sha256(repr(sorted(VERSIONS.items())).encode()).hexdigest()[:12]
    return Path(root) / key


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_DISABLE_CLI_TELEMETRY="true",
        npm_config_update_notifier="false",
        npm_config_fund="false",
        npm_config_audit="false",
    )
    return env


def install() -> Path:
    """``node_modules`` with the CDK in it, installing it the first time (under a lock, so
    two sessions at once install it once)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise CdkUnavailable("node and npm are needed (Node 20: apt-get install nodejs npm)")
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    modules = root / "node_modules"
    done = root / ".installed"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            (root / "package.json").write_text('{"name": "ecsdev-cdk-tests", "private": true}\n')
            specs = [f"{name}@{version}" for name, version in VERSIONS.items()]
            res = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *specs],
                cwd=root,
                env=_env(),
                capture_output=True,
                text=True,
                timeout=900,
            )
            if res.returncode != 0:
                raise CdkUnavailable(f"npm install failed:\n{res.stdout}\n{res.stderr}")
            done.write_text(" ".join(specs) + "\n")
    return modules


def synth_all(apps: list[str], work: Path) -> dict[str, Path]:
    """Synthesize ``cdkapps/<app>.js`` for each app with ``cdk synth``, at the same time;
    each app's cloud assembly directory."""
    modules = install()
    work.mkdir(parents=True, exist_ok=True)
    for item in APPS.iterdir():
        target = work / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)
    link = work / "node_modules"
    if not link.exists():
        link.symlink_to(modules)
    running = {}
    for app in apps:
        command = [str(modules / ".bin" / "cdk"), "synth", "--app", f"node {app}.js"]
        command += ["--output", f"{app}.out", "--quiet", "--no-notices", "--no-version-reporting"]
        running[app] = subprocess.Popen(
            command,
            cwd=work,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    failed = []
    for app, proc in running.items():
        output, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failed.append(f"cdk synth {app} failed:\n{output}")
    if failed:
        raise RuntimeError("\n".join(failed))
    return {app: work / f"{app}.out" for app in apps}
