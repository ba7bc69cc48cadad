"""The launch hook that gives every task its credentials and metadata endpoints.

Why it exists: at each launch it registers the task with the agent under a new random
token and puts ECS's variables in every container's environment (values the task
definition sets itself win): ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/
<token>``, ``ECS_AGENT_URI=http://169.254.170.2/api/<token>`` (task protection), and for bridge and host tasks ``ECS_CONTAINER_METADATA_URI_V4=http://
169.254.170.2/v4/<token>-<container>`` (awsvpc tasks keep the pause container's endpoint,
in the task's own namespace and fast, which sends the stats paths on to the agent). Once
the containers exist it connects the task's network namespace to the agent's network
where it has no route to the host (awsvpc tasks in a private subnet; the others reach
169.254.170.2 through their default route). A stack that asked for ``session`` or
``assume-role`` credentials has them fetched once before anything starts, so a profile or
role that does not work stops the task with ECS's ``ResourceInitializationError``. Where
the agent cannot run (no Docker runtime, no rights to the address), a ``local`` stack's
tasks start without it, with a warning.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from emulator import labels as L
from emulator.agent import NETWORK, agent_dir, base_url
from emulator.agent.config import CREDENTIALS_KEY, CredentialsSpec, from_record, source_options
from emulator.agent.launcher import AgentUnavailable, ensure, fetch
from emulator.agent.registry import Registration, new_token, register, registered, release
from emulator.errors import EcsdevError
from emulator.events import Event
from emulator.providers import PROVIDERS_ENV

if TYPE_CHECKING:
    from emulator.taskhooks import Launch
    from emulator.tasks import TaskRunner

CREDENTIALS_URI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
AGENT_URL_PATH = "/ecsdev/agent"  # read by the pause container (emulator/images/pause)
METADATA_URI = "ECS_CONTAINER_METADATA_URI_V4"
AGENT_URI = "ECS_AGENT_URI"  # the task-protection endpoint (emulator/agent/protection.py)


def _own_network(mode: str | None) -> bool:
    return bool(mode) and mode not in ("none", "host") and not str(mode).startswith("container:")


class AgentHook:
    """Registers tasks with the agent and joins them to its network."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self.tokens: dict[str, str] = {}  # task ARN -> token
        self._warned = False
        self._internal_networks: dict[str, bool] = {}  # Docker network name -> internal
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="agent-join")
        self._joining: dict[str, Future[None]] = {}  # task ARN -> its pause container joining
        self.spec: CredentialsSpec | None = None  # a layout's or a flag's, instead of the stored

    def _warn(self, message: str) -> None:
        if self._warned:
            return
        self._warned = True
        ev = Event(message=message, subject=self.runner.stack, kind="task", level="warning")
        self.runner.store.add_event(ev)
        self.runner.sink(ev)

    def prepare(self, launch: Launch) -> None:
        from emulator.runtime.docker import DockerRuntime

        mode = launch.td.network_mode
        if not isinstance(self.runner.runtime, DockerRuntime) or mode == "none":
            return  # in-memory runtimes (tests) and tasks without a network get no agent
        spec = self.spec or from_record(self.runner.store.get(CREDENTIALS_KEY))
        try:
            ensure(self.runner.runtime)
        except AgentUnavailable as e:
            if spec.source == "local":
                self._warn(f"tasks start without the credentials endpoint: {e.message}")
                return
            raise EcsdevError(
                f"ResourceInitializationError: unable to serve the task's {spec.label}: "
                f"{e.message}",
                e.hint,
            ) from e
        ctx, td = launch.ctx, launch.td
        role = str(td.raw.get("taskRoleArn") or "")
        reg = Registration(
            token=new_token(),
            task_arn=ctx.task_arn,
            state_home=str(self.runner.store.dir.parent.parent),
            stack=ctx.stack,
            cluster=ctx.cluster,
            region=ctx.region,
            account_id=self.runner.account.account_id,
            family=td.family,
            revision=str(ctx.revision),
            network_mode=mode,
            role_arn=role,
            source=spec.source,
            options=source_options(spec, os.environ) if spec.source != "local" else {},
            providers=os.environ.get(PROVIDERS_ENV, ""),
            credentials=bool(role) or spec.source != "assume-role",  # ECS: no role, no URI
        )
        register(agent_dir(), reg)
        self.tokens[ctx.task_arn] = reg.token
        if launch.pause_id:  # meanwhile: the checks below and the containers' creation
            pid, net = launch.pause_id, launch.pause_network or ""
            if self._internal(net):  # its containers start once it has joined
                connect = self.runner.runtime.connect
                self._joining[ctx.task_arn] = self._pool.submit(connect, NETWORK, pid)
            # where the pause sends the stats paths, written with its metadata once the
            # task's containers run (a write while it starts would hold them up)
            self.runner.pause_files[ctx.task_arn] = {
                AGENT_URL_PATH: f"{base_url()}/v4/{reg.token}\n".encode()
            }
        if reg.credentials and spec.source != "local":
            self._check(reg, spec.label)
        specs = []
        for s in launch.specs:
            name = s.labels.get(L.CONTAINER_NAME, "")
            if not name or s.network_mode == "none":
                specs.append(s)
                continue
            env = dict(s.environment)
            # awsvpc: the pause container's metadata endpoint stays (stats: sent on here)
            ours = {AGENT_URI: f"{base_url()}/api/{reg.token}"}
            if mode != "awsvpc":
                ours[METADATA_URI] = f"{base_url()}/v4/{reg.token}-{name}"
            if reg.credentials:
                ours[CREDENTIALS_URI] = f"/v2/credentials/{reg.token}"
            given = {c.name: c.environment for c in td.container_definitions}.get(name, ())
            mine = {k for k, _ in given}
            env.update({k: v for k, v in ours.items() if k not in mine})
            specs.append(replace(s, environment=env))
        launch.specs[:] = specs

    def _check(self, reg: Registration, label: str) -> None:
        """Fetch the credentials once (into the agent's cache; the answer is dropped)."""
        try:
            status, body = fetch(f"/v2/credentials/{reg.token}")
        except AgentUnavailable as e:
            status, body = 0, {"message": e.message}
        if status != 200:
            release(agent_dir(), reg.token)
            role = f" for taskRoleArn {reg.role_arn}" if reg.source == "assume-role" else ""
            raise EcsdevError(
                f"ResourceInitializationError: unable to get the task's credentials{role} "
                f"({label}): {body.get('message') or status}",
                "Check the profile (aws sts get-caller-identity --profile NAME) and that it "
                "may assume the role; or set credentials.source: local in the layout.",
            )

    def created(self, launch: Launch, ids: dict[str, str]) -> None:
        """Join the agent's network where the task has no route to it: a network with a
        default route reaches 169.254.170.2 through the host, which owns that address, so
        only internal networks (private subnets) need a second interface. An awsvpc task's
        pause container joins while its containers are being created (see ``prepare``)."""
        arn = launch.ctx.task_arn
        if arn not in self.tokens:
            return
        joining = self._joining.pop(arn, None)
        if joining is not None:
            joining.result()  # raises what Docker said
        if launch.td.network_mode != "awsvpc":
            for s in launch.specs:
                if _own_network(s.network_mode):
                    self._join(ids[s.name])

    def _join(self, cid: str) -> None:
        if self._internal(self.runner.runtime.inspect(cid).network_mode):
            self.runner.runtime.connect(NETWORK, cid)

    def _internal(self, network: str) -> bool:
        if network not in self._internal_networks:
            for n in self.runner.runtime.list_networks({}):
                self._internal_networks[n.name] = n.internal
        return self._internal_networks.get(network, False)

    def released(self, task_arn: str) -> None:
        joining = self._joining.pop(task_arn, None)
        if joining is not None:
            with contextlib.suppress(EcsdevError):
                joining.result()
        token = self.tokens.pop(task_arn, None)
        if token is not None:
            release(agent_dir(), token)
            return
        for reg in registered(agent_dir()):  # registered by an earlier process
            if reg.task_arn == task_arn:
                release(agent_dir(), reg.token)
