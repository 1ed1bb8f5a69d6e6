#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a GTK program in a real window under Xvfb and saves a PNG screenshot of the screen.
#   xvfb-screenshot.sh OUT.png SECONDS PROGRAM [ARGS...]
# Exits 77 (skip) when Xvfb is missing, except under CI=true, where that is a failure.
set -euo pipefail
out=$1 secs=$2; shift 2

missing=""
for t in Xvfb import; do command -v "$t" >/dev/null || missing="$missing $t"; done
if [ -n "$missing" ]; then
  if [ "${CI:-}" = true ]; then echo "xvfb-screenshot: missing$missing under CI" >&2; exit 1; fi
  echo "SKIP: missing$missing (install xvfb and imagemagick)" >&2; exit 77
fi

dir=$(mktemp -d)
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$dir/display" 2>"$dir/xvfb.log" &
xpid=$!
trap 'kill $ppid $xpid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -s "$dir/display" ] && break; sleep 0.1; done
[ -s "$dir/display" ] || { echo "xvfb-screenshot: Xvfb did not start" >&2; cat "$dir/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(cat "$dir/display")"
export GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo} NO_AT_BRIDGE=1
"$@" &
ppid=$!
sleep "$secs"
kill -0 $ppid 2>/dev/null || { echo "xvfb-screenshot: $1 exited before the screenshot" >&2; exit 1; }
import -window root "$out"
echo "screenshot saved to $out"
