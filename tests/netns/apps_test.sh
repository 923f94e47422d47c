#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The lab apps between two namespaces, each publishing probe events to a
# probe socket that a stand-in tracer (probecat) reads:
#
#   tlt<pid>a (client)                      tlt<pid>b (server)
#   tlt<pid>a-w0 192.0.2.2/24 ---- veth ---- tlt<pid>b-w0 192.0.2.1/24
#
# Every packet stays between these two namespaces.
set -u
BUILD=${BUILD:-build}
TUNLAB=${TUNLAB:-$BUILD/tunlab}
PROBECAT=$(cd "$(dirname "$BUILD/tests/probecat")" && pwd)/probecat
n=0 fail=0

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - lab apps # SKIP needs root (network namespaces)"
	exit 0
fi

if [ ! -x "$PROBECAT" ]; then
	echo "not ok 1 - $PROBECAT is missing (make unit-bin builds it)"
	exit 1
fi

id=$$
A=tlt${id}a B=tlt${id}b
DIR=$(mktemp -d /tmp/tunlab-apps.XXXXXX)
SOCK=$DIR/probe.sock
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

ip netns add "$A" && ip netns add "$B" &&
ip link add "$A-w0" netns "$A" type veth peer name "$B-w0" netns "$B" &&
ip -n "$A" addr add 192.0.2.2/24 dev "$A-w0" &&
ip -n "$B" addr add 192.0.2.1/24 dev "$B-w0" &&
ip -n "$A" link set "$A-w0" up && ip -n "$B" link set "$B-w0" up &&
ip -n "$A" link set lo up && ip -n "$B" link set lo up || {
	echo "not ok 1 - set up two namespaces"; exit 1; }

# run_in NS HOST CMD...: run CMD in NS with the probe environment of HOST.
run_in() {
	ns=$1 host=$2
	shift 2
	ip netns exec "$ns" env TUNLAB_PROBE="$SOCK" TUNLAB_HOST="$host" "$@"
}

# start_in NS HOST CMD...: the same in the background; ip and env exec, so
# $! is the command's own pid and the test stops exactly what it started.
start_in() {
	ns=$1 host=$2
	shift 2
	ip netns exec "$ns" env TUNLAB_PROBE="$SOCK" TUNLAB_HOST="$host" "$@" &
}

# An AF_UNIX datagram socket queues net.unix.max_dgram_qlen datagrams (10
# by default), fixed when the socket is made, from its namespace's value:
# so the reader binds its socket inside a namespace of ours with room for
# bursts, as the tracer does.
ip netns exec "$B" sysctl -qw net.unix.max_dgram_qlen=4096

# start_probecat SECONDS COUNT: a stand-in tracer, output in $DIR/events.
start_probecat() {
	# The last one's "ready" must not count: the redirection below truncates
	# only once the background child runs.
	rm -f "$DIR/probecat.err"
	ip netns exec "$B" "$PROBECAT" "$SOCK" "$1" "$2" >"$DIR/events" \
		2>"$DIR/probecat.err" &
	pc=$!
	pids="$pids $pc"
	i=0
	while ! grep -q ready "$DIR/probecat.err" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# wait_for FILE PATTERN: until FILE has PATTERN (5 s at most).
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# --- echo: one datagram out and back, four events with one digest.
start_probecat 10 4
start_in "$B" office "$TUNLAB" app echo --server --count 1 >"$DIR/echo-srv" 2>&1
srv=$!
pids="$pids $srv"
wait_for "$DIR/echo-srv" "echo server on"
run_in "$A" mobile "$TUNLAB" app echo --message "hello tunnel" 192.0.2.1 \
	>"$DIR/echo-cli" 2>&1
check "echo client gets its datagram back" "[ $? -eq 0 ] && grep -q '12 bytes from 192.0.2.1:7' '$DIR/echo-cli'"
wait "$srv"
check "echo server exits after --count 1" "[ $? -eq 0 ]"
wait "$pc"
check "four probe events: send, receive, send back, receive" \
	"[ \$(grep -c '^step=' '$DIR/events') -eq 4 ]"
check "the client's send is step 1 on mobile, its receive step 1' (id 13)" \
	"grep -q '^step=0 kind=0 src=0 host=mobile dev=echo len=12' '$DIR/events' && grep -q '^step=13 kind=1 src=0 host=mobile' '$DIR/events'"
check "the server's receive and reply are on office" \
	"[ \$(grep -c 'host=office dev=echo len=12' '$DIR/events') -eq 2 ]"
check "every event carries the same payload digest" \
	"[ \$(sed -n 's/.*digest=\([0-9a-f]*\).*/\1/p' '$DIR/events' | sort -u | wc -l) -eq 1 ]"

# --- chat: a line to an echoing server and back.
start_probecat 10 4
start_in "$B" office "$TUNLAB" app chat --server --echo --count 1 >"$DIR/chat-srv" 2>&1
srv=$!
pids="$pids $srv"
wait_for "$DIR/chat-srv" "chat server on"
run_in "$A" mobile "$TUNLAB" app chat --message "hi office" --count 1 192.0.2.1 \
	>"$DIR/chat-cli" 2>&1
check "chat client sees its line come back" "[ $? -eq 0 ] && grep -q '^hi office$' '$DIR/chat-cli'"
wait "$srv"
check "chat server shows the line with its sender" "grep -q '^\[192.0.2.2:[0-9]*\] hi office' '$DIR/chat-srv'"
wait "$pc"
check "chat publishes write and read on both hosts" \
	"[ \$(grep -c 'dev=chat len=10' '$DIR/events') -eq 4 ]"

# --- send: 200 distinct datagrams, all counted at the far end.
start_probecat 20 400
start_in "$B" office "$TUNLAB" app send --server --count 200 >"$DIR/send-srv" 2>&1
srv=$!
pids="$pids $srv"
wait_for "$DIR/send-srv" "counting on"
run_in "$A" mobile "$TUNLAB" app send --count 200 --size 100 --rate 2000 192.0.2.1 \
	>"$DIR/send-cli" 2>&1
check "send sends 200 messages" "[ $? -eq 0 ] && grep -q 'sent 200 messages of 100 bytes' '$DIR/send-cli'"
wait "$srv"
check "the sink counts 200 datagrams" "grep -q 'received 200 datagrams, 20000 bytes' '$DIR/send-srv'"
wait "$pc"
check "400 probe events, 200 distinct digests" \
	"[ \$(grep -c '^step=' '$DIR/events') -eq 400 ] && [ \$(sed -n 's/.*digest=\([0-9a-f]*\).*/\1/p' '$DIR/events' | sort -u | wc -l) -eq 200 ]"

# --- no tracer: the apps work and say what went unheard.
rm -f "$SOCK"
start_in "$B" office "$TUNLAB" app echo --server --count 1 --quiet >/dev/null 2>&1
srv=$!
pids="$pids $srv"
sleep 0.3
run_in "$A" mobile "$TUNLAB" app echo 192.0.2.1 >"$DIR/notracer" 2>&1
check "without a tracer the echo still works and reports unheard events" \
	"[ $? -eq 0 ] && grep -q 'unheard (no tracer)' '$DIR/notracer'"
wait "$srv"

# --- a stalled tracer never blocks an app: events are dropped and counted.
start_probecat 30 0
kill -STOP "$pc"
start_in "$B" office "$TUNLAB" app send --server --count 3000 --quiet >/dev/null 2>&1
srv=$!
pids="$pids $srv"
sleep 0.3
start=$(date +%s)
run_in "$A" mobile timeout 20 "$TUNLAB" app send --count 3000 --rate 0 --quiet \
	192.0.2.1 >"$DIR/stalled" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
check "with the tracer stalled, 3000 sends finish at once (${took} s)" \
	"[ $rc -eq 0 ] && [ $took -lt 10 ]"
check "and the events the tracer could not take are counted as dropped" \
	"grep -q '[1-9][0-9]* dropped (tracer busy)' '$DIR/stalled'"
kill -CONT "$pc"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null

# --- bad input is refused clearly.
"$TUNLAB" app echo >"$DIR/bad" 2>&1
check "a client without HOST: exit status 2" "[ $? -eq 2 ] && grep -q 'needs one HOST' '$DIR/bad'"
"$TUNLAB" app send --port 70000 x >"$DIR/bad" 2>&1
check "a port out of range: exit status 2" "[ $? -eq 2 ]"
run_in "$A" mobile "$TUNLAB" app chat --timeout 1000 --message x 192.0.2.1 >"$DIR/bad" 2>&1
check "chat to a closed port fails with a clear message" \
	"[ $? -eq 1 ] && grep -q 'connect to 192.0.2.1:23: Connection refused' '$DIR/bad'"
exit $fail
