#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernel source of the tracer (tracer/ktrace.c) through ktracecat, on
# two labs at once, each with its VPN running:
#
#   lab K (tlK<pid>)                       lab J (tlJ<pid>)
#   mobile tl<k>m-tun 10.8.0.2             mobile tl<j>m-tun 10.8.0.2
#          tl<k>m-w0 192.0.2.2 --+         tl<j>m-w0 192.0.2.2 --+
#   office tl<k>o-w0 192.0.2.1 --+         tl<j>o-w0 192.0.2.1 --+
#          tl<k>o-tun 10.8.0.1             tl<j>o-tun 10.8.0.1
#
# Both labs use the same addresses: only device names and namespaces tell
# them apart.  One UDP echo crosses lab K's tunnel while a ping crosses lab
# J's; each lab's ktracecat must see its own lab's steps, in order, and
# nothing of the other.  Then the tracefs instances must be gone: after a
# normal exit, after SIGTERM, and after SIGKILL once the stale ones are
# removed.
set -u
BUILD=${BUILD:-build}
TUNLAB=$(cd "$(dirname "${TUNLAB:-$BUILD/tunlab}")" && pwd)/tunlab
KTRACECAT=$(cd "$(dirname "$BUILD/tests/ktracecat")" && pwd)/ktracecat
TRACEFS=/sys/kernel/tracing
n=0 fail=0

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - ktrace # SKIP needs root (tracefs, network namespaces)"
	exit 0
fi
if [ ! -d "$TRACEFS/instances" ] && ! mount -t tracefs nodev "$TRACEFS" \
	2>/dev/null; then
	echo "ok - ktrace # SKIP tracefs is not available"
	exit 0
fi
if [ ! -d "$TRACEFS/events/net/net_dev_queue" ]; then
	echo "ok - ktrace # SKIP this kernel has no net tracepoints"
	exit 0
fi
if [ ! -x "$KTRACECAT" ]; then
	echo "not ok 1 - $KTRACECAT is missing (make unit-bin builds it)"
	exit 1
fi

K=tlK$$ J=tlJ$$
DIR=$(mktemp -d /tmp/tunlab-ktrace.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "$K" --quiet >/dev/null 2>&1
	"$TUNLAB" down --lab "$J" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# wait_for FILE PATTERN [TENTHS]: until FILE has PATTERN (5 s by default).
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt "${3:-50}" ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep -q "$2" "$1" 2>/dev/null
}

# wait_gone PID [TENTHS]: until process PID has exited (5 s by default).
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "${2:-50}" ]; do
		sleep 0.1; i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# lab_up NAME: a lab with its tunnel up; prints the lab's device prefix.
lab_up() {
	timeout 60 "$TUNLAB" up --name "$1" --quiet >"$DIR/$1.up" 2>&1 ||
		return 1
	id=$(sed -n 's/^id //p' "/run/tunlab/$1/state")
	[ -n "$id" ] || return 1
	wait_for "/run/tunlab/$1/tunnel-mobile.status" "state ready" 100 ||
		return 1
	echo "tl$id"
}

# in_order FILE PATTERN...: the lines of FILE (sorted by time) match the
# patterns one after the other; says which one was not found.
in_order() {
	f=$1
	shift
	sed 's/^ts=//' "$f" | sort -n -k1,1 >"$f.sorted"
	awk -v n=$# 'BEGIN { for (i = 1; i < ARGC; i++) pat[i] = ARGV[i];
			     ARGC = 2; ARGV[1] = "'"$f.sorted"'"; k = 1 }
		k <= n && $0 ~ pat[k] { k++ }
		END { if (k <= n) { print "missing: " pat[k]; exit 1 } }' "$@"
}

PK=$(lab_up "$K") && PJ=$(lab_up "$J") || {
	echo "not ok 1 - bring up two labs with their tunnels"
	cat "$DIR"/*.up
	exit 1
}
ok "two labs up, tunnels ready ($K: $PK, $J: $PJ)"

# --- one tracer per lab, side by side.
"$KTRACECAT" "$PK" "$PK-mobile" "$PK-office" 30 >"$DIR/k.out" \
	2>"$DIR/k.err" &
kcat=$!
pids="$pids $kcat"
"$KTRACECAT" "$PJ" "$PJ-mobile" "$PJ-office" 8 >"$DIR/j.out" \
	2>"$DIR/j.err" &
jcat=$!
pids="$pids $jcat"
wait_for "$DIR/k.err" "^ready" 100 && wait_for "$DIR/j.err" "^ready" 100
check "both tracers start, each in its own instance" \
	"grep -q '^ready tunlab-$kcat\$' '$DIR/k.err' && grep -q '^ready tunlab-$jcat\$' '$DIR/j.err' && [ -d '$TRACEFS/instances/tunlab-$kcat' ] && [ -d '$TRACEFS/instances/tunlab-$jcat' ]"
check "the instance uses the mono clock and wakes on one event" \
	"grep -q '\\[mono\\]' '$TRACEFS/instances/tunlab-$kcat/trace_clock' && [ \"\$(cat '$TRACEFS/instances/tunlab-$kcat/buffer_percent')\" = 0 ]"
check "every tracepoint is available on this kernel" \
	"! grep 'not available' '$DIR/k.err'"

# --- lab K: one UDP echo through the tunnel; lab J: a ping through its own.
"$TUNLAB" exec --lab "$K" office -- "$TUNLAB" app echo --server --count 1 \
	>"$DIR/srv" 2>&1 &
srv=$!
pids="$pids $srv"
wait_for "$DIR/srv" "echo server on"
"$TUNLAB" exec --lab "$J" mobile -- ping -c 2 -i 0.2 -W 2 10.8.0.1 \
	>"$DIR/ping" 2>&1 &
png=$!
pids="$pids $png"
"$TUNLAB" exec --lab "$K" mobile -- "$TUNLAB" app echo --message \
	"hello kernel" 10.8.0.1 >"$DIR/cli" 2>&1 &
cli=$!
wait_gone "$cli" 100
wait "$cli"
check "the echo crosses lab $K's tunnel" \
	"[ $? -eq 0 ] && grep -q '12 bytes from 10.8.0.1' '$DIR/cli'"
wait_gone "$srv" 50
wait_gone "$png" 50
check "the ping crosses lab $J's tunnel" "grep -q '2 received' '$DIR/ping'"
# A datagram to a port nobody serves: office's kernel drops it.
"$TUNLAB" exec --lab "$K" mobile -- timeout 10 "$TUNLAB" app send \
	--count 1 --port 9 --quiet 10.8.0.1 >"$DIR/send" 2>&1
wait_for "$DIR/k.out" "NO_SOCKET" 30
sleep 0.5

# --- what lab K's tracer saw, one step after the other.
M="ns=$PK-mobile" O="ns=$PK-office"
check "the app's sendto, by the app (pid $cli) in mobile's namespace" \
	"grep -q 'pid=$cli .*$M point=syscalls:sys_enter_sendto fd=[0-9]* count=12' '$DIR/k.out'"
# The echo client connects its socket: the route is looked up then, before
# the sendto, and cached for it.
in_order "$DIR/k.out" \
	"pid=$cli .*point=fib:fib_table_lookup dev=${PK}m-tun .*dst=10.8.0.1 dport=7 " \
	"pid=$cli .*point=syscalls:sys_enter_sendto.*count=12" \
	"point=net:net_dev_queue dev=${PK}m-tun " \
	"$M point=syscalls:sys_exit_read ret=40" \
	"point=fib:fib_table_lookup dev=${PK}m-w0 .*dst=192.0.2.1 dport=1194 " \
	"point=net:net_dev_queue dev=${PK}m-w0 " \
	"point=net:net_dev_xmit dev=${PK}m-w0 " \
	"point=net:netif_receive_skb dev=${PK}o-w0 " \
	"$O point=syscalls:sys_exit_recvmmsg ret=1" \
	"$O point=syscalls:sys_enter_write fd=[0-9]* count=40" \
	"point=net:netif_receive_skb dev=${PK}o-tun " \
	"$O point=syscalls:sys_exit_recvfrom ret=12" \
	"$O point=syscalls:sys_enter_sendto fd=[0-9]* count=12" \
	"point=net:net_dev_queue dev=${PK}o-tun " \
	"point=fib:fib_table_lookup dev=${PK}o-w0 .*dst=192.0.2.2 " \
	"point=net:net_dev_xmit dev=${PK}o-w0 " \
	"point=net:netif_receive_skb dev=${PK}m-w0 " \
	"point=net:netif_receive_skb dev=${PK}m-tun " \
	"pid=$cli .*point=syscalls:sys_exit_recvfrom ret=12" \
	>"$DIR/order" 2>&1
[ -s "$DIR/order" ] && why=" ($(cat "$DIR/order"))" || why=""
check "the echo's steps, out and back, in time order$why" \
	"[ ! -s '$DIR/order' ]"
check "routing picks mobile's tun for the inner packet, its wire for the outer" \
	"grep -q 'comm=tunlab ctx=task $M point=fib:fib_table_lookup dev=${PK}m-tun src=10.8.0.2' '$DIR/k.out' && grep -q 'point=fib:fib_table_lookup dev=${PK}m-w0 .*dport=1194 ' '$DIR/k.out'"
check "sock_send_length and sock_recv_length of the app" \
	"grep -q 'pid=$cli .*point=sock:sock_send_length family=2 protocol=17 ret=12' '$DIR/k.out' && grep -q 'pid=$cli .*point=sock:sock_recv_length family=2 protocol=17 ret=12' '$DIR/k.out'"
check "consume_skb ends the life of a lab skb (the daemon read it from tun)" \
	"grep -q 'point=skb:consume_skb skb=.*location=tun_do_read' '$DIR/k.out'"
check "kfree_skb gives the drop reason by number and name: NO_SOCKET" \
	"grep -q 'point=skb:kfree_skb reason=[0-9]* reason_name=NO_SOCKET' '$DIR/k.out'"

# --- nothing of the other lab.
check "lab $K's trace has nothing of lab $J" \
	"! grep -q '$PJ' '$DIR/k.out'"
check "lab $J's tracer saw its ping cross office's wire and tun" \
	"grep -q 'point=net:netif_receive_skb dev=${PJ}o-w0 ' '$DIR/j.out' && grep -q 'point=net:netif_receive_skb dev=${PJ}o-tun ' '$DIR/j.out'"
check "lab $J's trace has nothing of lab $K" \
	"! grep -q '$PK' '$DIR/j.out'"
check "every kept event is of the lab's devices or namespaces" \
	"! grep -v 'dev=${PK}\\|ns=$PK-' '$DIR/k.out' | grep -v 'point=skb:' | grep -q ."

# --- the instances go away: J by its own end, K by SIGTERM.
wait_gone "$jcat" 100
wait "$jcat"
check "lab $J's tracer ends by itself, its instance removed" \
	"[ $? -eq 0 ] && [ ! -d '$TRACEFS/instances/tunlab-$jcat' ]"
kill -TERM "$kcat"
wait_gone "$kcat" 50
wait "$kcat"
check "lab $K's tracer ends on SIGTERM, its instance removed" \
	"[ $? -eq 0 ] && [ ! -d '$TRACEFS/instances/tunlab-$kcat' ]"
check "the tracer counts what it read and what it lost" \
	"grep -q 'ktracecat: records [0-9]* delivered [0-9]* .* lost kernel [0-9]* pid-gone' '$DIR/k.err'"
grep 'ktracecat: records\|overrun' "$DIR/k.err" | sed 's/^/# /'

# --- a SIGKILLed tracer leaves its instance; the stale clean-up takes it.
"$KTRACECAT" "$PK" "$PK-mobile" 30 >/dev/null 2>"$DIR/kill.err" &
kk=$!
pids="$pids $kk"
wait_for "$DIR/kill.err" "^ready" 100
kill -KILL "$kk"
wait_gone "$kk" 50
wait "$kk" 2>/dev/null
check "SIGKILL leaves tunlab-$kk behind" \
	"[ -d '$TRACEFS/instances/tunlab-$kk' ]"
"$KTRACECAT" -S >"$DIR/stale" 2>&1
check "the stale clean-up removes it ($(cat "$DIR/stale"))" \
	"[ ! -d '$TRACEFS/instances/tunlab-$kk' ]"
check "no tunlab-* instance of this test is left" \
	"! ls '$TRACEFS/instances' | grep -qx 'tunlab-\\($kcat\\|$jcat\\|$kk\\)\\(-.*\\)\\?'"
left=$(ls "$TRACEFS/instances" | grep '^tunlab-' | tr '\n' ' ')
[ -z "$left" ] || echo "# tunlab-* instances of other live tracers: $left"

if [ $fail -ne 0 ]; then
	for f in k.err j.err; do sed "s/^/# $f: /" "$DIR/$f"; done
	grep -v 'sys_exit_read\|sys_enter_write' "$DIR/k.out" | cut -c1-200 |
		sed 's/^/# k.out: /' | head -80
fi
echo "1..$n"
exit $fail
