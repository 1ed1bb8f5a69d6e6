#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Raw throughput of each transport on a namespace LAN with 3 receivers: one sender pushes
# numbered 1400-byte datagrams unpaced, receivers only count them and touch their bytes.
#
#   tests/bench/transport.sh [BUILDDIR] [--bytes N] [--transports "linux gst"] [--rate MBIT]
#                            [--pace MBIT]
#
# BUILDDIR defaults to _build. --rate shapes the server's link with tbf (lan.sh --rate);
# --pace makes the sender itself pace at that rate.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/_build
bytes=$((1 << 30))
transports="linux gst"
lan_opts=()
pace=0
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$1; shift; fi
while [ $# -gt 0 ]; do
  case $1 in
    --bytes) bytes=$2; shift 2 ;;
    --transports) transports=$2; shift 2 ;;
    --rate) lan_opts+=(--rate "$2"); shift 2 ;;
    --pace) pace=$(($2 * 1000000)); shift 2 ;;
    *) echo "transport.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

bin=$build/tests/transport-throughput
[ -x "$bin" ] || { echo "transport.sh: $bin missing; build first (ninja -C $build)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "transport.sh: needs root for network namespaces" >&2; exit 1; }

prefix=shb$$
lan=$top/tests/lan.sh
out=$(mktemp -d)
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  "$lan" down "$prefix"
  rm -rf "$out"
}
trap cleanup EXIT
"$lan" up "$prefix" 3 "${lan_opts[@]}"

field() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" "$1" | tail -1; }

printf '%-6s %10s %10s   %-28s %-28s %-28s\n' transport "sent MiB" "send Gb/s" \
  "c1 Gb/s / loss" "c2 Gb/s / loss" "c3 Gb/s / loss"
for t in $transports; do
  pids=()
  for c in 1 2 3; do
    ip netns exec "$prefix-c$c" "$bin" recv --transport "$t" --iface eth0 \
      >"$out/$t.c$c" 2>&1 &
    pids+=($!)
  done
  for c in 1 2 3; do
    for _ in $(seq 100); do grep -q ready "$out/$t.c$c" && break; sleep 0.05; done
  done
  ip netns exec "$prefix-srv" "$bin" send --transport "$t" --iface eth0 --bytes "$bytes" \
    --rate "$pace" >"$out/$t.srv" 2>&1 || { cat "$out/$t.srv" >&2; exit 1; }
  wait "${pids[@]}" || { cat "$out/$t".c* >&2; exit 1; }
  row=$(printf '%-6s %10d %10.2f  ' "$t" $(( $(field "$out/$t.srv" bytes) >> 20 )) \
    "$(field "$out/$t.srv" gbps)")
  for c in 1 2 3; do
    f=$out/$t.c$c
    row+=$(printf ' %8.2f / %6.2f %%          ' "$(field "$f" gbps)" \
      "$(awk -v l="$(field "$f" loss)" 'BEGIN { print l * 100 }')")
  done
  echo "$row"
  for f in "$out/$t.srv" "$out/$t".c*; do
    echo "  $(basename "$f"): $(tail -1 "$f")"
  done
done
