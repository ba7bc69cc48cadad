#!/usr/bin/env bash
# Gets every image the example layouts and the tests need, the way `ecsdev up` and
# `ecsdev run-task` get them by themselves (emulator/images: no script is needed after
# `pip install`): ecsdev's own base and pause images from what the machine has (a registry,
# debootstrap, the host's C compiler), then the example layouts' `images:` builds, cached by
# tag and content hash, so a second run costs nothing. Progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$here/.venv/bin/python}
cd "$here"
[ -x "$PY" ] || make -s venv
# the pause image is a static binary when a C compiler with a static libc is at hand; on a
# fresh Debian machine (as root) get one, else ecsdev falls back to a bigger Python pause
static_libc() { compgen -G '/usr/lib/*-linux-gnu/libc.a' >/dev/null; }
if ! command -v cc >/dev/null 2>&1 || ! static_libc; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "images: installing gcc and libc6-dev (apt-get) for the static pause binary" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null 2>&1 || true
  fi
fi
exec "$PY" - "$@" <<'PYTHON'
import sys

from emulator.errors import EcsdevError
from emulator.images import BASE, PAUSE, ensure_builtin, ensure_images
from emulator.model.loader import load_layout
from emulator.runtime.docker import DockerRuntime


def say(ev):
    print(f"images: {ev.message}", file=sys.stderr, flush=True)


rt = DockerRuntime()
try:
    for ref in (BASE, PAUSE):
        ensure_builtin(rt, ref, say)
    for path in sys.argv[1:] or ["layouts/demo/ecsdev.yaml"]:
        ensure_images(rt, load_layout(path), sink=say)
except EcsdevError as e:
    print(f"images: {e}", file=sys.stderr)
    sys.exit(1)
print(f"images: ready: {BASE} {PAUSE} and the example layouts' images", file=sys.stderr)
PYTHON
