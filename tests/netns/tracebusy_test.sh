#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The tracer behind: a flood of UDP through a lab's tunnel, traced with a
# small CPU budget.  It keeps to the budget (pausing), its memory stays
# bounded, and what it could not record is counted: in its summary and in
# the trace file, which tshark still reads cleanly.  Every packet stays
# inside the lab's namespaces.
set -u
. "$(dirname "$0")/../lib.sh"
need_root "busy trace"
TUNLAB=${TUNLAB:-build/tunlab}
LAB=tlT$$b
DIR=$(mktemp -d /tmp/tunlab-busy.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "$LAB" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# cpu_ticks PID, hwm_kb PID: from /proc while the process runs.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

"$TUNLAB" up --name "$LAB" --quiet >/dev/null 2>&1 ||
	{ echo "not ok 1 - tunlab up"; exit 1; }
"$TUNLAB" trace --lab "$LAB" -w "$DIR/t.pcapng" --cpu 10 --duration 12 \
	--quiet >/dev/null 2>"$DIR/trace.err" &
tracer=$!
pids="$pids $tracer"
sleep 1.5
"$TUNLAB" exec --lab "$LAB" office -- timeout 8 "$TUNLAB" app send \
	--server --count 1000000 --quiet >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.3
c0=$(cpu_ticks "$tracer") t0=$(date +%s.%N)
"$TUNLAB" exec --lab "$LAB" mobile -- timeout 3 "$TUNLAB" app send \
	--count 1000000 --rate 0 --size 64 --quiet 10.8.0.1 >/dev/null 2>&1 &
flood=$!
pids="$pids $flood"
hwm=0 i=0
while kill -0 "$flood" 2>/dev/null && [ $i -lt 40 ]; do
	h=$(hwm_kb "$tracer")
	[ "$h" -gt "$hwm" ] && hwm=$h
	sleep 0.1
	i=$((i + 1))
done
c1=$(cpu_ticks "$tracer") t1=$(date +%s.%N)
cpu=$(echo "$c0 $c1 $t0 $t1 $(getconf CLK_TCK)" |
	awk '{printf "%.0f", 100 * ($2 - $1) / $5 / ($4 - $3)}')
wait "$flood" 2>/dev/null
# After the flood (and the slices the tracer skipped, with the capture
# held until its window is half empty: at 10 % of a CPU, seconds): echoes
# every half second, the later ones recorded whole, each capture point
# once (the capture's own filters back in place).
i=0
while [ $i -lt 10 ]; do
	"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app echo --server \
		--count 1 --quiet >/dev/null 2>&1 &
	pids="$pids $!"
	sleep 0.2
	"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app echo --timeout 300 \
		--message "after the flood $i" 10.8.0.1 >/dev/null 2>&1
	sleep 0.3
	i=$((i + 1))
done
wait "$tracer"
check "the trace ends cleanly" "[ $? -eq 0 ]"
echo "# tracer: ${cpu}% of a CPU during the flood, peak memory ${hwm} kB"
echo "# $(tail -n 1 "$DIR/trace.err")"
check "it paused to keep to --cpu 10, and says so" \
	"grep -q 'paused [1-9][0-9]* ms to keep to its CPU budget (--cpu 10)' '$DIR/trace.err'"
# The kernel may charge the lab's softirq work to the tracer's time when
# it runs on the tracer's CPU: room for that above the 10 %.
check "it kept near its budget (${cpu}% of a CPU)" "[ '$cpu' -le 25 ]"
check "its memory stayed bounded (${hwm} kB at most)" "[ '$hwm' -lt 400000 ]"
"$TUNLAB" export --format jsonl "$DIR/t.pcapng" -o "$DIR/t.jsonl"
python3 - "$DIR/t.jsonl" >"$DIR/echo" <<'PY'
import json, sys
from collections import Counter
ev = [json.loads(l) for l in open(sys.argv[1])]
pk = {}
for e in ev:
    pk.setdefault(e["pkt"], []).append(e)
req = [e["pkt"] for e in ev if e["source"] == "app" and e["step"] == "1"
       and e["dev"] == "echo" and e["host"] == "mobile"]
whole = sum(1 for p in req if len({e["step"] for e in pk[p]}) == 14)
twice = sum(1 for p in req if any(n > 1 for n in Counter(
    e["step"] + e["host"] for e in pk[p] if e["source"] == "pcap").values()))
print(len(req), whole, twice)
PY
read -r nechoes whole twice <"$DIR/echo"
echo "# echoes after the flood: $nechoes recorded, $whole with all 14 points, $twice with a frame seen twice"
check "after the skipped slices, echoes are recorded whole, each frame once" \
	"[ '$whole' -ge 1 ] && [ '$twice' -eq 0 ]"
"$TUNLAB" export --format text "$DIR/t.pcapng" -o "$DIR/t.txt"
check "the trace file records the pause among its losses" \
	"head -n 5 '$DIR/t.txt' | grep -q 'paused [1-9][0-9]* ms to keep to its CPU budget'"
if command -v tshark >/dev/null 2>&1; then
	tshark -r "$DIR/t.pcapng" >"$DIR/tshark" 2>&1
	check "tshark reads the trace cleanly" \
		"! grep -v 'Running as user \"root\"' '$DIR/tshark' | grep -qi -e malformed -e 'not handled' -e 'error'"
fi
exit $fail
