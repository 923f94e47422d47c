#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The tracer's cost and capacity, in one run on a lab of its own:
#  1. iperf3 TCP through the tunnel with tracing off, then on (every packet,
#     every point, headers plus 128 bytes of payload): the throughput ratio;
#  2. UDP at an offered 10,000 packets/s, traced: events per second and the
#     losses every source counted.
# Targets (issue 5): at 10,000 packets/s, loss <= 0.1 %; at full speed,
# tracing on keeps >= 50 % of the untraced throughput, every loss counted.
# Usage: sudo bench/trace.sh [-t SECONDS] [-n REPEATS]
set -u
T=$(cd "$(dirname "$0")/.." && pwd)/build/tunlab
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
echo "bench/trace.sh: lab $LAB, $REPEATS repeats of $SECS s; $(nproc) CPUs"

off="" on=""
for i in $(seq "$REPEATS"); do
	off="$off $(tcp_gbits)"
	"$T" trace --lab "$LAB" -w "$DIR/tcp.pcapng" --snaplen 200 --quiet \
		--duration $((SECS + 3)) 2>"$DIR/tcp.err" &
	tr=$!
	pids="$pids $tr"
	sleep 1
	on="$on $(tcp_gbits)"
	wait "$tr"
	echo "  #$i TCP off $(echo "$off" | awk '{print $NF}') Gbit/s, on $(echo "$on" | awk '{print $NF}') Gbit/s; $(tail -n 1 "$DIR/tcp.err" | sed 's/^tunlab trace: //')"
done
moff=$(echo "$off" | tr ' ' '\n' | grep . | median)
mon=$(echo "$on" | tr ' ' '\n' | grep . | median)
ratio=$(echo "$mon $moff" | awk '{printf "%.2f", $1 / $2}')

# 10,000 packets/s for SECS seconds, traced.
count=$((10000 * SECS))
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
summary=$(tail -n 1 "$DIR/udp.err")
events=$(echo "$summary" | sed -n 's/.*: \([0-9]*\) events,.*/\1/p')
lost=$(echo "$summary" | grep -o '[0-9]* frames (pcap)\|[0-9]* malformed\|[0-9]* late\|[0-9]* kernel events (tracefs' |
	awk '{s += $1} END {print s + 0}')
rate=$(echo "$events $SECS" | awk '{printf "%.0f", $1 / $2}')
lossp=$(echo "$lost $events" | awk '{printf "%.4f", $2 ? 100 * $1 / ($1 + $2) : 0}')

echo
echo "TCP through the tunnel: untraced $moff Gbit/s, traced $mon Gbit/s: ratio $ratio (target >= 0.50)"
echo "UDP at 10,000 packets/s: $events events ($rate/s), $lost lost: $lossp % (target <= 0.1 %)"
echo "  $summary"
