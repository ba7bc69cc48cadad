"""What the ECS handlers share: the clusters, the task-definition registry, one task runner per
stack, and the link to the load balancers and subnets that other services of the endpoint
keep.

Why this exists: every ECS operation needs the same few objects, made once per endpoint
process; the ELBv2 and EC2 handlers are reached through small functions here, so the ECS
handlers work (with a default network per cluster) even where those modules are absent.
"""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from emulator import labels as L
from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.clusters import Cluster, Clusters
from emulator.endpoint.ecs_taskdefs import TaskDefinitionRecord, TaskDefinitions
from emulator.endpoint.resources import Resources
from emulator.errors import DockerUnavailable
from emulator.events import Event, EventSink, discard
from emulator.lifecycle import ObservedTask, group_by_task
from emulator.model.layout import Vpc
from emulator.networks import ensure_networks
from emulator.services import load_spec, service_names
from emulator.stacklock import StackLock
from emulator.tasks import Placement, TaskRunner

OBSERVE_SECONDS = 0.5
"""How long one look at a cluster's containers answers describes (ECS is eventually
consistent too; the controllers look every second)."""


@dataclass
class EcsWorld:
    resources: Resources
    clusters: Clusters
    taskdefs: TaskDefinitions
    sink: EventSink = discard
    _runners: dict[str, TaskRunner] = field(default_factory=dict)
    _observed: dict[str, tuple[float, dict[str, ObservedTask]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def make(cls, resources: Resources, account_id: str, sink: EventSink = discard) -> EcsWorld:
        clusters = Clusters(account_id)
        return cls(resources, clusters, TaskDefinitions(resources, clusters), sink)

    def runner(self, cluster: Cluster) -> TaskRunner:
        with self._lock:
            r = self._runners.get(cluster.stack)
            if r is None:
                r = TaskRunner(
                    self.clusters.runtime(),
                    self.clusters.store(cluster.stack),
                    cluster.stack,
                    cluster.name,
                    cluster.account,
                    self.sink,
                )
                self._runners[cluster.stack] = r
            return r

    def observe(self, cluster: Cluster) -> dict[str, ObservedTask]:
        """The cluster's tasks in Docker (none when no engine answers: the API still answers
        about clusters, definitions and stopped tasks). A look is reused for
        ``OBSERVE_SECONDS`` (a burst of describes costs one Docker call); the endpoint's own
        writes (RunTask, StopTask) start a fresh one."""
        now = time.monotonic()
        with self._lock:
            seen = self._observed.get(cluster.stack)
            if seen is not None and now - seen[0] < OBSERVE_SECONDS:
                return seen[1]
        try:
            rt = self.clusters.runtime()
            found = group_by_task(rt.list_containers({L.STACK: cluster.stack}))
        except DockerUnavailable:
            return {}
        with self._lock:
            self._observed[cluster.stack] = (now, found)
        return found

    def own_cluster(self, req: Request) -> str | None:
        """The ARN of the cluster a request names, when ecsdev has it (every cluster is
        ecsdev's; the fallback would not know it)."""
        ref = req.params.get("cluster")
        if not isinstance(ref, str) or not ref:
            return None
        try:
            return self.clusters.get(req.region, ref).arn
        except ApiError:
            return None

    def changed(self, cluster: Cluster) -> None:
        """The endpoint changed what runs in ``cluster``: the next look asks Docker."""
        with self._lock:
            self._observed.pop(cluster.stack, None)

    def import_definition(self, cluster: Cluster, rec: TaskDefinitionRecord) -> None:
        self.clusters.store(cluster.stack).import_task_definition(
            rec.family, rec.revision, rec.arn, rec.input
        )

    def placement(self, req: Request, cluster: Cluster, subnet: str | None) -> Placement:
        """The Docker network of ``subnet`` (EC2's subnets through the ec2 handlers), or the
        cluster's own default network when the EC2 module is not there."""
        if subnet is not None:
            ec2 = _optional("emulator.endpoint.ec2_networks")
            fn = getattr(ec2, "subnet_network", None) if ec2 else None
            if fn is not None:
                found = fn(self.resources, self.clusters.runtime(), req.region, subnet)
                return Placement(found.network_name, found.subnet_id)
        nets = ensure_networks(self.clusters.runtime(), cluster.stack, Vpc())
        name, network = next(iter(nets.items()))
        return Placement(network, subnet or name)

    def check_security_groups(self, req: Request, params: Any) -> list[str]:
        """The awsvpcConfiguration's security groups, each one known to EC2 (else ECS's
        error); [] when none are given."""
        v = (params.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        groups = list(v.get("securityGroups") or ())
        ec2 = _optional("emulator.endpoint.ec2_networks")
        fn = getattr(ec2, "check_security_groups", None) if ec2 else None
        if groups and fn is not None:
            fn(self.resources, req.region, groups, req.account_id)
        return groups

    def target_group(self, req: Request, arn: str) -> Any:
        """The ELBv2 target group ``arn`` (a record of ``elbv2_records``), or ECS's error."""
        records = _optional("emulator.endpoint.elbv2_records")
        fn = getattr(records, "target_group_by_arn", None) if records else None
        found = fn(self.resources, req.region, arn) if fn else None
        if found is None:
            raise ApiError(
                "InvalidParameterException",
                "Unable to assume role and validate the specified targetGroupArn. Please "
                "verify that the ECS service role being passed has the proper permissions.",
            )
        users = getattr(records, "load_balancers_of_target_group", None)
        if users is not None and not users(self.resources, req.region, arn):
            raise ApiError(
                "InvalidParameterException",
                f"The target group with targetGroupArn {arn} does not have an associated "
                "load balancer.",
            )
        return found

    def project_load_balancers(self, req: Request) -> None:
        """Tell the ELBv2 side that services changed (it moves load balancers to the
        stacks whose services use their target groups)."""
        mod = _optional("emulator.endpoint.albprojection")
        fn = getattr(mod, "project", None) if mod else None
        if fn is None:
            return
        try:
            runtime = self.clusters.runtime()
        except DockerUnavailable:
            return
        fn(self.resources, runtime, req.region)

    def supervise(self, interval: float = 5.0) -> threading.Event:
        """Keep a controller running for every ACTIVE cluster with an active service (after
        an endpoint restart, or a controller that died): a daemon thread; set the returned
        event to end it."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                try:
                    self.revive()
                except Exception as e:  # noqa: BLE001 - the thread must outlive a bad pass
                    self.sink(Event(f"supervisor: {e!r}", level="error", kind="endpoint"))

        threading.Thread(target=loop, name="ecs-supervisor", daemon=True).start()
        return stop

    def revive(self) -> list[str]:
        """Start the controllers that should run and do not; the stacks it started."""
        started = []
        for c in self.clusters.all():
            if c.status != "ACTIVE":
                continue
            store = self.clusters.store(c.stack)
            if not any(
                (sp := load_spec(store, n)) is not None and sp.active for n in service_names(store)
            ):
                continue
            if StackLock(c.stack).holder() is None:
                self.clusters.ensure_controller(c)
                started.append(c.stack)
        return started

    def close(self) -> None:
        with self._lock:
            for r in self._runners.values():
                r.close()
            self._runners.clear()
        self.clusters.close()


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise
