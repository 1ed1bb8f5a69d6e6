#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs `shoal --demo --demo-loss` end to end under Xvfb: the console streams a generated image
# to its receivers, saves screenshots of itself mid-transfer and at the end, prints what the
# demo did and what its window shows, and exits. Checks both from the process's own output.
# Two runs: real shoal-client processes over loopback multicast, in a network namespace of
# its own where lo may multicast (when unshare works here), and the simulated network.
#   test-ui-demo.sh BUILDDIR/app/shoal OUTDIR
# Exits 77 (skip) when Xvfb is missing, except under CI=true, where that is a failure.
set -euo pipefail
shoal=$1 out=$2
clients=4

if ! command -v Xvfb >/dev/null; then
  if [ "${CI:-}" = true ]; then echo "test-ui-demo: Xvfb missing under CI" >&2; exit 1; fi
  echo "SKIP: Xvfb missing (install xvfb)" >&2; exit 77
fi

rm -rf "$out/config"
mkdir -p "$out/cache" "$out/config"
dir=$(mktemp -d)
# A filesystem socket, not an abstract one: a client in another network namespace reaches it.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -nolisten local \
  3>"$dir/display" 2>"$dir/xvfb.log" &
xpid=$!
trap 'kill $xpid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -s "$dir/display" ] && break; sleep 0.1; done
if [ ! -s "$dir/display" ]; then
  echo "test-ui-demo: Xvfb did not start" >&2; cat "$dir/xvfb.log" >&2; exit 1
fi
export DISPLAY=":$(cat "$dir/display")" GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo}
export NO_AT_BRIDGE=1 XDG_CACHE_HOME="$out/cache" XDG_CONFIG_HOME="$out/config"

fail=0
check () {
  if grep -qE "$1" "$dir/stdout"; then echo "ok: $2"; else echo "FAILED: $2" >&2; fail=1; fi
}

# run NAME EXPECTED-RECEIVERS [WRAPPER...] -- SHOAL-OPTIONS...
run () {
  local name=$1 receivers=$2; shift 2
  local wrapper=()
  while [ "$1" != -- ]; do wrapper+=("$1"); shift; done; shift
  local shots="$out/$name"
  rm -rf "$shots"; mkdir -p "$shots"
  echo "# $name"
  local rc=0
  timeout 90 "${wrapper[@]}" "$shoal" --demo --demo-loss --demo-size 48 --demo-clients $clients \
    --demo-exit-after 60 --demo-screenshots "$shots" "$@" >"$dir/stdout" 2>"$dir/stderr" || rc=$?
  cat "$dir/stdout"
  if [ $rc -ne 0 ]; then
    grep -v "session bus" "$dir/stderr" >&2 || true
    echo "FAILED: $name: shoal exited with $rc" >&2; fail=1; return
  fi
  # The receivers verified every block against the manifest and wrote the image.
  check "^demo: $clients clients, $clients complete, 0 failed .*receivers: $receivers" \
        "$name: every receiver ($receivers) completed"
  # The window itself shows it: the session is done and every client row reads 100 %.
  check "^ui: session done, $clients of $clients client rows at 100 %" "$name: the window shows it"
  for shot in console-mid console-end; do
    local png="$shots/$shot.png"
    if [ ! -s "$png" ]; then echo "FAILED: no $png" >&2; fail=1; continue; fi
    if command -v identify >/dev/null; then
      sd=$(identify -format '%[fx:standard_deviation]' "$png")
      if ! awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }'; then
        echo "FAILED: $png looks blank" >&2; fail=1
      fi
    fi
    echo "ok: $png"
  done
}

if command -v unshare >/dev/null && command -v ip >/dev/null && unshare -rn true 2>/dev/null; then
  run multicast "shoal-client processes" unshare -rn sh -c \
    'ip link set lo up && ip link set lo multicast on && exec "$0" "$@"' -- --demo-network multicast
else
  echo "# multicast: skipped (no unshare -rn here for a namespace whose lo may multicast)"
fi
run simulated threads -- --demo-network sim
exit $fail
