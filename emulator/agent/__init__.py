"""The stand-in for the ECS agent's 169.254.170.2: role credentials and task metadata v4.

Why it exists: in ECS every task reaches its agent at the link-local address 169.254.170.2,
where ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` gives the SDKs their role credentials and
``ECS_CONTAINER_METADATA_URI_V4`` the task's metadata and stats. Locally one Docker network,
``ecsdev-agent`` (169.254.170.0/24, internal, no traffic between containers), has the host's
bridge own 169.254.170.2; every task's network namespace joins it, and one process per
machine (``python -m emulator.agent``) answers there for every stack, finding a task by the
random token in its URIs (``registry``). Linux only: the host must own that address.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ADDRESS = "169.254.170.2"
PORT = 80
NETWORK = "ecsdev-agent"
SUBNET = "169.254.170.0/24"
AGENT_DIR_ENV = "ECSDEV_AGENT_DIR"
"""Where registrations, the log and the PID live (default /tmp/ecsdev-agent-<uid>): one
place per machine and user, since one process answers at the one address."""


def base_url() -> str:
    return f"http://{ADDRESS}" if PORT == 80 else f"http://{ADDRESS}:{PORT}"


def agent_dir() -> Path:
    given = os.environ.get(AGENT_DIR_ENV)
    return Path(given) if given else Path("/tmp") / f"ecsdev-agent-{os.getuid()}"


def code_version() -> str:
    """A digest of this package's code: a launcher replaces an agent running other code."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
