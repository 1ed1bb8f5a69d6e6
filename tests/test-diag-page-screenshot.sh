#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Opens the console on its Diagnostics page with a fixture log under Xvfb, saves a screenshot,
# and checks that the page drew something and that errors are highlighted in the error colour.
#   test-diag-page-screenshot.sh BUILDDIR/app/shoal LOG OUT.png
set -euo pipefail
here=$(dirname "$0")
shoal=$1 log=$2 out=$3
rc=0
"$here/xvfb-screenshot.sh" "$out" 4 "$shoal" --log "$log" || rc=$?
[ $rc -eq 0 ] || exit $rc
stddev=$(identify -format '%[fx:standard_deviation]' "$out")
echo "screenshot standard deviation: $stddev"
awk -v s="$stddev" 'BEGIN { exit !(s > 0.02) }' || { echo "screenshot looks blank" >&2; exit 1; }
# The theme's error colour (#c01c28 in GTK's default theme) marks error lines and the headline.
red=$(convert "$out" -fuzz 12% -fill black +opaque '#c01c28' -fill white -opaque '#c01c28' \
        -format '%[fx:mean]' info:)
echo "share of pixels in the error colour: $red"
awk -v r="$red" 'BEGIN { exit !(r > 0.0005) }' || { echo "no error highlighted" >&2; exit 1; }
