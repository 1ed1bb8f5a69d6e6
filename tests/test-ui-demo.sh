#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs `shoal --demo --demo-loss` end to end under Xvfb: the console streams a generated image
# to its receivers, saves screenshots of itself mid-transfer and at the end, prints what the
# demo did and what its window shows, and exits. Checks both from the process's own output.
#   test-ui-demo.sh BUILDDIR/app/shoal OUTDIR
# Exits 77 (skip) when Xvfb is missing, except under CI=true, where that is a failure.
set -euo pipefail
shoal=$1 out=$2
clients=4

if ! command -v Xvfb >/dev/null; then
  if [ "${CI:-}" = true ]; then echo "test-ui-demo: Xvfb missing under CI" >&2; exit 1; fi
  echo "SKIP: Xvfb missing (install xvfb)" >&2; exit 77
fi

rm -rf "$out/shots" "$out/config"
mkdir -p "$out/shots" "$out/cache" "$out/config"
dir=$(mktemp -d)
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$dir/display" 2>"$dir/xvfb.log" &
xpid=$!
trap 'kill $xpid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -s "$dir/display" ] && break; sleep 0.1; done
[ -s "$dir/display" ] || { echo "test-ui-demo: Xvfb did not start" >&2; cat "$dir/xvfb.log" >&2; exit 1; }

# The image lives in the build tree's cache, generated once; remembered points do not leak in.
rc=0
DISPLAY=":$(cat "$dir/display")" GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo} \
  NO_AT_BRIDGE=1 XDG_CACHE_HOME="$out/cache" XDG_CONFIG_HOME="$out/config" \
  timeout 60 "$shoal" --demo --demo-loss --demo-size 48 --demo-clients $clients \
    --demo-exit-after 40 --demo-screenshots "$out/shots" >"$dir/stdout" 2>"$dir/stderr" || rc=$?
cat "$dir/stdout"
grep -v "Unable to acquire session bus" "$dir/stderr" >&2 || true
[ $rc -eq 0 ] || { echo "test-ui-demo: shoal exited with $rc" >&2; exit 1; }

fail=0
expect () {
  if grep -qE "$1" "$dir/stdout"; then echo "ok: $2"; else echo "FAILED: $2" >&2; fail=1; fi
}
# The receivers verified every block against the manifest and wrote the image.
expect "^demo: $clients clients, $clients complete, 0 failed" "every receiver completed"
# The window itself shows it: the session is done and every client row reads 100 %.
expect "^ui: session done, $clients of $clients client rows at 100 %" "the window shows it"
for shot in console-mid console-end; do
  png="$out/shots/$shot.png"
  if [ ! -s "$png" ]; then echo "FAILED: no $png" >&2; fail=1; continue; fi
  if command -v identify >/dev/null; then
    sd=$(identify -format '%[fx:standard_deviation]' "$png")
    awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }' || { echo "FAILED: $png looks blank" >&2; fail=1; }
  fi
  echo "ok: $png"
done
exit $fail
