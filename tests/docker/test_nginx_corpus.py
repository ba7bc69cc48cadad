"""Every layout of the hostile and bad corpora that validates compiles to a configuration
real nginx (ecsdev/base:bookworm) accepts (``nginx -t``), so a layout that validates starts;
and what AWS accepts is served exactly: a 1,024-character ``messageBody`` of ``$`` or of any
text, an http-header ``*`` that needs the header, PCRE reading ``x{,3}`` as Python does."""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.alb import rules as R
from emulator.alb.nginx import AlbParts, Target, render
from emulator.errors import LayoutError
from emulator.model.layout import Layout
from emulator.model.loader import layout_from_data, load_layout
from emulator.model.yamlsource import parse_yaml
from tests.data.hostile_alb import corpus
from tests.docker.test_nginx_routing import BASE, Lab, call

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]


def validated() -> Iterator[tuple[str, Layout]]:
    for name, text in corpus():
        doc, _ = parse_yaml(text, name)
        assert doc is not None
        with contextlib.suppress(LayoutError):
            yield name, layout_from_data(doc.data, "/nowhere/ecsdev.yaml", lines=doc.lines)
    for path in [*sorted((REPO / "tests/data/bad").glob("*.yaml")), *REPO.glob("layouts/*/*.yaml")]:
        with contextlib.suppress(LayoutError):
            yield path.stem, load_layout(path)


def probe_targets(parts: AlbParts) -> dict[str, list[Target]]:
    return {tg.name: [Target("10.0.0.1", tg.port or 80, "healthy")] for tg in parts.target_groups}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab()
    try:
        lab.start_echo("alpha")
        yield lab
    finally:
        lab.close()


def test_nginx_accepts_every_layout_that_validates(lab: Lab) -> None:
    confs: dict[str, str] = {}
    for name, layout in validated():
        for lb in layout.load_balancers:
            parts = AlbParts.of(layout, lb.name)
            confs[f"{name}-{lb.name}.conf"] = render(parts, probe_targets(parts))
    assert len(confs) >= 50
    c = lab.client.containers.run(
        BASE, ["sleep", "600"], detach=True, labels=lab.labels, network=lab.stack
    )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for fname, text in confs.items():
            data = text.encode()
            info = tarfile.TarInfo(f"corpus/{fname}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    assert c.put_archive("/tmp", buf.getvalue())
    script = 'for f in /tmp/corpus/*.conf; do nginx -t -q -c "$f" 2>&1 || echo "FAILED $f"; done'
    code, out = c.exec_run(["sh", "-c", script])
    text = out.decode(errors="replace")
    assert code == 0 and "FAILED" not in text and "emerg" not in text, text[-3000:]


def _serve(lab: Lab, name: str) -> tuple[int, Layout]:
    text = dict(corpus())[name]
    doc, _ = parse_yaml(text, name)
    assert doc is not None
    layout = layout_from_data(doc.data, "/nowhere/ecsdev.yaml", lines=doc.lines)
    parts = AlbParts.of(layout, "edge")
    targets = {tg.name: [Target(lab.ip("alpha"), 8080, "healthy")] for tg in parts.target_groups}
    return lab.nginx(parts, targets).port(80), layout


@pytest.mark.parametrize("name", ["body-1", "body-2", "body-4", "body-0", "body-6"])
def test_message_body_is_served_exactly(lab: Lab, name: str) -> None:
    port, layout = _serve(lab, name)
    r = call(port, "/nothing")
    expected = layout.load_balancers[0].listeners[0].default_actions[0].message_body
    assert (r.status, r.body.decode()) == (404, expected)
    assert r.header("Server") == "awselb/2.0"


def test_http_header_star_needs_the_header(lab: Lab) -> None:
    port, _ = _serve(lab, "header-name-0")  # X-Env: ["*"] forwards, else 404 "no route"
    assert call(port, "/").status == 404
    assert call(port, "/", headers={"X-Env": ""}).status == 404
    assert call(port, "/", headers={"X-Env": "anything"}).status == 200


def test_pcre_reads_an_empty_minimum_as_python_does(lab: Lab) -> None:
    port, layout = _serve(lab, "regex-path-pattern-5")  # ^/x{,3}$
    listener = layout.load_balancers[0].listeners[0]
    for path in ("/", "/x", "/xxx", "/xxxx", "/x{,3}"):
        expected = 200 if R.match(listener, R.Request.get(path)) else 404
        assert call(port, path).status == expected, path
