"""A user who only ran ``pip install``: ecsdev gets every image it needs itself, by the first
way the machine allows, cached by tag and content hash (emulator/images). Checked on
MemoryRuntime, whose ``platform`` and ``registry`` decide which ways are open; the host's C
compiler is real (it is what makes the pause image here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emulator.events import Collector
from emulator.images import BASE, PAUSE, ImageError, context_hash, ensure_images, obtain
from emulator.images.builtin import HASH_LABEL, REGISTRY_PROBE, pause_hash
from emulator.model.layout import ImageBuild
from emulator.model.loader import load_layout
from emulator.runtime.memory import MemoryRuntime
from tests.needs import missing

FOREIGN = ("linux", "riscv64")  # no binary of this host runs there; debootstrap neither


def builds(rt: MemoryRuntime) -> list[str]:
    return [what for op, what in rt.calls if op in ("build", "import_rootfs")]


def layout(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(f"FROM {BASE}\nCOPY a /a\n")
    (tmp_path / "ctx" / "a").write_text("1\n")
    path = tmp_path / "ecsdev.yaml"
    path.write_text(
        "version: 1\nname: imgs\ntaskDefinitions:\n  - family: app\n"
        "    networkMode: awsvpc\n    containerDefinitions:\n"
        "      - {name: app, image: 'mine:1', memory: 128}\n"
        "images:\n  mine:1:\n    build: ./ctx\n" + extra
    )
    return path


def test_with_a_registry_the_pause_is_compiled_in_a_builder_stage() -> None:
    rt = MemoryRuntime(registry={REGISTRY_PROBE: {}}, platform=FOREIGN)
    events = Collector()
    obtain(rt, PAUSE, events)
    assert builds(rt) == [f"{PAUSE} Dockerfile.builder"]
    assert rt.image_labels(PAUSE) == {HASH_LABEL: pause_hash()}
    assert ("pull", REGISTRY_PROBE) in rt.calls
    assert all(e.kind == "image" for e in events.events) and events.events
    obtain(rt, PAUSE, events)  # cached: the same sources
    assert len(builds(rt)) == 1


def test_without_registry_or_compiler_the_pause_is_python_on_the_base() -> None:
    rt = MemoryRuntime(platform=FOREIGN).with_images(BASE)
    obtain(rt, PAUSE)
    assert builds(rt) == [f"{PAUSE} Dockerfile.python"]


def test_when_nothing_can_make_the_base_the_error_says_what_to_do() -> None:
    rt = MemoryRuntime(platform=FOREIGN)
    with pytest.raises(ImageError, match="debootstrap") as err:
        obtain(rt, BASE)
    assert BASE in err.value.hint and builds(rt) == []


def test_a_stale_pause_image_is_rebuilt() -> None:
    rt = MemoryRuntime(platform=FOREIGN, images={PAUSE: {HASH_LABEL: "old"}, BASE: {}})
    obtain(rt, PAUSE)
    assert rt.image_labels(PAUSE) == {HASH_LABEL: pause_hash()}


def test_on_this_machine_the_pause_is_a_static_binary_built_by_the_host() -> None:
    if shutil.which("cc") is None:  # scripts/images.sh installs one on the project's machines
        missing("no C compiler is installed: run scripts/images.sh (it installs gcc)")
    rt = MemoryRuntime()  # the host's platform
    events = Collector()
    obtain(rt, PAUSE, events)
    assert builds(rt) == [f"{PAUSE} Dockerfile"]
    assert not any(op == "pull" for op, _ in rt.calls)  # no registry needed
    assert any("static binary" in m for m in events.messages())


def test_other_images_are_pulled_only_when_missing() -> None:
    rt = MemoryRuntime(registry={"nginx:1": {}}).with_images("mine:1")
    obtain(rt, "mine:1")
    obtain(rt, "nginx:1")
    obtain(rt, "nginx:1")
    assert [w for op, w in rt.calls if op == "pull"] == ["nginx:1"]


def test_layout_builds_are_cached_by_content_and_get_their_base_first(tmp_path: Path) -> None:
    rt = MemoryRuntime(registry={REGISTRY_PROBE: {}}, platform=FOREIGN)
    lay = load_layout(layout(tmp_path))
    built = ensure_images(rt, lay)
    assert built == [BASE, PAUSE, "mine:1"]  # the FROM and the awsvpc task's pause first
    assert builds(rt)[0] == f"{BASE} Dockerfile" and builds(rt)[-1] == "mine:1 Dockerfile"
    assert ensure_images(rt, lay) == []
    (tmp_path / "ctx" / "a").write_text("2\n")
    assert ensure_images(rt, lay) == ["mine:1"]
    assert ensure_images(rt, lay, rebuild=True) == ["mine:1"]


def test_run_task_asks_only_for_the_images_it_runs(tmp_path: Path) -> None:
    rt = MemoryRuntime(platform=FOREIGN).with_images(BASE)
    lay = load_layout(layout(tmp_path))
    assert ensure_images(rt, lay, {"mine:1"}) == ["mine:1"]  # the pause: at launch
    assert not rt.image_present(PAUSE)


def test_the_context_hash_covers_files_dockerfile_and_args(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    a = ImageBuild("t", str(tmp_path))
    assert context_hash(a) == context_hash(ImageBuild("t", str(tmp_path)))
    assert context_hash(a) != context_hash(ImageBuild("t", str(tmp_path), args=(("K", "v"),)))
    assert context_hash(a) != context_hash(ImageBuild("t", str(tmp_path), "Other"))
    before = context_hash(a)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "g").write_text("y")
    assert context_hash(a) != before
