"""Getting a layout's images: build what its ``images:`` section describes when the tag is
missing (or when asked), and otherwise leave pulling to the task runtime, which prefers a
locally present image as the ECS agent's prefer-cached mode does."""

from __future__ import annotations

from collections.abc import Iterable

from emulator.events import Event, EventSink, discard
from emulator.model.layout import Layout
from emulator.runtime.base import ContainerRuntime


def ensure_images(
    runtime: ContainerRuntime,
    layout: Layout,
    wanted: Iterable[str] | None = None,
    *,
    rebuild: bool = False,
    sink: EventSink = discard,
) -> list[str]:
    """Build the layout's images (those in ``wanted``, or all); returns the tags built."""
    want = set(wanted) if wanted is not None else None
    built = []
    for img in layout.images:
        if want is not None and img.tag not in want:
            continue
        if not rebuild and runtime.image_present(img.tag):
            continue
        sink(Event(f"building image {img.tag} from {img.context}", kind="image", subject=img.tag))
        runtime.build(img.tag, img.context, img.dockerfile, dict(img.args))
        built.append(img.tag)
    return built
