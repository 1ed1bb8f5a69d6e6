#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fuzzes Shoal's parsers with libFuzzer, AddressSanitizer and UBSan, SECONDS each (60 by default),
# starting from their seed corpora: the CMTrace parser and analyser (fuzz-cmtrace), the code
# decoder and scanner (fuzz-decode) and the wire packet parsers (fuzz-packet). Not part of
# meson test, which only replays the corpora: this needs clang and takes time.
#   tests/fuzz.sh [BUILDDIR [SECONDS [TARGET...]]]   BUILDDIR holds config.h (default _build-diag)
# Needs: clang, libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build-diag}
secs=${2:-60}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-cmtrace fuzz-decode fuzz-packet)
die() { echo "fuzz.sh: $*" >&2; exit 1; }
[ -f "$build/config.h" ] || die "$build/config.h not found: run meson setup first"
command -v clang >/dev/null || die "clang not found (apt-get install clang libclang-rt-14-dev)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$build/fuzz
mkdir -p "$out"

# The code tables come from core/diag's resource bundle.
for kind in source:c header:h; do
  glib-compile-resources --generate-${kind%:*} --c-name shoal_diag --sourcedir="$top/data/diag" \
    --target="$work/shoal-diag-resources.${kind#*:}" "$top/data/diag/shoal-diag.gresource.xml"
done

flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -D_GNU_SOURCE -DG_LOG_DOMAIN='"Shoal"' -I"$build" -I"$work")

# Each target: its sources (beside tests/TARGET.c), include directories, pkg-config modules
# and seed corpus. fuzz-packet is the engine's (tests/fuzz-packet.c).
target_setup() {
  sources=() incs=() corpora=()
  case $1 in
    fuzz-cmtrace|fuzz-decode)
      # Decoding and log analysis only (core/diag also holds the network preflight).
      for f in cmtrace-parser code-table codes decoded-code diag-error diag-text hresult \
               log-analysis log-entry; do
        sources+=("$top/core/diag/shoal-$f.c")
      done
      sources+=("$work/shoal-diag-resources.c")
      incs=(-I"$top/core" -I"$top/core/diag")
      modules="gio-2.0 json-glib-1.0"
      corpora=("$top/tests/fixtures/logs" "$top/tests/fixtures/codes") ;;
    fuzz-packet)
      sources=("$top"/core/engine/*.c)
      incs=(-I"$top/core" -I"$top/core/engine")
      modules="gio-2.0 json-glib-1.0 gnutls libisal"
      corpora=("$top/tests/fuzz/packet") ;;
    *) echo "fuzz.sh: unknown target $1" >&2; exit 2 ;;
  esac
}

rc=0
for target in "${targets[@]}"; do
  target_setup "$target"
  echo "fuzz.sh: building $target"
  read -r -a deps <<<"$(pkg-config --cflags --libs $modules)"
  clang "${flags[@]}" "${incs[@]}" "${sources[@]}" "$top/tests/$target.c" "${deps[@]}" \
    -o "$out/$target"
  corpus=$work/corpus-$target
  mkdir -p "$corpus"
  for c in "${corpora[@]}"; do cp "$c"/* "$corpus/"; done
  dict=()
  [ -f "$top/tests/$target.dict" ] && dict=(-dict="$top/tests/$target.dict")
  echo "fuzz.sh: fuzzing $target for $secs s"
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$target" "${dict[@]}" -max_total_time="$secs" \
     -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$corpus") \
     >"$out/$target.log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+ +DONE|stat::(number_of_executed_units|average_exec_per_sec)|==[0-9]+==ERROR)' \
    "$out/$target.log" || true
  if [ $rc -ne 0 ]; then
    echo "fuzz.sh: $target FAILED; see $out/$target.log and the crash-* file in $out" >&2
    break
  fi
  echo "fuzz.sh: $target ran $secs s without a crash"
done
exit $rc
