#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The benchmark of issues 3 and 7: Shoal against udpcast and UFTP, 1 server and 3 clients on a
# namespace LAN (tests/lan.sh), every output verified, all figures from one run.
#
#   tests/bench/run.sh [--quick] [--build DIR] [--work DIR] [--out DIR] [--transport T]
#                      [--shoal-opt KEY=JSON]... [--told-rate MBIT] [--repeat N]
#                      [--tools "shoal udpcast uftp"] [SCENARIO...]
#
# Scenarios (default: all, in this order):
#   clean   unshaped, no loss, 256 MiB and 1 GiB: time until all 3 clients verified
#   shaped  server link shaped to 200 Mbit/s with tbf, 256 MiB: time against the time the
#           link needs for the file's bytes
#   loss    1 % independent loss per client, 256 MiB (and 1 GiB): payload bytes and time
#   rss     peak RSS of shoal-client and shoald on 1 GiB (taken from clean when it ran)
# --quick uses the 256 MiB file only. --build defaults to $SHOAL_BUILDDIR or _build;
# --work (default /var/tmp/shoal-bench) caches the random source files and Shoal's libraries,
# and keeps the logs and report of the 10 newest runs (WORK/last is the newest); --out holds
# the clients' outputs during a run (default a directory under /dev/shm when it has room, else
# under --work) and is emptied afterwards.
# --shoal-opt adds a key to shoald's JSON config, e.g. --shoal-opt max_rate=0.
# --told-rate is the rate every tool is told on the shaped link (default 195 Mbit/s: a sender
# faster than its own tbf qdisc loses datagrams locally).
# --repeat N runs each measurement N times and keeps, per tool, the one with the shortest
# verified time (the machine is shared; every tool gets the same chances).
# --tools runs only some of the tools (for development: the bars need all three).
# Runs wait for each other (a lock in WORK). Needs root, udpcast, uftp, nftables, ethtool, iproute2,
# curl or python3, and /usr/bin/time.
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${SHOAL_BUILDDIR:-$top/_build}
work=${SHOAL_BENCH_DIR:-/var/tmp/shoal-bench}
outbase=""
quick=0
transport=""
shoal_opts=()
told_rate=195
scenarios=()
repeat=1
tools="shoal udpcast uftp"

header() { awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; }
usage() { header | sed -n '/^  tests\/bench\/run.sh/,/^$/p' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --build) build=$(realpath "$2"); shift 2 ;;
    --work) work=$2; shift 2 ;;
    --out) outbase=$2; shift 2 ;;
    --transport) transport=$2; shift 2 ;;
    --shoal-opt) shoal_opts+=("$2"); shift 2 ;;
    --told-rate) told_rate=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    -h|--help) header; exit 0 ;;
    clean|shaped|loss|rss) scenarios+=("$1"); shift ;;
    *) echo "run.sh: unknown option or scenario '$1'" >&2; usage ;;
  esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(clean shaped loss rss)

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
for p in udp-sender udp-receiver uftp uftpd nft ip sha256sum python3 ethtool; do
  command -v "$p" >/dev/null || die "$p is missing; run build-aux/setup.sh build"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (package time); run build-aux/setup.sh build"
for b in app/shoald app/shoal-client; do
  [ -x "$build/$b" ] || die "$build/$b is missing; build first (build-aux/setup.sh build)"
done
shoald_bin=$build/app/shoald
client_bin=$build/app/shoal-client

# Shaped link and loss settings of the issues' bars.
link_mbit=200
loss_permille=10
declare -A size_bytes=([256m]=$((256 << 20)) [1g]=$((1 << 30)))
declare -A size_label=([256m]="256 MiB" [1g]="1 GiB")

prefix=sbn$$
lan=$top/tests/lan.sh
mkdir -p "$work/runs"
# One run at a time: two would share the cores and spoil each other's figures.
exec 9>"$work/lock"
if ! flock -n 9; then
  echo "run.sh: another benchmark holds $work/lock; waiting for it" >&2
  flock 9
fi
logs=$work/runs/$(date +%Y%m%dT%H%M%S)-$$
mkdir -p "$logs"
ln -sfn "runs/${logs##*/}" "$work/last"
# The 10 newest runs' logs stay.
find "$work/runs" -mindepth 1 -maxdepth 1 -type d | sort | head -n -10 | xargs -r rm -rf
results=$logs/results.txt
: >"$results"
if [ -z "$outbase" ]; then
  shm_free=$(df -B1 --output=avail /dev/shm 2>/dev/null | tail -1 || echo 0)
  if [ "${shm_free:-0}" -gt $((5 << 30)) ]; then outbase=/dev/shm; else outbase=$work; fi
fi
out=$(mktemp -d "$outbase/shoal-bench-out.XXXXXX")

children() { cat /proc/"$1"/task/*/children 2>/dev/null || true; }

kill_tree() {
  local p=$1 c
  for c in $(children "$p"); do kill_tree "$c"; done
  kill "$p" 2>/dev/null || true
}

# Everything this script started lives in its namespaces or below its own jobs: TERM, then
# KILL what is left after a second (a udp-sender that outlived a timeout kept its port, and
# the next run could not bind it).
kill_lab() {
  local ns pid sig left
  for sig in TERM KILL; do
    left=0
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$prefix-" || true); do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do
        kill -s $sig "$pid" 2>/dev/null && left=1
      done
    done
    [ $left = 1 ] && [ $sig = TERM ] && sleep 1
  done
  for pid in $(jobs -p); do kill_tree "$pid"; done
}

cleanup() {
  trap - EXIT INT TERM
  kill_lab
  sleep 0.3
  "$lan" down "$prefix" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM

# Figures of the attempt being measured go to $attempt_results; measure() keeps the best.
attempt_results=$results
attempt=""
res() { echo "$1=$2" >>"$attempt_results"; }
log() { echo "[$(date +%T)] $*" >&2; }

# A random source file per size, made once and reused; its SHA-256 beside it.
source_file() {
  local s=$1 f=$work/src-$1.bin
  if [ ! -f "$f.sha256" ] || [ "$(stat -c %s "$f" 2>/dev/null)" != "${size_bytes[$s]}" ]; then
    log "making $f (${size_label[$s]} of random bytes)"
    rm -f "$f" "$f.sha256"
    head -c "${size_bytes[$s]}" /dev/urandom >"$f.tmp"
    mv "$f.tmp" "$f"
    sha256sum "$f" | cut -d' ' -f1 >"$f.sha256"
  fi
  echo "$f"
}

lab_up() {
  kill_lab
  "$lan" down "$prefix"
  "$lan" up "$prefix" 3 "$@"
}

tx_bytes() {
  ip netns exec "$prefix-srv" cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" { print $11 }'
}

# Waits for PIDs, at most TIMEOUT seconds; 1 on timeout.
wait_pids() {
  local timeout=$1 deadline p alive
  shift
  deadline=$(($(date +%s) + timeout))
  while :; do
    alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# The bound on any one transfer: 60 s plus the size at 50 Mbit/s.
timeout_for() { echo $((60 + ${size_bytes[$1]} * 8 / 50000000)); }

maxf() { printf '%s\n' "$@" | sort -g | tail -1; }
subf() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# Checks each output against the source's SHA-256, sums computed in parallel.
check_outputs() {
  local want=$1 d=$2 c pids=()
  shift 2
  for c in 1 2 3; do
    (sha256sum "${!c}" 2>/dev/null | cut -d' ' -f1 >"$d/check$c") &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for c in 1 2 3; do
    [ "$(cat "$d/check$c")" = "$want" ] || { log "${!c} does not match the source"; return 1; }
  done
}

# /usr/bin/time -f '%e %U %S %M' files: the last line holds the figures (a killed command's
# file starts with a line saying so).
time_field() { awk -v n="$2" 'END { print $n }' "$1" 2>/dev/null || echo 0; }
cpu_of() { awk 'END { printf "%.2f", $2 + $3 }' "$@" 2>/dev/null || echo 0; }
# CPU seconds of the 3 clients together.
clients_cpu() {
  local d=$1
  awk 'FNR == 1 { n++ } { u[n] = $2 + $3 } END { for (i in u) t += u[i]; printf "%.2f", t }' \
    "$d"/c?.time 2>/dev/null || echo 0
}

show_tail() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "--- $f" >&2
    tail -n 8 "$f" | tr '\r' '\n' | tail -n 8 >&2
  done
}

# udpcast: receivers wait, the sender starts when all 3 have connected. Each client checks its
# output with sha256sum as soon as its receiver exits, the three in parallel.
run_udpcast() {
  local scen=$1 s=$2 rate=$3 src want d k t0 c pids=() ends=() xfers=() ok=1 tx0 rss=0 rc end
  src=$(source_file "$s"); want=$(cat "$src.sha256")
  d=$logs/$scen-$s-udpcast$attempt; mkdir -p "$d"; k=$scen.$s.udpcast
  log "$scen ${size_label[$s]}: udpcast"
  for c in 1 2 3; do
    (
      rc=0
      /usr/bin/time -f '%e %U %S %M' -o "$d/c$c.time" \
        ip netns exec "$prefix-c$c" udp-receiver --interface eth0 \
        --mcast-rdv-address 239.255.1.1 --nokbd --file "$out/u$c" >"$d/c$c.log" 2>&1 || rc=$?
      echo "$rc $EPOCHREALTIME" >"$d/c$c.xfer"
      sha256sum "$out/u$c" 2>/dev/null | cut -d' ' -f1 >"$d/c$c.sum"
      echo "$EPOCHREALTIME" >"$d/c$c.ver"
    ) &
    pids+=($!)
  done
  sleep 0.5
  tx0=$(tx_bytes)
  t0=$EPOCHREALTIME
  local rate_opt=()
  [ -n "$rate" ] && rate_opt=(--max-bitrate "${rate}m")
  /usr/bin/time -f '%e %U %S %M' -o "$d/srv.time" \
    ip netns exec "$prefix-srv" udp-sender --interface eth0 --mcast-rdv-address 239.255.1.1 \
    --mcast-data-address 239.255.1.2 --nokbd --min-receivers 3 "${rate_opt[@]}" \
    --file "$src" >"$d/srv.log" 2>&1 &
  pids+=($!)
  if ! wait_pids "$(timeout_for "$s")" "${pids[@]}"; then
    log "udpcast timed out"; ok=0; kill_lab
  fi
  for c in 1 2 3; do
    read -r rc end <"$d/c$c.xfer" 2>/dev/null || { rc=1; end=$t0; }
    [ "$rc" = 0 ] || { log "udp-receiver c$c exited $rc"; ok=0; }
    [ "$(cat "$d/c$c.sum" 2>/dev/null)" = "$want" ] || { log "udpcast c$c: wrong content"; ok=0; }
    xfers+=("$end"); ends+=("$(cat "$d/c$c.ver" 2>/dev/null || echo "$t0")")
    rss=$(maxf "$rss" "$(time_field "$d/c$c.time" 4)")
  done
  [ $ok = 1 ] || show_tail "$d"/*.log
  res "$k.ok" $ok
  res "$k.xfer_s" "$(subf "$(maxf "${xfers[@]}")" "$t0")"
  res "$k.verified_s" "$(subf "$(maxf "${ends[@]}")" "$t0")"
  res "$k.wire_bytes" $(($(tx_bytes) - tx0))
  res "$k.sender_cpu_s" "$(cpu_of "$d/srv.time")"
  res "$k.clients_cpu_s" "$(clients_cpu "$d")"
  res "$k.sender_rss_kib" "$(time_field "$d/srv.time" 4)"
  res "$k.client_rss_kib" "$rss"
  rm -f "$out"/u?
}

# UFTP: uftpd in each client namespace, uftp with the 3 clients as a closed group, so it waits
# for exactly them; transfer done when uftp returns, then the three sha256sums in parallel.
run_uftp() {
  local scen=$1 s=$2 rate=$3 src want d k t0 t1 c pids=() ends=() ok=1 tx0 rss=0 name
  src=$(source_file "$s"); want=$(cat "$src.sha256"); name=$(basename "$src")
  d=$logs/$scen-$s-uftp$attempt; mkdir -p "$d"; k=$scen.$s.uftp
  log "$scen ${size_label[$s]}: UFTP"
  local upids=()
  for c in 1 2 3; do
    mkdir -p "$out/f$c"
    /usr/bin/time -f '%e %U %S %M' -o "$d/c$c.time" \
      ip netns exec "$prefix-c$c" uftpd -d -q -I eth0 -M 239.255.2.1 -D "$out/f$c" \
      >"$d/c$c.log" 2>&1 &
    upids+=($!)
  done
  sleep 0.5
  tx0=$(tx_bytes)
  t0=$EPOCHREALTIME
  local rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$d/srv.time" \
    ip netns exec "$prefix-srv" uftp -R "$([ -n "$rate" ] && echo $((rate * 1000)) || echo -1)" \
    -I eth0 -M 239.255.2.1 -P 239.255.2.2 -H 198.18.0.11,198.18.0.12,198.18.0.13 \
    "$src" >"$d/srv.log" 2>&1 &
  local spid=$!
  if ! wait_pids "$(timeout_for "$s")" $spid; then log "uftp timed out"; ok=0; kill_lab; fi
  wait $spid || rc=$?
  t1=$EPOCHREALTIME
  [ "$rc" = 0 ] || { log "uftp exited $rc"; ok=0; }
  [ "$(grep -c 'Status: Completed' "$d/srv.log")" = 3 ] || { log "uftp: not 3 completed"; ok=0; }
  # /usr/bin/time's child is uftpd (ip netns exec execs it); time then reports its figures.
  for c in 1 2 3; do kill $(children "${upids[$((c - 1))]}") 2>/dev/null || true; done
  for c in 1 2 3; do
    (sha256sum "$out/f$c/$name" 2>/dev/null | cut -d' ' -f1 >"$d/c$c.sum"
     echo "$EPOCHREALTIME" >"$d/c$c.ver") &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  wait_pids 10 "${upids[@]}" || true
  for c in 1 2 3; do
    [ "$(cat "$d/c$c.sum")" = "$want" ] || { log "uftp c$c: wrong content"; ok=0; }
    ends+=("$(cat "$d/c$c.ver")")
    rss=$(maxf "$rss" "$(time_field "$d/c$c.time" 4)")
  done
  [ $ok = 1 ] || show_tail "$d"/*.log
  res "$k.ok" $ok
  res "$k.xfer_s" "$(subf "$t1" "$t0")"
  res "$k.verified_s" "$(subf "$(maxf "${ends[@]}")" "$t0")"
  res "$k.wire_bytes" $(($(tx_bytes) - tx0))
  res "$k.sender_cpu_s" "$(cpu_of "$d/srv.time")"
  res "$k.clients_cpu_s" "$(clients_cpu "$d")"
  res "$k.sender_rss_kib" "$(time_field "$d/srv.time" 4)"
  res "$k.client_rss_kib" "$rss"
  rm -rf "$out"/f?
}

# GET on shoald's HTTP port from inside the server namespace.
shoal_get() {
  local url=http://198.18.0.1:8470$1 tokfile=${2:-}
  if command -v curl >/dev/null; then
    ip netns exec "$prefix-srv" curl -sf --max-time 5 \
      ${tokfile:+-H "Authorization: Bearer $(cat "$tokfile")"} "$url"
  else
    ip netns exec "$prefix-srv" python3 - "$url" "$tokfile" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1])
if sys.argv[2]:
    req.add_header("Authorization", "Bearer " + open(sys.argv[2]).read().strip())
sys.stdout.write(urllib.request.urlopen(req, timeout=5).read().decode())
PY
  fi
}

proc_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
    "/proc/$1/stat"
}
proc_hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# Where Shoal's time goes, from shoald's log (GLib's local HH:MM:SS.mmm) and the clients' CMTrace
# logs. The issues time Shoal from session start (its start rule met: the analogue of the peers'
# sender launch with receivers waiting) to all verified; verified_s is that, or the time from
# the clients' launch when the log has no start.
shoal_phases() {
  python3 - "$@" >>"$attempt_results" <<'PY'
import datetime, re, sys, time
d, t0, k = sys.argv[1], float(sys.argv[2]), sys.argv[3]
ends = [float(e) for e in sys.argv[4:]]
day = datetime.date.fromtimestamp(t0)

def epoch(hms, date=day):
    t = datetime.datetime.combine(date, datetime.time.fromisoformat(hms)).timestamp()
    return t + 86400 if t < t0 - 43200 else t

def shoald(what):
    for line in open(f"{d}/shoald.log", errors="replace"):
        m = re.match(r".*?(\d\d:\d\d:\d\d\.\d{3}): .*" + what, line)
        if m:
            return epoch(m.group(1))
    return None

def cmtrace(path, what):
    found = None
    try:
        for line in open(path, errors="replace"):
            if what in line:
                m = re.search(r'time="(\d\d:\d\d:\d\d\.\d{3})[^"]*" '
                              r'date="(\d\d)-(\d\d)-(\d{4})"', line)
                if m:
                    date = datetime.date(int(m.group(4)), int(m.group(2)), int(m.group(3)))
                    found = epoch(m.group(1), date)
    except OSError:
        pass
    return found

start = shoald("Session started")
first = shoald("First pass complete")
out = {}
if start:
    out["session_start_s"] = start - t0
    out["verified_s"] = max(ends) - start
    if first:
        out["first_pass_s"] = first - start
    readback = [cmtrace(f"{d}/c{c}.cmtrace", "Step: verifying every file") for c in (1, 2, 3)]
    if all(readback):
        out["xfer_s"] = max(readback) - start
        out["readback_s"] = max(e - r for e, r in zip(ends, readback))
else:
    out["verified_s"] = max(ends) - t0
    out["clock"] = "launch"
for key, value in out.items():
    print(f"{k}.{key}={value:.3f}" if isinstance(value, float) else f"{k}.{key}={value}")
PY
}

# Shoal: shoald holds the package (manifest built before the clock starts, as the peers need no
# import); the 3 clients are launched together and each exits 0 only once all content is
# verified; shoal_phases turns the logs into times.
run_shoal() {
  local scen=$1 s=$2 rate=$3 src want d k lib name state tok cfg t0 c pids=() ends=() ok=1
  local tx0 rss=0 spid cpu0 http=0 mcast=0 ctime=0 rc end
  src=$(source_file "$s"); want=$(cat "$src.sha256")
  d=$logs/$scen-$s-shoal$attempt; mkdir -p "$d"; k=$scen.$s.shoal
  log "$scen ${size_label[$s]}: Shoal"
  name=bench-$s
  lib=$work/library-$s
  mkdir -p "$lib/$name"
  [ "$lib/$name/$name.img" -ef "$src" ] || ln -f "$src" "$lib/$name/$name.img"
  state=$out/shoal-state; rm -rf "$state"; mkdir -p "$state"
  tok=$out/admin-token
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tok")
  cfg=$d/shoald.json
  # --shoal-opt keys override the scenario's, so a rate given by hand wins.
  python3 - "$tok" "$rate" ${shoal_opts[@]+"${shoal_opts[@]}"} >"$cfg" <<'PY'
import json, sys
cfg = {"min_clients": 3, "admin_token_file": sys.argv[1]}
if sys.argv[2]:
    cfg["max_rate"] = int(sys.argv[2]) * 1000000
for opt in sys.argv[3:]:
    key, _, value = opt.partition("=")
    cfg[key] = json.loads(value)
json.dump(cfg, sys.stdout, indent=2)
PY
  local topt=()
  [ -n "$transport" ] && topt=(--transport "$transport")
  ip netns exec "$prefix-srv" "$shoald_bin" --config "$cfg" --library "$lib" \
    --state-dir "$state" --interface eth0 --listen 198.18.0.1:8470 --anonymous --no-tls \
    "${topt[@]}" >"$d/shoald.log" 2>&1 &
  spid=$!
  local i
  for i in $(seq 600); do
    shoal_get "/packages/$name/manifest" >/dev/null 2>&1 && break
    kill -0 $spid 2>/dev/null || break
    sleep 0.2
  done
  if ! shoal_get "/packages/$name/manifest" >/dev/null 2>&1; then
    log "shoald did not offer $name"; show_tail "$d/shoald.log"
    res "$k.ok" 0; kill_lab; return 0
  fi
  cpu0=$(proc_cpu_s $spid)
  tx0=$(tx_bytes)
  t0=$EPOCHREALTIME
  for c in 1 2 3; do
    (
      rc=0
      XDG_CONFIG_HOME=$out/client-config-$c /usr/bin/time -f '%e %U %S %M' -o "$d/c$c.time" \
        ip netns exec "$prefix-c$c" "$client_bin" --server http://198.18.0.1:8470 \
        --package "$name" --output "$out/s$c" --interface eth0 --hostname "c$c" \
        --log "$d/c$c.cmtrace" "${topt[@]}" >"$d/c$c.log" 2>&1 || rc=$?
      echo "$rc $EPOCHREALTIME" >"$d/c$c.end"
    ) &
    pids+=($!)
  done
  if ! wait_pids "$(timeout_for "$s")" "${pids[@]}"; then
    log "shoal-client timed out"; ok=0
    for c in 1 2 3; do
      for i in $(ip netns pids "$prefix-c$c"); do kill "$i" 2>/dev/null || true; done
    done
    wait_pids 5 "${pids[@]}" || true
  fi
  for c in 1 2 3; do
    read -r rc end <"$d/c$c.end" 2>/dev/null || { rc=1; end=$t0; }
    [ "$rc" = 0 ] || { log "shoal-client c$c exited $rc: $(tail -n 1 "$d/c$c.log")"; ok=0; }
    ends+=("$end")
    rss=$(maxf "$rss" "$(time_field "$d/c$c.time" 4)")
    # "verified PATH: X bytes by multicast, Y by HTTP, in T s"
    local line
    line=$(grep -a 'verified .* by multicast' "$d/c$c.log" | tail -n 1 || true)
    if [ -n "$line" ]; then
      mcast=$((mcast + $(sed -E 's/.*: ([0-9]+) bytes by multicast.*/\1/' <<<"$line")))
      http=$((http + $(sed -E 's/.*, ([0-9]+) by HTTP.*/\1/' <<<"$line")))
      ctime=$(maxf "$ctime" "$(sed -E 's/.* in ([0-9.]+) s.*/\1/' <<<"$line")")
    fi
  done
  res "$k.launch_verified_s" "$(subf "$(maxf "${ends[@]}")" "$t0")"
  shoal_phases "$d" "$t0" "$k" "${ends[@]}"
  res "$k.wire_bytes" $(($(tx_bytes) - tx0))
  res "$k.client_rss_kib" "$rss"
  res "$k.clients_cpu_s" "$(clients_cpu "$d")"
  res "$k.http_bytes" "$http"
  res "$k.client_reported_s" "$ctime"
  if kill -0 $spid 2>/dev/null; then
    shoal_get /api/v1/sessions "$tok" >"$d/sessions.json" 2>/dev/null || true
    res "$k.sender_cpu_s" "$(subf "$(proc_cpu_s $spid)" "$cpu0")"
    res "$k.sender_rss_kib" "$(proc_hwm_kib $spid)"
    kill -TERM $spid 2>/dev/null || true
    wait_pids 10 $spid || { log "shoald ignored SIGTERM for 10 s"; kill -KILL $spid || true; }
  else
    log "shoald died during the run"; ok=0
  fi
  python3 - "$d/sessions.json" "$name" "$k" >>"$results" <<'PY' || true
import json, sys
try:
    sessions = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
mine = [s for s in sessions if s.get("package") == sys.argv[2]]
if mine:
    s = mine[-1]
    for key in ("bytes_sent", "repair_bytes", "wire_bytes"):
        print(f"{sys.argv[3]}.session_{key}={s.get(key, 0)}")
PY
  if [ $ok = 1 ]; then
    check_outputs "$want" "$d" "$out/s1" "$out/s2" "$out/s3" || ok=0
  fi
  [ $ok = 1 ] || show_tail "$d/shoald.log" "$d"/c?.log
  res "$k.ok" $ok
  rm -rf "$out"/s? "$out"/s?.shoal-journal "$out"/client-config-? "$state"
}

# Runs one tool's measurement --repeat times; keeps the attempt that verified fastest.
measure() {
  local tool=$1 scen=$2 s=$3 rate=$4 i best="" best_t="" t times=()
  [[ " $tools " == *" $tool "* ]] || return 0
  for i in $(seq "$repeat"); do
    attempt=$([ "$repeat" -gt 1 ] && echo "-$i" || true)
    attempt_results=$logs/attempt-$scen-$s-$tool$attempt.txt
    : >"$attempt_results"
    "run_$tool" "$scen" "$s" "$rate"
    t=$(sed -n "s/^$scen\.$s\.$tool\.verified_s=//p" "$attempt_results")
    if grep -q "^$scen\.$s\.$tool\.ok=1$" "$attempt_results"; then
      times+=("$t")
      if [ -z "$best" ] || awk -v a="$t" -v b="$best_t" 'BEGIN { exit !(a < b) }'; then
        best=$attempt_results; best_t=$t
      fi
    else
      times+=("failed")
    fi
  done
  # With no attempt verified, the last one's figures show how it failed.
  cat "${best:-$attempt_results}" >>"$results"
  attempt_results=$results
  [ "$repeat" -gt 1 ] && res "$scen.$s.$tool.attempts" "${times[*]}"
  return 0
}

sizes_clean=(256m 1g)
sizes_loss=(256m 1g)
rss_size=1g
if [ $quick = 1 ]; then sizes_clean=(256m); sizes_loss=(256m); rss_size=256m; fi

log "build $build, outputs in $out, logs in $logs"
res meta.date "$(date -u +%Y-%m-%dT%H:%MZ)"
res meta.commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
res meta.kernel "$(uname -r)"
res meta.cpus "$(nproc)"
res meta.load "$(cut -d' ' -f1-3 /proc/loadavg)"
res meta.outdir "$outbase"
res meta.quick $quick
res meta.shoal_opts "${shoal_opts[*]:-none}"
res meta.transport "${transport:-auto}"
res meta.told_rate "$told_rate"
res meta.repeat "$repeat"
res meta.link_mbit "$link_mbit"
res meta.loss_permille "$loss_permille"

for s in "${sizes_clean[@]}" "${sizes_loss[@]}" "$rss_size"; do source_file "$s" >/dev/null; done

rss_done=0
for scen in "${scenarios[@]}"; do
  case $scen in
    clean)
      lab_up
      res clean.sizes "${sizes_clean[*]}"
      for s in "${sizes_clean[@]}"; do
        measure shoal clean "$s" ""
        measure udpcast clean "$s" ""
        measure uftp clean "$s" ""
        [ "$s" = "$rss_size" ] && rss_done=1
      done ;;
    shaped)
      lab_up --rate "$link_mbit"
      measure shoal shaped 256m "$told_rate"
      measure udpcast shaped 256m "$told_rate"
      measure uftp shaped 256m "$told_rate" ;;
    loss)
      lab_up --loss "$loss_permille"
      res loss.sizes "${sizes_loss[*]}"
      for s in "${sizes_loss[@]}"; do
        measure shoal loss "$s" ""
        measure udpcast loss "$s" ""
        measure uftp loss "$s" ""
      done ;;
    rss)
      res rss.size "$rss_size"
      if [ $rss_done = 1 ]; then
        res rss.from clean
      else
        lab_up
        measure shoal rss "$rss_size" ""
        res rss.from rss
      fi ;;
  esac
done

python3 "$top/tests/bench/report.py" "$results" | tee "$logs/report.txt"
