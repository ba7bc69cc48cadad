"""The image half of DockerRuntime: presence and labels (the content-hash cache of
emulator/images), pulls and builds with progress lines, and ``docker import`` of a root file
system. Split from docker.py to keep each module to one concern."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.errors import NotFound, RuntimeOperationError
from emulator.runtime.dockercall import call as _call

Progress = Callable[[str], None]


def _pull_line(chunk: dict[str, Any]) -> str:
    """One line of pull progress: "<layer>: Downloading 12.3MB/45.6MB" or the status."""
    detail = chunk.get("progressDetail") or {}
    where = f"{chunk['id']}: " if chunk.get("id") else ""
    if detail.get("total"):
        return (
            f"{where}{chunk['status']} {detail.get('current', 0) >> 20}/{detail['total'] >> 20} MB"
        )
    return f"{where}{chunk['status']}"


class DockerImages:
    """Image operations; DockerRuntime provides ``api`` (the SDK's low-level client)."""

    @property
    def api(self) -> Any:
        raise NotImplementedError

    # images -------------------------------------------------------------------------
    def image_present(self, ref: str) -> bool:
        return self.image_labels(ref) is not None

    def image_labels(self, ref: str) -> dict[str, str] | None:
        try:
            attrs = _call("inspect image", lambda: self.api.inspect_image(ref))
        except NotFound:
            return None
        return dict((attrs.get("Config") or {}).get("Labels") or {})

    def platform(self) -> tuple[str, str]:
        info = _call("info", self.api.info)
        return str(info.get("OSType", "linux")), str(info.get("Architecture", ""))

    def pull(self, ref: str, progress: Progress | None = None) -> None:
        repo, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "latest")

        def run() -> None:
            for chunk in self.api.pull(repo, tag=tag or "latest", stream=True, decode=True):
                if "error" in chunk:
                    raise RuntimeOperationError(str(chunk["error"]).strip())
                if progress is not None and chunk.get("status"):
                    progress(_pull_line(chunk))

        try:
            _call(f"pull {ref}", run)
        except (NotFound, RuntimeOperationError) as e:
            raise RuntimeOperationError(
                f"CannotPullContainerError: pull image {ref}: {e.message}",
                "Build the image locally (the layout's `images:` section) or check the registry.",
            ) from e

    def build(
        self,
        tag: str,
        context: str,
        dockerfile: str | None,
        args: dict[str, str],
        labels: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> None:
        def run() -> None:
            for chunk in self.api.build(
                path=context,
                tag=tag,
                dockerfile=dockerfile,
                buildargs=args,
                labels=labels or None,
                rm=True,
                forcerm=True,
                decode=True,
            ):
                if "error" in chunk:
                    raise RuntimeOperationError(f"build {tag}: {chunk['error'].strip()}")
                text = str(chunk.get("stream") or "").strip()
                if progress is not None and text.startswith("Step "):
                    progress(text)

        _call(f"build {tag}", run)

    def import_rootfs(self, tag: str, tarball: str, changes: tuple[str, ...] = ()) -> None:
        repo, _, version = tag.rpartition(":")

        def run() -> None:
            res = self.api.import_image(  # streamed from the file: a root file system is large
                src=tarball, repository=repo, tag=version, changes=list(changes) or None
            )
            if isinstance(res, str) and '"error"' in res:
                raise RuntimeOperationError(f"import {tag}: {res.strip()}")

        _call(f"import {tag}", run)
