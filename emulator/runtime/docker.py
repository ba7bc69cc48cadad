"""DockerRuntime: with dockerimages.py and dockercall.py, the only modules that touch the
Docker SDK or inspect JSON.

Third-party errors are translated once (dockercall.py): an unreachable engine becomes
``DockerUnavailable`` naming DOCKER_HOST, a 404 becomes ``NotFound``, anything else the
engine refuses becomes ``RuntimeOperationError``.
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
from collections.abc import Iterator
from typing import Any

import docker
import docker.errors
from docker.types import LogConfig, Ulimit
from docker.types import Mount as DockerMount

from emulator.errors import NotFound, RuntimeOperationError
from emulator.runtime.base import ContainerSpec, ContainerState, HealthProbe, NetworkState
from emulator.runtime.dockercall import call as _call
from emulator.runtime.dockerimages import DockerImages


def _state(attrs: dict[str, Any]) -> ContainerState:
    st = attrs.get("State") or {}
    cfg = attrs.get("Config") or {}
    host = attrs.get("HostConfig") or {}
    nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    ports: list[tuple[int, str, str, int]] = []
    for key, binds in sorted(((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items()):
        cport, _, proto = key.partition("/")
        for b in binds or []:
            if b.get("HostPort"):
                ports.append((int(cport), proto or "tcp", b.get("HostIp", ""), int(b["HostPort"])))
    started = st.get("StartedAt")
    finished = st.get("FinishedAt")
    never = "0001-01-01T00:00:00Z"
    health = (st.get("Health") or {}).get("Status")
    return ContainerState(
        id=attrs["Id"],
        name=attrs.get("Name", "").lstrip("/"),
        labels=dict(cfg.get("Labels") or {}),
        status=st.get("Status", "unknown"),
        image=cfg.get("Image", ""),
        exit_code=st.get("ExitCode") if st.get("Status") in ("exited", "dead") else None,
        oom_killed=bool(st.get("OOMKilled")),
        error=st.get("Error") or "",
        health=health,
        created_at=attrs.get("Created", ""),
        started_at=None if not started or started.startswith("0001") else started,
        finished_at=None
        if not finished or finished == never or finished.startswith("0001")
        else finished,
        ip_addresses={  # link-local (the agent's network, 169.254.170.0/24) is no task's IP
            n: v["IPAddress"]
            for n, v in nets.items()
            if v.get("IPAddress") and not v["IPAddress"].startswith("169.254.")
        },
        ports=tuple(ports),
        network_mode=host.get("NetworkMode", ""),
    )


def _health_token(status: str) -> str:
    """The health part of a container summary's Status ("Up 3 minutes (healthy)")."""
    for token in ("(healthy)", "(unhealthy)", "(health: starting)"):
        if token in status:
            return token
    return ""


class DockerRuntime(DockerImages):
    """ContainerRuntime over the Docker Engine API (docker SDK)."""

    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client
        self._seen: dict[str, tuple[tuple[str, str], ContainerState]] = {}

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = _call("connect", lambda: docker.from_env(timeout=120))
        return self._client

    @property
    def api(self) -> Any:
        return self.client.api

    def ping(self) -> None:
        _call("ping", self.api.ping)

    def shares_host_network(self) -> bool:
        info = _call("info", self.api.info)
        host = os.environ.get("DOCKER_HOST", "")
        return (
            str(info.get("OSType", "linux")) == "linux"
            and sys.platform.startswith("linux")
            and (not host or host.startswith("unix://"))
            and "docker desktop" not in str(info.get("OperatingSystem", "")).lower()
            and not any("rootless" in str(o) for o in info.get("SecurityOptions") or ())
        )

    # networks and volumes -------------------------------------------------------------
    def create_network(
        self, name: str, labels: dict[str, str], internal: bool, subnet: str | None
    ) -> str:
        ipam = None
        if subnet:
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
        net = _call(
            f"create network {name}",
            lambda: self.api.create_network(
                name,
                driver="bridge",
                internal=internal,
                labels=labels,
                ipam=ipam,
                check_duplicate=True,
            ),
        )
        return str(net["Id"])

    def list_networks(self, labels: dict[str, str]) -> list[NetworkState]:
        flt = {"label": [f"{k}={v}" for k, v in labels.items()]}
        out = []
        for n in _call("list networks", lambda: self.api.networks(filters=flt)):
            cfg = (n.get("IPAM") or {}).get("Config") or [{}]
            out.append(
                NetworkState(
                    id=n["Id"],
                    name=n["Name"],
                    labels=n.get("Labels") or {},
                    internal=bool(n.get("Internal")),
                    subnet=(cfg[0] or {}).get("Subnet") if cfg else None,
                )
            )
        return out

    def remove_network(self, name_or_id: str) -> None:
        _call(f"remove network {name_or_id}", lambda: self.api.remove_network(name_or_id))

    def connect(self, network: str, container_id: str, aliases: tuple[str, ...] = ()) -> None:
        _call(
            f"connect {container_id[:12]} to {network}",
            lambda: self.api.connect_container_to_network(
                container_id, network, aliases=list(aliases) or None
            ),
        )

    def ensure_volume(self, name: str, labels: dict[str, str]) -> None:
        try:
            _call("inspect volume", lambda: self.api.inspect_volume(name))
        except NotFound:
            _call(f"create volume {name}", lambda: self.api.create_volume(name, labels=labels))

    def list_volumes(self, labels: dict[str, str]) -> list[str]:
        flt = {"label": [f"{k}={v}" for k, v in labels.items()]}
        res = _call("list volumes", lambda: self.api.volumes(filters=flt)) or {}
        return [v["Name"] for v in res.get("Volumes") or []]

    def remove_volume(self, name: str) -> None:
        _call(f"remove volume {name}", lambda: self.api.remove_volume(name, force=True))

    # containers -----------------------------------------------------------------------
    def create(self, spec: ContainerSpec) -> str:
        api = self.api
        port_bindings: dict[str, list[tuple[str, int | None]]] = {}
        exposed: list[Any] = []
        for p in spec.ports:
            key = f"{p.container_port}/{p.protocol}"
            exposed.append((p.container_port, p.protocol))
            port_bindings.setdefault(key, []).append((p.host_ip, p.host_port))
        mounts = [
            DockerMount(
                target=m.target,
                source=m.source if m.type != "tmpfs" else None,
                type=m.type,  # type: ignore[arg-type]
                read_only=m.read_only,
                tmpfs_size=m.tmpfs_size,
            )
            for m in spec.mounts
        ]
        host_config = api.create_host_config(
            network_mode=spec.network_mode,
            port_bindings={
                k: [b if b[1] is not None else (b[0],) for b in v] for k, v in port_bindings.items()
            }
            or None,
            cpu_shares=spec.cpu_shares,
            nano_cpus=spec.nano_cpus,
            mem_limit=spec.mem_limit,
            memswap_limit=spec.mem_limit,  # ECS: no swap unless maxSwap says so
            mem_reservation=spec.mem_reservation,
            read_only=spec.read_only or None,
            init=spec.init or None,
            cap_add=list(spec.cap_add) or None,
            cap_drop=list(spec.cap_drop) or None,
            ulimits=[Ulimit(name=n, soft=s, hard=h) for n, s, h in spec.ulimits] or None,
            shm_size=spec.shm_size,
            mounts=mounts or None,
            volumes_from=list(spec.volumes_from) or None,
            extra_hosts=dict(spec.extra_hosts) or None,
            dns=list(spec.dns) or None,
            dns_search=list(spec.dns_search) or None,
            privileged=spec.privileged,
            sysctls=dict(spec.sysctls) or None,
            devices=list(spec.devices) or None,
            ipc_mode=spec.ipc_mode,
            log_config=LogConfig(type="json-file", config={"max-size": "20m", "max-file": "2"}),
        )
        healthcheck = None
        if spec.healthcheck:
            h = spec.healthcheck
            healthcheck = {
                "test": list(h.test),
                "interval": int(h.interval * 1e9),
                "timeout": int(h.timeout * 1e9),
                "retries": h.retries,
                "start_period": int(h.start_period * 1e9),
            }
        networking = None
        if (
            (spec.network_aliases or spec.links)
            and spec.network_mode
            and not spec.network_mode.startswith("container:")
        ):
            networking = api.create_networking_config(
                {
                    spec.network_mode: api.create_endpoint_config(
                        aliases=list(spec.network_aliases) or None,
                        links=list(spec.links) or None,  # scoped to this container (user networks)
                    )
                }
            )
        kwargs: dict[str, Any] = {
            "image": spec.image,
            "name": spec.name,
            "labels": spec.labels,
            "command": list(spec.command) if spec.command is not None else None,
            "entrypoint": list(spec.entrypoint) if spec.entrypoint is not None else None,
            "environment": spec.environment,
            "user": spec.user,
            "working_dir": spec.working_dir,
            "hostname": spec.hostname
            if not (spec.network_mode or "").startswith("container:")
            else None,
            "ports": exposed or None,
            "healthcheck": healthcheck,
            "host_config": host_config,
            "networking_config": networking,
            "tty": spec.tty,
            "stdin_open": spec.stdin_open,
            "stop_timeout": spec.stop_timeout,
        }
        res = _call(f"create container {spec.name}", lambda: api.create_container(**kwargs))
        return str(res["Id"])

    def start(self, container_id: str) -> None:
        _call(f"start {container_id[:12]}", lambda: self.api.start(container_id))

    def stop(self, container_id: str, timeout: int) -> None:
        def run() -> None:
            self.api.stop(container_id, timeout=timeout)

        _call(f"stop {container_id[:12]}", run)

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        _call(f"kill {container_id[:12]}", lambda: self.api.kill(container_id, signal=signal))

    def remove(self, container_id: str) -> None:
        """Remove a container; idempotent, because two processes (the CLI and the stack's
        controller) may finish the same stopped task at once."""
        self._seen.pop(container_id, None)
        try:
            _call(
                f"remove {container_id[:12]}",
                lambda: self.api.remove_container(container_id, force=True, v=True),
            )
        except NotFound:
            pass
        except RuntimeOperationError as e:
            if "already in progress" not in e.message:
                raise

    def rename(self, container_id: str, name: str) -> None:
        self._seen.pop(container_id, None)  # the listing's cached state has the old name
        _call(f"rename {container_id[:12]}", lambda: self.api.rename(container_id, name))

    def inspect(self, container_id: str) -> ContainerState:
        return _state(
            _call(f"inspect {container_id[:12]}", lambda: self.api.inspect_container(container_id))
        )

    def health_log(self, container_id: str) -> tuple[HealthProbe, ...]:
        """The last health-check runs Docker keeps (``State.Health.Log``), oldest first."""
        attrs = _call(
            f"inspect {container_id[:12]}", lambda: self.api.inspect_container(container_id)
        )
        log = ((attrs.get("State") or {}).get("Health") or {}).get("Log") or []
        return tuple(
            HealthProbe(
                str(p.get("Start") or ""), int(p.get("ExitCode", -1)), str(p.get("Output") or "")
            )
            for p in log
        )

    def list_containers(self, labels: dict[str, str]) -> list[ContainerState]:
        """Every container with these labels. One list call; a container is inspected again
        only when its state or health changed since it was last seen (the controller calls
        this every second, so idle stacks must cost next to nothing)."""
        flt = {"label": [f"{k}={v}" if v else k for k, v in labels.items()]}
        found = _call("list containers", lambda: self.api.containers(all=True, filters=flt))
        out = []
        for c in found:
            key = (c.get("State", ""), _health_token(c.get("Status", "")))
            cached = self._seen.get(c["Id"])
            if cached is not None and cached[0] == key:
                out.append(cached[1])
                continue
            try:
                state = self.inspect(c["Id"])
            except NotFound:
                continue  # removed between list and inspect
            self._seen[c["Id"]] = (key, state)
            out.append(state)
        if len(self._seen) > 5000:
            self._seen.clear()
        return out

    def logs(
        self,
        container_id: str,
        tail: int | None = None,
        timestamps: bool = False,
        since: float | None = None,
    ) -> str:
        def run() -> bytes:
            return bytes(
                self.api.logs(
                    container_id,
                    stdout=True,
                    stderr=True,
                    timestamps=timestamps,
                    tail=tail if tail is not None else "all",
                    since=since,
                )
            )

        return _call(f"logs {container_id[:12]}", run).decode("utf-8", "replace")

    def follow_logs(self, container_id: str, tail: int | None = None) -> Iterator[str]:
        stream = _call(
            f"logs {container_id[:12]}",
            lambda: self.api.logs(
                container_id,
                stdout=True,
                stderr=True,
                stream=True,
                follow=True,
                tail=tail if tail is not None else "all",
            ),
        )
        for chunk in stream:
            yield bytes(chunk).decode("utf-8", "replace")

    def exec_run(self, container_id: str, cmd: list[str]) -> tuple[int, str]:
        def run() -> tuple[int, str]:
            ex = self.api.exec_create(container_id, cmd, stdout=True, stderr=True)
            out = self.api.exec_start(ex["Id"])
            code = self.api.exec_inspect(ex["Id"]).get("ExitCode")
            return int(code if code is not None else -1), bytes(out).decode("utf-8", "replace")

        return _call(f"exec in {container_id[:12]}", run)

    def write_file(self, container_id: str, path: str, data: bytes) -> None:
        buf = io.BytesIO()
        directory, _, name = path.rpartition("/")
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        _call(
            f"write {path}",
            lambda: self.api.put_archive(container_id, directory or "/", buf.getvalue()),
        )
