#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every binary answers --help and --version, and exits 2 with a usage message on an unknown
# option. Prints TAP.
#   test-cli.sh BUILDDIR/app
set -uo pipefail
bindir=$1
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

version=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$(dirname "$0")/../meson.build")
for b in shoal shoald shoal-client shoalctl; do
  exe="$bindir/$b"
  out=$("$exe" --help 2>&1); rc=$?
  check "$b --help exits 0 and shows usage" '[ $rc -eq 0 ] && grep -q "^Usage:" <<<"$out"'
  out=$("$exe" --version 2>&1); rc=$?
  check "$b --version prints $version" '[ $rc -eq 0 ] && [ "$out" = "$b $version" ]'
  out=$("$exe" --no-such-option 2>&1); rc=$?
  check "$b rejects an unknown option with exit 2" \
    '[ $rc -eq 2 ] && grep -q "Unknown option --no-such-option" <<<"$out" && grep -q -- "--help" <<<"$out"'
done
echo "1..$n"
exit $failed
