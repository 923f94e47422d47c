#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every test tier and end with one summary line (make test).
#
# Tiers: unit (cmocka), asan (the unit tests again under ASan+UBSan), golden
# (dissector output and tshark comparison), trace (trace files read by
# tshark), and the namespace, UI and fuzz-smoke tiers as they exist.
# Every test prints TAP lines: "ok - what", "not ok - what",
# "ok - what # SKIP why".  A test that cannot run says why and counts as
# skipped, never as passed.
set -u

BUILD=${1:-build}
export BUILD
TUNLAB=$(cd "$(dirname "$BUILD/tunlab")" && pwd)/tunlab
export TUNLAB
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
LOGS="$BUILD/test-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"

total_pass=0 total_fail=0 total_skip=0
tier_summary=""
skipped_notes=""

# Count TAP lines of a log; sets p f s.
count_tap() {
	p=$(grep -c -E '^ok [0-9]* ?-? ?' "$1" 2>/dev/null) || p=0
	s=$(grep -c -E '^ok .*# (SKIP|skip)' "$1" 2>/dev/null) || s=0
	f=$(grep -c -E '^not ok' "$1" 2>/dev/null) || f=0
	p=$((p - s))
}

# run_one TIER NAME COMMAND...: run a test program, record its results.
run_one() {
	tier=$1 name=$2
	shift 2
	log="$LOGS/$tier-$name.log"
	"$@" >"$log" 2>&1
	rc=$?
	count_tap "$log"
	# A crash or a non-zero exit without a failing line still fails.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1
		echo "not ok - $name reported no results" >>"$log"
	fi
	tier_p=$((tier_p + p)) tier_f=$((tier_f + f)) tier_s=$((tier_s + s))
	status="ok"
	[ "$f" -gt 0 ] && status="FAILED"
	printf '  %-7s %-28s %4d passed %3d failed %3d skipped  %s\n' \
		"$tier" "$name" "$p" "$f" "$s" "$status"
	if [ "$f" -gt 0 ]; then
		echo "  ---- $log (failures and last lines) ----"
		grep -E '^not ok|^# ' "$log" | head -40 | sed 's/^/    /'
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
	grep -E '^ok .*# (SKIP|skip)' "$log" | sed "s/^/  $tier skipped: /" |
		head -5
	if [ "$s" -gt 0 ]; then
		skipped_notes="$skipped_notes $tier/$name"
	fi
}

begin_tier() {
	tier_p=0 tier_f=0 tier_s=0
	echo "== $1: $2"
}

end_tier() {
	total_pass=$((total_pass + tier_p))
	total_fail=$((total_fail + tier_f))
	total_skip=$((total_skip + tier_s))
	tier_summary="$tier_summary $1 $tier_p/$((tier_p + tier_f))"
	[ "$tier_s" -gt 0 ] && tier_summary="$tier_summary (+$tier_s skipped)"
	tier_summary="$tier_summary,"
}

# Unit binaries report TAP through cmocka.
run_unit_dir() {
	for bin in "$1"/tests/test_*; do
		[ -x "$bin" ] || continue
		case "$bin" in *.o|*.d) continue ;; esac
		CMOCKA_MESSAGE_OUTPUT=TAP run_one "$2" "$(basename "$bin")" "$bin"
	done
}

# Script tiers: every tests/TIER/*_test.sh (other scripts there are helpers).
run_script_tier() {
	tier=$1
	found=0
	for t in "$TOP"/tests/"$tier"/*_test.sh; do
		[ -f "$t" ] || continue
		found=1
		run_one "$tier" "$(basename "$t" _test.sh)" sh "$t"
	done
	[ "$found" -eq 1 ] || echo "  (no $tier tests yet)"
}

begin_tier unit "cmocka unit tests"
run_unit_dir "$BUILD" unit
end_tier unit

begin_tier asan "unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_unit_dir "$BUILD/asan" asan
end_tier asan

for tier in cli golden trace netns ui fuzz; do
	case $tier in
	cli) what="the command line: help, errors, exit statuses, man page" ;;
	golden) what="dissector output against expected text and tshark" ;;
	trace) what="trace files read back by tshark" ;;
	netns) what="labs in network namespaces (needs root)" ;;
	ui) what="the UI driven in tmux" ;;
	fuzz) what="fuzz smoke: every parser on random and mutated input" ;;
	esac
	begin_tier "$tier" "$what"
	run_script_tier "$tier"
	end_tier "$tier"
done

result="passed"
[ "$total_fail" -gt 0 ] && result="FAILED"
echo "tunlab tests $result: $total_pass passed, $total_fail failed," \
	"$total_skip skipped —${tier_summary%,}"
[ "$total_fail" -eq 0 ]
