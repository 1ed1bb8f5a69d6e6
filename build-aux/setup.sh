#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what Shoal needs on Debian 12, configures and builds, then runs the demo console
# or the whole test suite.
#   build-aux/setup.sh demo [shoal options...]   build, then launch the console with a demo
#   build-aux/setup.sh test [meson test args...] build, then run every test
#   build-aux/setup.sh build                     install and build only
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SHOAL_BUILDDIR:-$top/_build}
mode=${1:-build}
[ $# -gt 0 ] && shift

# Build, runtime and test packages (Debian 12 names).
packages=(
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libsoup-3.0-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libgnutls28-dev libisal-dev glib-networking
  desktop-file-utils appstream
  xvfb xauth imagemagick fonts-dejavu-core
  nftables iproute2 ethtool udpcast uftp python3 time
  libcairo2-dev libpango1.0-dev poppler-utils python3-jsonschema
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get)
  elif command -v sudo >/dev/null; then apt_get=(sudo apt-get)
  else
    echo "setup: not root and no sudo; install these Debian packages first:" >&2
    echo "  ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${apt_get[@]}" update -q
  "${apt_get[@]}" install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top"
fi
ninja -C "$build"

case $mode in
  build) ;;
  demo)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "setup: no display (DISPLAY or WAYLAND_DISPLAY) to open the console on" >&2
      exit 1
    fi
    # One client with loss, so the demo shows repair as well as the transfer.
    exec "$build/app/shoal" --demo --demo-loss "$@" ;;
  test)
    rc=0
    meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || rc=$?
    # One closing line that any CI reader understands.
    python3 - "$build/meson-logs/testlog.json" <<'PY' || true
import json, sys
counts = {}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    counts[r] = counts.get(r, 0) + 1
ok = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skip = counts.get("SKIP", 0)
failed = sum(v for k, v in counts.items() if k not in ("OK", "EXPECTEDFAIL", "SKIP"))
print(f"shoal: {ok} passed, {failed} failed, {skip} skipped")
PY
    exit $rc ;;
  *) echo "usage: build-aux/setup.sh demo|test|build" >&2; exit 2 ;;
esac
