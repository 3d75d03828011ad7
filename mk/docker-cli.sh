#!/bin/sh
# The docker CLI for the REST API tests, without a Docker daemon.
#
# Debian bookworm has no `docker-cli` package: the CLI ships inside
# `docker.io`, which also installs dockerd, containerd, runc and iptables
# and, on a systemd machine, enables and starts docker.service — a second
# container engine fighting ours for /run/docker.sock, cgroups and iptables.
# So when no `docker` is on PATH we fetch the docker.io package file with
# apt-get download (no install, no maintainer scripts) and extract only
# /usr/bin/docker into build/tools/. Idempotent; quiet when present.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/build/tools/docker
command -v docker >/dev/null 2>&1 && exit 0
[ -x "$dest" ] && exit 0
tmp=$(mktemp -d)
chown _apt "$tmp" 2>/dev/null || true # apt-get download fetches as _apt
trap 'rm -rf "$tmp"' EXIT
echo "deps: fetching the docker CLI from Debian's docker.io package (no daemon)"
(cd "$tmp" && apt-get download -qq docker.io >/dev/null)
dpkg-deb --fsys-tarfile "$tmp"/docker.io_*.deb | tar -xf - -C "$tmp" ./usr/bin/docker
mkdir -p "$(dirname "$dest")"
install -m 0755 "$tmp/usr/bin/docker" "$dest"
