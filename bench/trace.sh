#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The tracer's cost and capacity, in one run on a lab of its own:
#  1. iperf3 TCP through the tunnel with tracing off, then on (every packet,
#     every point, headers plus 128 bytes of payload): the throughput ratio;
#  2. UDP at an offered 10,000 packets/s, traced: events per second and the
#     losses every source counted.
# Targets (issue 5): at 10,000 packets/s, loss <= 0.1 %; at full speed,
# tracing on keeps >= 50 % of the untraced throughput, every loss counted.
# Also the tracer's own CPU (utime+stime from /proc/PID/stat, in % of one
# core) over each traced TCP run.
# Usage: sudo bench/trace.sh [-t SECONDS] [-n REPEATS]
# TUNLAB=PATH runs another build (e.g. a copy that a rebuild will not touch).
set -u
T=${TUNLAB:-$(cd "$(dirname "$0")/.." && pwd)/build/tunlab}
SECS=5 REPEATS=3
while getopts t:n: o; do
	case $o in
	t) SECS=$OPTARG ;;
	n) REPEATS=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-n REPEATS]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench/trace.sh: needs root" >&2; exit 1; }
[ -x "$T" ] || { echo "bench/trace.sh: build first (make)" >&2; exit 1; }
LAB=tlbt$$
DIR=$(mktemp -d /tmp/tunlab-btrace.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$T" down --lab "$LAB" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# busy_pct: how busy the CPUs were over the last half second (all of them).
busy_pct() {
	a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " ")
		d = (y[1] - x[1]) + (y[2] - x[2]); printf "%d", d ? 100 * (y[1] - x[1]) / d : 0}'
}

# probes_count: "MADE DROPPED": the probe events both daemons made so far,
# and those they could not hand over (the tracer's socket was full: a loss
# too), from the "probes S sent D dropped U unheard" line of their status
# files (rewritten once a second: read them a second after the run).
probes_count() {
	cat /run/tunlab/"$LAB"/tunnel-*.status 2>/dev/null | awk '
		$1 == "probes" {m += $2 + $4 + $6; d += $4} END {print m + 0, d + 0}'
}

# probes_lost "M0 D0" "M1 D1": dropped during the run; probes_made: made.
probes_lost() { echo "$1 $2" | awk '{print $4 - $2}'; }
probes_made() { echo "$1 $2" | awk '{print $3 - $1}'; }

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# tcp_gbits: one iperf3 TCP run through the tunnel, Gbit/s.
tcp_gbits() {
	"$T" exec --lab "$LAB" office -- iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	sleep 0.5
	"$T" exec --lab "$LAB" mobile -- iperf3 -c 10.8.0.1 -t "$SECS" -J \
		2>/dev/null | python3 -c '
import json, sys
print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
	wait "$srv" 2>/dev/null
}

"$T" up --name "$LAB" --quiet >/dev/null 2>&1 || { echo "tunlab up failed" >&2; exit 1; }
echo "bench/trace.sh: lab $LAB, $REPEATS repeats of $SECS s; $(nproc) CPUs; $("$T" version 2>/dev/null | head -1)"
busy=$(busy_pct)
if [ "$busy" -ge 10 ]; then
	echo "WARNING: the CPUs are already ${busy}% busy before the run: other work shares this machine and the numbers will be noisy"
fi
HZ=$(getconf CLK_TCK)

off="" on=""
for i in $(seq "$REPEATS"); do
	off="$off $(tcp_gbits)"
	m0=$(probes_count)
	"$T" trace --lab "$LAB" -w "$DIR/tcp.pcapng" --snaplen 200 --quiet \
		--duration $((SECS + 3)) 2>"$DIR/tcp.err" &
	tr=$!
	pids="$pids $tr"
	sleep 1
	c0=$(cpu_ticks "$tr") t0=$(date +%s.%N)
	on="$on $(tcp_gbits)"
	c1=$(cpu_ticks "$tr") t1=$(date +%s.%N)
	cpu=$(echo "$c0 $c1 $t0 $t1 $HZ" | awk '{printf "%.0f", 100 * ($2 - $1) / $5 / ($4 - $3)}')
	wait "$tr"
	sleep 1.1
	m1=$(probes_count)
	echo "  #$i TCP off $(echo "$off" | awk '{print $NF}') Gbit/s, on $(echo "$on" | awk '{print $NF}') Gbit/s, tracer CPU ${cpu}%, probe events the daemons could not hand over $(probes_lost "$m0" "$m1") of $(probes_made "$m0" "$m1"); $(tail -n 1 "$DIR/tcp.err" | sed 's/^tunlab trace: //')"
	b=$(busy_pct)
	[ "$b" -ge 10 ] && echo "  WARNING: CPUs ${b}% busy between runs: other work on the machine"
done
moff=$(echo "$off" | tr ' ' '\n' | grep . | median)
mon=$(echo "$on" | tr ' ' '\n' | grep . | median)
ratio=$(echo "$mon $moff" | awk '{printf "%.2f", $1 / $2}')

# 10,000 packets/s for SECS seconds, traced.
count=$((10000 * SECS))
m0=$(probes_count)
"$T" trace --lab "$LAB" -w "$DIR/udp.pcapng" --snaplen 200 --quiet \
	--duration $((SECS + 3)) 2>"$DIR/udp.err" &
tr=$!
pids="$pids $tr"
sleep 1
"$T" exec --lab "$LAB" office -- "$T" app send --server --count "$count" \
	--quiet >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.3
"$T" exec --lab "$LAB" mobile -- "$T" app send --count "$count" --rate 10000 \
	--size 64 --quiet 10.8.0.1 >/dev/null 2>&1
wait "$tr"
sleep 1.1
m1=$(probes_count)
plost=$(probes_lost "$m0" "$m1")
summary=$(tail -n 1 "$DIR/udp.err")
events=$(echo "$summary" | sed -n 's/.*: \([0-9]*\) events,.*/\1/p')
lost=$(echo "$summary" | grep -o '[0-9]* frames (pcap)\|[0-9]* malformed\|[0-9]* late\|[0-9]* kernel events (tracefs\|[0-9]* without memory\|[0-9]* skipped' |
	awk -v p="$plost" '{s += $1} END {print s + p}')
rate=$(echo "$events $SECS" | awk '{printf "%.0f", $1 / $2}')
lossp=$(echo "$lost $events" | awk '{printf "%.4f", $2 ? 100 * $1 / ($1 + $2) : 0}')

echo
echo "TCP through the tunnel: untraced $moff Gbit/s, traced $mon Gbit/s: ratio $ratio (target >= 0.50)"
echo "UDP at 10,000 packets/s: $events events ($rate/s), $lost lost ($plost of them probe events the daemons could not hand over): $lossp % (target <= 0.1 %)"
echo "  $summary"
