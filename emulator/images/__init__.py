"""Getting every image a stack or a task needs, with no script outside the wheel.

A layout's ``images:`` section is built when its tag is missing or its context changed
(cached by a content hash of the context, the Dockerfile and the build arguments, kept in the
image's ``ecsdev.content-hash`` label), or when asked. ecsdev's own images (``builtin``: the
base image of the load balancer and the pause image of awsvpc tasks) are made from what the
machine has. Any other image is pulled only when missing, as the ECS agent's prefer-cached
mode does. Progress goes to the sink as ``kind="image"`` events.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from emulator.events import Event, EventSink, discard
from emulator.images.builtin import BASE, HASH_LABEL, PAUSE, ensure_base, ensure_pause
from emulator.images.rootfs import ImageError, Say
from emulator.model.layout import ImageBuild, Layout
from emulator.runtime.base import ContainerRuntime

BUILTIN = frozenset({BASE, PAUSE})
_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.IGNORECASE | re.MULTILINE)
_MAX_CONTEXT = 512 << 20  # bytes hashed before giving up on content and using sizes/mtimes


def sayer(sink: EventSink) -> Say:
    """Progress lines as image events."""
    return lambda text: sink(Event(text, kind="image", subject="images"))


def context_hash(img: ImageBuild) -> str:
    """What a build depends on: every file of its context, the Dockerfile's name, the args."""
    h = hashlib.sha256(repr((img.dockerfile, sorted(img.args))).encode())
    root, budget = Path(img.context), _MAX_CONTEXT
    for p in sorted(root.rglob("*")):
        if not p.is_file() or ".git" in p.relative_to(root).parts:
            continue
        st = p.stat()
        h.update(str(p.relative_to(root)).encode() + b"\0")
        if st.st_size <= budget:
            budget -= st.st_size
            h.update(hashlib.sha256(p.read_bytes()).digest())
        else:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _bases(img: ImageBuild) -> set[str]:
    """The images a build starts FROM that ecsdev itself provides."""
    dockerfile = Path(img.context) / (img.dockerfile or "Dockerfile")
    try:
        text = dockerfile.read_text(errors="replace")
    except OSError:
        return set()
    return {m.group(1) for m in _FROM.finditer(text)} & BUILTIN


def ensure_builtin(runtime: ContainerRuntime, ref: str, sink: EventSink = discard) -> bool:
    """Make one of ecsdev's own images; returns whether it was built now."""
    say = sayer(sink)
    return ensure_base(runtime, say) if ref == BASE else ensure_pause(runtime, say)


def obtain(runtime: ContainerRuntime, ref: str, sink: EventSink = discard) -> None:
    """A task's image: ecsdev's own are made here; others are pulled only when missing."""
    if ref in BUILTIN:
        ensure_builtin(runtime, ref, sink)
    elif not runtime.image_present(ref):
        say = sayer(sink)
        say(f"pulling image {ref}")
        runtime.pull(ref)


def ensure_images(
    runtime: ContainerRuntime,
    layout: Layout,
    wanted: Iterable[str] | None = None,
    *,
    rebuild: bool = False,
    sink: EventSink = discard,
) -> list[str]:
    """Build the layout's images (those in ``wanted``, or all) and ecsdev's own images that
    they, the load balancers and awsvpc tasks need; returns the tags built."""
    want = set(wanted) if wanted is not None else None
    builds = [img for img in layout.images if want is None or img.tag in want]
    needed = set(want or ()) & BUILTIN
    if want is None:
        images = {c.image for td in layout.task_definitions for c in td.container_definitions}
        needed |= images & BUILTIN
        if layout.load_balancers or layout.cdn:
            needed.add(BASE)
        if any(td.network_mode == "awsvpc" for td in layout.task_definitions):
            needed.add(PAUSE)
    for img in builds:
        needed |= _bases(img)
    built = [ref for ref in sorted(needed) if ensure_builtin(runtime, ref, sink)]
    for img in builds:
        digest = context_hash(img)
        if not rebuild and (runtime.image_labels(img.tag) or {}).get(HASH_LABEL) == digest:
            continue
        sink(Event(f"building image {img.tag} from {img.context}", kind="image", subject=img.tag))
        runtime.build(img.tag, img.context, img.dockerfile, dict(img.args), {HASH_LABEL: digest})
        built.append(img.tag)
    return built


__all__ = [
    "BASE",
    "BUILTIN",
    "PAUSE",
    "ImageError",
    "context_hash",
    "ensure_builtin",
    "ensure_images",
    "obtain",
]
