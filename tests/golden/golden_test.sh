#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Golden dissector tests.  Each row of cases.txt names a capture (recorded
# by record.sh, committed) and the options for `tunlab dissect`; the output
# must equal expected/NAME.txt.  Then every capture's fields are compared
# with tshark's (compare-tshark.py, fields.txt).
# UPDATE=1 sh tests/golden/golden_test.sh rewrites the expected files (review the diff before committing).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TUNLAB=${TUNLAB:-$HERE/../../build/tunlab}
fail=0

while read -r name opts; do
	case "$name" in ''|'#'*) continue ;; esac
	cap="$HERE/captures/$name.pcap"
	exp="$HERE/expected/$name.txt"
	# shellcheck disable=SC2086
	out=$("$TUNLAB" dissect $opts "$cap" 2>&1)
	if [ "${UPDATE:-0}" = 1 ]; then
		mkdir -p "$HERE/expected"
		printf '%s\n' "$out" >"$exp"
	fi
	if printf '%s\n' "$out" | diff -u "$exp" - >"/tmp/golden.$$" 2>&1; then
		echo "ok - dissect $name matches expected/$name.txt"
	else
		echo "not ok - dissect $name differs from expected/$name.txt"
		sed 's/^/# /' "/tmp/golden.$$" | head -40
		fail=1
	fi
	rm -f "/tmp/golden.$$"
done <"$HERE/cases.txt"

if ! command -v tshark >/dev/null 2>&1; then
	echo "ok - tshark field comparison # SKIP tshark is not installed"
	exit $fail
fi
for cap in "$HERE"/captures/*.pcap; do
	name=$(basename "$cap" .pcap)
	if res=$(python3 "$HERE/compare-tshark.py" "$TUNLAB" "$cap" \
		 "$HERE/fields.txt" 2>&1); then
		echo "ok - $name agrees with tshark: $(echo "$res" | tail -n 1)"
	else
		echo "not ok - $name disagrees with tshark"
		echo "$res" | head -30 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
