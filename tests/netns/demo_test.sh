#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo's script runs to its end without a terminal, shows the packet
# it sent, and leaves no lab behind.
set -u
TUNLAB=${TUNLAB:-build/tunlab}
TOP=${TOP:-.}

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - demo # SKIP needs root (network namespaces)"
	exit 0
fi
before=$(ls /run/tunlab 2>/dev/null | wc -l)
ns_before=$(ip netns list | grep -c '^tl')
out=$(sh "$TOP/labs/demo.sh" "$TUNLAB" </dev/null 2>&1)
rc=$?
fail=0
if [ $rc -eq 0 ]; then echo "ok 1 - the demo exits 0"; else
	echo "not ok 1 - the demo exits $rc"; echo "$out" | tail -5 | sed 's/^/# /'; fail=1; fi
if echo "$out" | grep -q 'Data: 68656c6c6f206f6666696365 ("hello office")'; then
	echo "ok 2 - the demo decodes the echo it sent, in clear on the tun"
else
	echo "not ok 2 - the demo does not show the echo's payload"; fail=1
fi
if echo "$out" | grep -q 'Opcode: 9 (P_DATA_V2)' &&
   [ "$(echo "$out" | grep -c '("hello office")')" -eq 1 ]; then
	echo "ok 4 - and encrypted on the wire (P_DATA_V2, no clear text)"
else
	echo "not ok 4 - the wire part of the demo is wrong"; fail=1
fi
if echo "$out" | grep -q "step 2' office" &&
   echo "$out" | grep -q '1 2 3 4 5 6 7 | 7 6 5 4 3 2 1'; then
	echo "ok 5 - it traces the echo through all 14 points"
else
	echo "not ok 5 - the demo's trace lacks points"; fail=1
fi
after=$(ls /run/tunlab 2>/dev/null | wc -l)
ns_after=$(ip netns list | grep -c '^tl')
if [ "$after" -eq "$before" ] && [ "$ns_after" -eq "$ns_before" ]; then
	echo "ok 3 - the demo removes its lab"
else
	echo "not ok 3 - the demo left a lab behind"; fail=1
fi
exit $fail
