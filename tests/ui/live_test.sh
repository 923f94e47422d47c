#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tunlab ui on a running lab, driven in tmux: a UDP echo through the
# tunnel shows up live as two delivered packets, space pauses the display
# without losing what comes meanwhile, Q quits and gives back the terminal
# and the tracer's kernel instance.  Every packet stays inside the lab.
set -u
. "$(dirname "$0")/../lib.sh"
need_root live
. "$(dirname "$0")/uilib.sh"
LAB=tlU$$l
trap '"$TUNLAB" down --lab "$LAB" --quiet >/dev/null 2>&1; ui_cleanup' EXIT
trap 'exit 1' INT TERM

# echo_once: one UDP echo from mobile to office through the tunnel.
echo_once() {
	"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app echo --server \
		--count 1 --quiet >/dev/null 2>&1 &
	sleep 0.3
	"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app echo \
		--message "$1" --quiet 10.8.0.1 >/dev/null 2>&1
}

"$TUNLAB" up --name "$LAB" --quiet >"$DIR/up.log" 2>&1 ||
	{ echo "not ok 1 - tunlab up"; sed 's/^/# /' "$DIR/up.log"; exit 1; }
start l 100 30 "'$TUNLAB' ui --lab '$LAB'"
check "tunlab ui opens on the lab, following" "wait_for l 'live: lab $LAB .*\\[follow\\]'"
# The daemons look for a tracer again at most once a second (probe_pub.h):
# wait until they have surely found this one.
sleep 1.5
# replies N: how many delivered echo replies the packet list shows (their
# numbers vary: a wire's ARP or a keepalive may come first).
replies() {
	screen l | grep -c '^[> ] *[0-9][0-9]*  *[0-9.]* UDP 10.8.0.1.10.8.0.2 .*delivered'
}
echo_once "live one"
check "the echo's request and reply appear, delivered" \
	"wait_for l '^[> ] *[0-9][0-9]*  *[0-9.]* UDP 10.8.0.1.10.8.0.2 .*delivered' &&
	 wait_for l '^[> ] *[0-9][0-9]*  *[0-9.]* UDP 10.8.0.2.10.8.0.1 .*delivered'"
[ "$fail" -eq 0 ] || screen l | sed 's/^/# /'
r1=$(replies)
keys l ' '
check "space pauses the display" "wait_for l '\\[PAUSED\\]'"
n1=$(screen l | sed -n 's/.* \([0-9]*\) ev [0-9]* pkt.*/\1/p' | head -1)
echo_once "while paused"
sleep 0.5
check "while paused, the list does not move" "[ \"\$(replies)\" = '$r1' ]"
keys l ' '
check "space resumes, and what came meanwhile is there" \
	"i=0; while [ \$i -lt 100 ] && [ \"\$(replies)\" -le '$r1' ]; do sleep 0.1; i=\$((i + 1)); done; [ \"\$(replies)\" -gt '$r1' ]"
n2=$(screen l | sed -n 's/.* \([0-9]*\) ev [0-9]* pkt.*/\1/p' | head -1)
check "events went on while paused ($n1 -> $n2)" "[ '${n2:-0}' -gt '${n1:-0}' ]"
pid=$(pgrep -f "^$TUNLAB ui --lab $LAB\$" | head -1)
keys l Q
check "Q quits with status 0" "wait_for l 'UI-EXIT=0'"
check "the terminal is given back" "[ \"\$(tm display -p -t l '#{alternate_on}')\" = 0 ]"

check "the tracer's kernel instance is gone (pid ${pid:-?})" \
	"[ -n '$pid' ] && ! ls /sys/kernel/tracing/instances 2>/dev/null | grep -q 'tunlab-$pid\$'"

# Stopped by a signal: the tracer is closed before the process dies of it.
start t 100 30 "'$TUNLAB' ui --lab '$LAB'"
check "tunlab ui opens again" "wait_for t 'live: lab $LAB'"
pid=$(pgrep -f "^$TUNLAB ui --lab $LAB\$" | head -1)
[ -n "$pid" ] && kill -TERM "$pid"
check "SIGTERM ends it by the signal (status 143)" "wait_for t 'UI-EXIT=143'"
check "and its kernel instance is gone too (pid ${pid:-?})" \
	"[ -n '$pid' ] && ! ls /sys/kernel/tracing/instances 2>/dev/null | grep -q 'tunlab-$pid\$'"
exit $fail
