#!/usr/bin/env bash
# Puts Debian's arm64 busybox-static at .cache/busybox/bin/busybox for the real-program tests.
# apt-get download verifies the package against the archive's signed index.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/busybox
[ -x "$dest/bin/busybox" ] && exit 0
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q busybox-static:arm64)
dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/x"
mkdir -p "$dest/bin"
cp "$tmp/x/bin/busybox" "$dest/bin/busybox"
dpkg-deb -f "$tmp"/busybox-static_*_arm64.deb Package Version > "$dest/VERSION"
echo "busybox-static: $(tr '\n' ' ' < "$dest/VERSION")-> $dest/bin/busybox"
