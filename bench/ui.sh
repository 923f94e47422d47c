#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The UI's speed (issue 6): a trace of about a million events opens and is
# navigable in under 1 s, and the UI uses under 2 % of a CPU when idle.
#
#   sh bench/ui.sh [BUILD] [EVENTS]
#
# 1. tests/tools/tracegen writes a synthetic trace of EVENTS (1000000)
#    events into a temp dir;
# 2. build/bench/ui-open times loading and indexing it, and the moves the
#    keys make (no terminal);
# 3. the real tunlab view runs on it in a private tmux server (tmux -L
#    tlbench<pid>): the time until its first screen, then right arrows
#    until the status line follows, then the CPU it uses (utime + stime
#    from /proc/PID/stat) over 5 s idle, and again over 5 s of replay.
# Needs no root; removes its temp dir and tmux server on exit.
set -eu
BUILD=${1:-build}
EVENTS=${2:-1000000}
SOCK=tlbench$$
DIR=$(mktemp -d /tmp/tunlab-uibench.XXXXXX)
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"; rm -rf "$DIR"' EXIT
TUNLAB=$(cd "$BUILD" && pwd)/tunlab

# tracegen writes 18 events per packet, and a dropped datagram at the end.
"$BUILD/tests/tracegen" "$DIR/big.pcapng" $(( EVENTS / 18 )) >/dev/null
"$BUILD/bench/ui-open" "$DIR/big.pcapng"

now() { date +%s.%N; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

t0=$(now)
tmux -L "$SOCK" new-session -d -x 120 -y 40 "'$TUNLAB' view '$DIR/big.pcapng'"
i=0
until tmux -L "$SOCK" capture-pane -p | grep -q ' event 0/'; do
	sleep 0.02
	i=$((i + 1))
	[ "$i" -lt 1500 ] || { echo "ui.sh: the view did not open in 30 s"; exit 1; }
done
t1=$(now)
n=$(tmux -L "$SOCK" capture-pane -p | sed -n 's/.* event 0\/\([0-9]*\).*/\1/p')
echo "tunlab view: first screen of $n events after $(echo "$t1 - $t0" | bc) s"
for k in 1 2 3 4 5 6 7 8 9 10; do tmux -L "$SOCK" send-keys Right; done
tmux -L "$SOCK" send-keys End
until tmux -L "$SOCK" capture-pane -p | grep -q " event $n/$n "; do sleep 0.02; done
t2=$(now)
echo "  10 right arrows and End answered after $(echo "$t2 - $t1" | bc) s"
pid=$(pgrep -f "^$TUNLAB view $DIR/big.pcapng\$" | head -1)
a=$(ticks "$pid")
sleep 5
b=$(ticks "$pid")
echo "  idle: $(echo "scale=2; ($b - $a) * 100 / $hz / 5" | bc) % of a CPU over 5 s"
tmux -L "$SOCK" send-keys Home + + + + ' '
a=$(ticks "$pid")
sleep 5
b=$(ticks "$pid")
echo "  replaying at 100 events/s: $(echo "scale=2; ($b - $a) * 100 / $hz / 5" | bc) % of a CPU"
echo "  resident memory: $(awk '/VmRSS/ { print $2 / 1024 " MiB" }' /proc/"$pid"/status)"
tmux -L "$SOCK" send-keys Q
