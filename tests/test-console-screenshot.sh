#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Opens the console in a real window under Xvfb, saves a screenshot and checks that the
# window drew something (not a blank screen).
#   test-console-screenshot.sh BUILDDIR/app/shoal OUT.png
set -euo pipefail
here=$(dirname "$0")
shoal=$1 out=$2
rc=0
"$here/xvfb-screenshot.sh" "$out" 3 "$shoal" --demo || rc=$?
[ $rc -eq 0 ] || exit $rc
stddev=$(identify -format '%[fx:standard_deviation]' "$out")
echo "screenshot standard deviation: $stddev"
awk -v s="$stddev" 'BEGIN { exit !(s > 0.02) }' || { echo "screenshot looks blank" >&2; exit 1; }
