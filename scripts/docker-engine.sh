#!/usr/bin/env bash
# Makes sure a Docker engine answers. Does nothing when `docker info` already works;
# otherwise (as root) installs Debian's docker.io, starts dockerd in the background and
# waits until it answers. Used by `make up` and `make test`.
set -euo pipefail

answers() { docker info >/dev/null 2>&1; }

if answers; then
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "ecsdev: no Docker engine answers and this is not root; start Docker (or set DOCKER_HOST) and retry." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ecsdev: installing Debian's docker.io ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io iptables >/dev/null
fi

# Prefer Debian's client when /usr/local/bin/docker is a different version.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup dockerd >/var/log/ecsdev-dockerd.log 2>&1 &
fi

for _ in $(seq 1 120); do
  if answers; then
    exit 0
  fi
  sleep 0.5
done
echo "ecsdev: dockerd did not answer within 60 s; see /var/log/ecsdev-dockerd.log" >&2
tail -20 /var/log/ecsdev-dockerd.log >&2 || true
exit 1
