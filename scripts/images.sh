#!/usr/bin/env bash
# Gets every image the example layouts and the tests need, cached by tag: a second run
# costs nothing. Where a registry answers, the base comes from debian:bookworm-slim;
# where none does (the usual case here), it is built from Debian packages with
# debootstrap and `docker import`. Layers on top (pause, echo) are `docker build`s.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BASE=ecsdev/base:bookworm
PKGS=nginx-light,python3,curl,ca-certificates,procps,iproute2

have() { docker image inspect "$1" >/dev/null 2>&1; }
log() { echo "images: $*" >&2; }

build_base() {
  if have "$BASE"; then return 0; fi
  if [ "${ECSDEV_TRY_REGISTRY:-1}" = "1" ] && timeout 30 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    log "building $BASE from debian:bookworm-slim (registry answers)"
    docker build -q -t "$BASE" -f - "$here/images/base" >/dev/null <<DOCKERFILE
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ${PKGS//,/ } && rm -rf /var/lib/apt/lists/*
DOCKERFILE
    return 0
  fi
  log "no registry: building $BASE with debootstrap (about a minute)"
  if ! command -v debootstrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  dir=$(mktemp -d /tmp/ecsdev-rootfs.XXXXXX)
  trap 'rm -rf "$dir"' EXIT
  mirror=${ECSDEV_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  debootstrap --variant=minbase --include="$PKGS" bookworm "$dir" "$mirror" >/tmp/ecsdev-debootstrap.log 2>&1 \
    || { tail -20 /tmp/ecsdev-debootstrap.log >&2; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE" >/dev/null
  rm -rf "$dir"; trap - EXIT
}

build_on_base() { # TAG CONTEXT
  local tag=$1 ctx=$2 sum
  # cached by tag + content: rebuild only when the context changed
  sum=$(cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
  if have "$tag" && [ "$(docker image inspect -f '{{ index .Config.Labels "ecsdev.context-hash" }}' "$tag" 2>/dev/null)" = "$sum" ]; then
    return 0
  fi
  log "building $tag"
  if ! docker build -q --label "ecsdev.context-hash=$sum" -t "$tag" "$ctx" >/dev/null 2>/tmp/ecsdev-build.log; then
    cat /tmp/ecsdev-build.log >&2
    exit 1
  fi
}

build_base
build_on_base ecsdev/pause:latest "$here/images/pause"
build_on_base ecsdev/echo:latest "$here/layouts/apps/echo"
log "ready: $BASE ecsdev/pause:latest ecsdev/echo:latest"
