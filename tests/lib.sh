# SPDX-License-Identifier: GPL-2.0-only
# What the shell tests share (sourced, never run): TAP lines, the root
# check, and reading a trace's JSON Lines export.

n=0
fail=0

# check WHAT EXPR: evaluate EXPR, print "ok N - WHAT" or "not ok N - WHAT".
check() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		fail=1
	fi
}

# need_root NAME: without root, say the test is skipped, and stop.
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok - $1 # SKIP needs root (network namespaces)"
		exit 0
	fi
}

# points JSONL PKT: the points packet PKT was seen at, in step order.
points() {
	grep "\"pkt\":$2," "$1" |
		sed 's/.*"step":"\([^"]*\)","step_id":\([0-9]*\),.*/\2 \1/' |
		sort -n -u | cut -d' ' -f2 | tr '\n' ' '
}
