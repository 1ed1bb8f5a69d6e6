#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# shoalctl decode and analyze as scripts use them: words, JSON, exit codes (0 done, 1 unknown
# code or unreadable file, 2 usage). Prints TAP.
#   test-diag-cli.sh BUILDDIR/app/shoalctl FIXTURES_DIR
set -uo pipefail
shoalctl=$1 fixtures=$2
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=1; echo "not ok $n - $1"
  printf '# %s\n' "$out" "$err" | head -20
}
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
run() { out=$("$shoalctl" "$@" 2>/tmp/diag-cli-err.$$); rc=$?; err=$(cat /tmp/diag-cli-err.$$); }
trap 'rm -f /tmp/diag-cli-err.$$' EXIT
json() {
  python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" <<<"$out"
}

run decode 0x80072EE2
check "decode 0x80072EE2 explains the WinHTTP timeout" \
  '[ $rc -eq 0 ] && grep -q "ERROR_WINHTTP_TIMEOUT" <<<"$out" \
   && grep -q "Tcp1323Opts" <<<"$out"'
run decode -2147467259 "(Error: 80070005; Source: Windows)" 1460
check "decode takes signed decimal, log and Win32 forms" \
  '[ $rc -eq 0 ] && grep -q "^0x80004005  E_FAIL" <<<"$out" && grep -q "^0x80070005" <<<"$out" \
   && grep -q "^0x800705B4" <<<"$out"'
run decode 8004005
check "decode offers the likely reading of a 7-digit code" \
  '[ $rc -eq 0 ] && grep -q "Most likely it is 0x80004005" <<<"$out"'
run decode 0x8123ABCD
check "an unknown code exits 1 and says so" \
  '[ $rc -eq 1 ] && grep -q "not a code Shoal knows" <<<"$err" \
   && grep -q "facility 0x123" <<<"$out"'
run decode 0x80070005 nonsense
check "text that holds no code exits 1 and names it" \
  '[ $rc -eq 1 ] && grep -q "nonsense" <<<"$err"'
run decode
check "decode without a code is a usage error" \
  '[ $rc -eq 2 ] && grep -q "no code given" <<<"$err"'
run decode --bogus 5
check "decode rejects an unknown option" \
  '[ $rc -eq 2 ] && grep -q "Unknown option --bogus" <<<"$err"'
run decode --json 0x80070005 1460
check "decode --json prints an array of decoded codes" \
  '[ $rc -eq 0 ] && json "len(d) == 2 and d[0][\"code\"] == \"0x80070005\"
                          and d[1][\"win32\"] == 1460 and d[1][\"remedies\"]"'

run analyze "$fixtures/smsts-download-timeout.log"
check "analyze names the step, the root-cause line and the code" \
  '[ $rc -eq 0 ] && grep -q "Apply Operating System" <<<"$out" \
   && grep -q "Root cause: *line 16:" <<<"$out" \
   && grep -q "0x80072EE2 ERROR_WINHTTP_TIMEOUT" <<<"$out"'
run analyze --json "$fixtures/smsts-multicast-failure.log"
check "analyze --json gives the root cause and the generic code that passed it on" \
  '[ $rc -eq 0 ] && json "d[0][\"outcome\"] == \"failed\" and d[0][\"root_cause\"][\"line\"] == 16
                          and d[0][\"root_code\"][\"code\"] == \"0x80070005\"
                          and d[0][\"passed_on_by\"][\"line\"] == 20"'
run analyze /nonexistent/smsts.log "$fixtures/smsts-success.log"
check "an unreadable log exits 1, names the file and the others are still analysed" \
  '[ $rc -eq 1 ] && grep -q "/nonexistent/smsts.log" <<<"$err" \
   && grep -q "completed successfully" <<<"$out"'
out=$("$shoalctl" analyze - <"$fixtures/shoal-client-hash.log" 2>&1); rc=$?
check "analyze - reads standard input" \
  '[ $rc -eq 0 ] && grep -q "SHOAL_E_HASH_MISMATCH" <<<"$out"'
run analyze
check "analyze without a file is a usage error" \
  '[ $rc -eq 2 ] && grep -q "no log file given" <<<"$err"'

echo "1..$n"
exit $failed
