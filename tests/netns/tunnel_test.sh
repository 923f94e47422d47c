#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The real tunnel (tunlab tunnel, started by tunlab up) in network
# namespaces: traffic in TUN and TAP mode, three clients on one server, bad
# input injected on the wire (tunlab inject), certificates refused,
# privileges dropped, a rekey under traffic, the MTU and MSS arithmetic.
#
# Labs this test builds (names tlT<pid>a, tlT<pid>b; ids random):
#
#   a  --clients 3 --router --lan, tun
#
#      mobile  10.8.0.2 --+
#      mobile2 10.8.0.3 --+-- internet ----- office 10.8.0.1 ----- lan
#      mobile3 10.8.0.4 --+   (a router:    (VPN server,           172.16.1.10
#        (VPN clients)         no route to   forwards)             MTU 1500
#                              10.8.0.0/24)
#
#      Later an extra client, "rekeyer" (a certificate added to the lab's
#      PKI), runs in lan (10.8.0.5) and rekeys every second under a ping
#      flood; wrong and expired certificates try to connect from mobile.
#
#   b  --dev-type tap: mobile 10.8.0.2 (tap) ---- office 10.8.0.1 (tap)
#
#   c  --offload --lan: the fast mode (TSO from the tun, UDP GSO/GRO) in
#      mobile and office, and a classic-mode client started by hand in lan
#      (certificate "classic"), all on office's one tun
#
#   d  --offload --dev-type tap: the fast mode with frames
#
# Safety: every packet is sent from inside a namespace of these labs
# (tunlab exec); from the host namespace the test only reads files and runs
# ip -n ... link/route show.  It removes only its own labs, by name, and
# signals only processes it started, by pid.  Every wait is bounded.
set -u
TUNLAB=${TUNLAB:-$(cd "$(dirname "$0")/../.." && pwd)/build/tunlab}
RUN=/run/tunlab
A=tlT$$a B=tlT$$b C=tlT$$c D=tlT$$d
n=0 failed=0
labs="" pids="" tmp=""

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - tunnel tests # SKIP needs root (network namespaces)"
	exit 0
fi
if [ ! -c /dev/net/tun ]; then
	echo "ok - tunnel tests # SKIP /dev/net/tun is missing"
	exit 0
fi
for tool in ip ethtool ping sysctl ss timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "ok - tunnel tests # SKIP $tool is not installed"
		exit 0
	fi
done
# Without them only their checks are skipped (make deps installs both).
have_nc=1 have_iperf=1
nc -h 2>&1 | grep -q -- '-N' || have_nc=0	# netcat-openbsd
command -v iperf3 >/dev/null 2>&1 || have_iperf=0
if ! getent passwd nobody >/dev/null; then
	echo "ok - tunnel tests # SKIP there is no user nobody to run as"
	exit 0
fi

# Stop what this test started, by pid, and remove its labs, by name.
cleanup() {
	trap - EXIT INT TERM
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	for l in $labs; do
		[ -d "$RUN/$l" ] && "$TUNLAB" down --quiet --lab "$l" >/dev/null 2>&1
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM
tmp=$(mktemp -d /tmp/tunlab-tunnel.XXXXXX)

ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
# diag TEXT: indented diagnostics under the last result.
diag() { printf '%s\n' "$1" | head -"${2:-6}" | sed 's/^/# /'; }

# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		diag "$out"
	fi
}

# x LAB HOST CMD...: run CMD in HOST of LAB.
x() {
	l=$1 h=$2
	shift 2
	"$TUNLAB" exec --lab "$l" "$h" -- "$@"
}

# bg LAB HOST CMD...: the same in the background, remembered for cleanup;
# tunlab exec and ip netns exec both exec, so $! is CMD's own pid.
bg() {
	l=$1 h=$2
	shift 2
	"$TUNLAB" exec --lab "$l" "$h" -- "$@" &
	bgpid=$!
	pids="$pids $bgpid"
}

# reap PID: wait for a background command (it has its own timeout).
reap() {
	wait "$1"
	rc=$?
	pids=$(echo "$pids" | sed "s/ $1\$//; s/ $1 / /")
	return $rc
}

# retry TENTHS CMD...: run CMD every 0.1 s until it succeeds, at most
# TENTHS times.
retry() {
	tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		tries=$((tries - 1))
		sleep 0.1
	done
	return 1
}

# Lab state and status files (docs/labs.md).
status() { cat "$RUN/$1/tunnel-$2.status" 2>/dev/null; }
lab_ns() { awk -v h="$2" '$1 == "host" && $2 == h { print $3 }' "$RUN/$1/state"; }
lab_dev() { awk -v h="$2" '$1 == "tunnel" && $2 == h { print $3 }' "$RUN/$1/state"; }
lab_id() { awk '$1 == "id" { print $2 }' "$RUN/$1/state"; }
daemon_pid() {
	awk -v w="tunnel-$2" '$1 == "pid" && $4 == w { print $2 }' "$RUN/$1/state"
}
# drops LAB HOST REASON: how many datagrams HOST's daemon dropped as REASON.
drops() {
	status "$1" "$2" | awk -v r="$3" '
		$1 == "drop" { n = $2; sub(/^drop [0-9]+ /, ""); if ($0 == r) c = n }
		END { print c + 0 }'
}
# counter LAB HOST KEY: the number after KEY in HOST's status.
counter() { status "$1" "$2" | awk -v k="$3" '$1 == k { print $2 }' | tail -1; }
# peer_remote LAB HOST ID: where HOST's daemon sends to peer ID.
peer_remote() { status "$1" "$2" | awk -v i="$3" '$1 == "peer" && $2 == i { print $5 }'; }
# drops_are LAB HOST REASON N: HOST counts exactly N drops as REASON.
drops_are() { [ "$(drops "$1" "$2" "$3")" -eq "$4" ]; }

# ping_ok LAB HOST ADDR [TTL]: one ping from HOST reaches ADDR (with a
# reply TTL of TTL).
ping_ok() {
	pout=$(x "$1" "$2" ping -n -c 1 -W 2 "$3" 2>&1) || return 1
	[ -z "${4:-}" ] || printf '%s\n' "$pout" | grep -q "ttl=$4 "
}

# listening LAB HOST PROTO PORT: a socket listens on PORT (ss -ltn / -lun).
listening() {
	x "$1" "$2" ss -ln"$3" | awk '{ print $4 }' | grep -q ":$4\$"
}

# up NAME OPTIONS...: bring a lab up (its tunnel daemons too).
up() {
	name=$1
	shift
	labs="$labs $name"
	check "up $name${*:+ $*}: the lab and its tunnel" \
		"$TUNLAB" up --quiet --name "$name" "$@"
}

# tcp_nc LAB FROM TO ADDR PORT WHAT: 200 kB over TCP from FROM to a nc
# listening on TO, compared byte by byte.
tcp_nc() {
	[ $have_nc -eq 1 ] || { skip "$6: TCP (nc)" "netcat-openbsd is not installed"; return; }
	head -c 200000 /dev/urandom >"$tmp/tcp.in"
	rm -f "$tmp/tcp.out"
	bg "$1" "$3" timeout 10 nc -l "$5" >"$tmp/tcp.out"
	srv=$bgpid
	if retry 30 listening "$1" "$3" t "$5" &&
	   x "$1" "$2" timeout 10 nc -N "$4" "$5" <"$tmp/tcp.in" &&
	   reap "$srv" && cmp -s "$tmp/tcp.in" "$tmp/tcp.out"; then
		ok "$6: 200 kB over TCP (nc) $2 -> $4 arrive intact"
	else
		reap "$srv"
		not_ok "$6: 200 kB over TCP (nc) $2 -> $4 arrive intact"
		diag "$(ls -l "$tmp/tcp.out" 2>&1)"
	fi
}

# udp_nc LAB FROM TO ADDR PORT WHAT: one UDP datagram (nc -u) arrives.
udp_nc() {
	[ $have_nc -eq 1 ] || { skip "$6: UDP (nc)" "netcat-openbsd is not installed"; return; }
	rm -f "$tmp/udp.out"
	bg "$1" "$3" timeout 5 nc -u -l -W 1 "$5" >"$tmp/udp.out"
	srv=$bgpid
	if retry 30 listening "$1" "$3" u "$5" &&
	   echo "udp through the tunnel $$" |
	   x "$1" "$2" timeout 5 nc -u -w 1 "$4" "$5" &&
	   reap "$srv" && grep -q "udp through the tunnel $$" "$tmp/udp.out"
	then
		ok "$6: a UDP datagram (nc -u) $2 -> $4 arrives"
	else
		reap "$srv"
		not_ok "$6: a UDP datagram (nc -u) $2 -> $4 arrives"
	fi
}

# iperf LAB SERVER CLIENT ADDR WHAT: iperf3 TCP for 1 s from CLIENT to a
# server in SERVER; the JSON report goes to $tmp/iperf.json.
iperf() {
	if [ $have_iperf -eq 0 ]; then
		skip "$5: iperf3" "iperf3 is not installed"
		return 1
	fi
	bg "$1" "$2" timeout 10 iperf3 -s -1 -p 5201 >/dev/null
	srv=$bgpid
	if retry 30 listening "$1" "$2" t 5201 &&
	   x "$1" "$3" timeout 8 iperf3 -c "$4" -p 5201 -t 1 -J \
		>"$tmp/iperf.json" 2>&1 && reap "$srv"; then
		bps=$(sed -n '/"sum_received"/,/}/ s/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' \
			"$tmp/iperf.json" | head -1)
		mbps=$(awk -v b="${bps:-0}" 'BEGIN { printf "%d", b / 1e6 }')
		if [ "$mbps" -gt 0 ]; then
			ok "$5: iperf3 TCP $3 -> $4 through the tunnel ($mbps Mbit/s)"
			return 0
		fi
	fi
	reap "$srv"
	not_ok "$5: iperf3 TCP $3 -> $4 through the tunnel"
	diag "$(tail -5 "$tmp/iperf.json" 2>/dev/null)"
	return 1
}

# ---------------------------------------------------------------------
# Lab a: TUN, three clients, a router, a LAN.
up "$A" --clients 3 --router --lan
idA=$(lab_id "$A")
nobody=$(id -u nobody)

# The daemons drop to nobody once the device and sockets are open.
for h in office mobile; do
	pid=$(daemon_pid "$A" $h)
	uid=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$pid/status" 2>/dev/null)
	if [ -n "$pid" ] && [ "$uid" = "$nobody $nobody $nobody $nobody" ]; then
		ok "the $h daemon (pid $pid) runs as nobody (uid $nobody)"
	else
		not_ok "the $h daemon (pid ${pid:-?}) runs as nobody: Uid $uid"
	fi
done

check "mobile pings office through the tunnel (10.8.0.1)" \
	ping_ok "$A" mobile 10.8.0.1
check "mobile3 pings office through the tunnel" ping_ok "$A" mobile3 10.8.0.1
tcp_nc "$A" mobile office 10.8.0.1 5000 tun
udp_nc "$A" mobile office 10.8.0.1 5001 tun

# MTU: 1500 - 20 (IP) - 8 (UDP) - 24 (tunnel header and tag) = 1448.
mtu=$(ip -n "$(lab_ns "$A" mobile)" -o link show dev "$(lab_dev "$A" mobile)" |
	sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
if [ "$mtu" = 1448 ]; then ok "tun MTU is 1448"; else not_ok "tun MTU is 1448, not $mtu"; fi
check "tun: a full-size ping (-s 1420 -M do, 1448 bytes) passes" \
	x "$A" mobile ping -n -c 1 -W 2 -s 1420 -M do 10.8.0.1
if x "$A" mobile ping -n -c 1 -W 1 -s 1421 -M do 10.8.0.1 >/dev/null 2>&1; then
	not_ok "tun: a 1449-byte ping with DF is refused by mobile's kernel"
else
	ok "tun: a 1449-byte ping with DF is refused by mobile's kernel"
fi

# MSS clamping: lan (MTU 1500) would take an MSS of 1460.  mobile's route
# to the LAN advertises 1460 too (advmss), so only the daemon's clamp to
# 1448 - 40 = 1408 keeps lan's segments from fragmenting.
mdev=$(lab_dev "$A" mobile)
check "mobile's route to the LAN advertises MSS 1460 (advmss)" \
	x "$A" mobile ip route change 172.16.1.0/24 via 10.8.0.1 dev "$mdev" advmss 1460
if iperf "$A" mobile lan 10.8.0.2 "tun, from the LAN"; then
	mss=$(sed -n 's/.*"tcp_mss_default":[[:space:]]*\([0-9]*\).*/\1/p' "$tmp/iperf.json" | head -1)
	if [ -n "$mss" ] && [ "$mss" -le 1408 ]; then
		ok "TCP MSS clamped: lan's connection to mobile uses MSS $mss <= 1408"
	else
		not_ok "TCP MSS clamped: lan's connection to mobile uses MSS ${mss:-?}, more than 1408"
	fi
elif [ $have_iperf -eq 0 ]; then
	skip "TCP MSS clamped" "iperf3 is not installed"
else
	not_ok "TCP MSS clamped (no iperf3 report to read it from)"
fi

# Three clients, one server: client to client only through office.
check "mobile pings mobile2 (10.8.0.3) through office: reply TTL 63" \
	ping_ok "$A" mobile 10.8.0.3 63
check "mobile2 pings mobile3 (10.8.0.4) through office: reply TTL 63" \
	ping_ok "$A" mobile2 10.8.0.4 63
route=$(x "$A" mobile ip route get 10.8.0.3 2>&1)
if printf '%s\n' "$route" | grep -q "dev $mdev"; then
	ok "mobile routes 10.8.0.3 into its tun"
else
	not_ok "mobile routes 10.8.0.3 into its tun"
	diag "$route"
fi
if ip -n "$(lab_ns "$A" internet)" route show | grep -q '^10\.8\.' ||
   x "$A" internet ip route get 10.8.0.3 >/dev/null 2>&1; then
	not_ok "the router (internet) has no route to 10.8.0.0/24"
else
	ok "the router (internet) has no route to 10.8.0.0/24"
fi

# ---------------------------------------------------------------------
# Bad input: each class injected at office from mobile, the drop counted
# under its exact reason, and a ping through the tunnel right after.

# inject KIND REASON N [OPTION...]: tunlab inject in $ifrom (at its
# daemon's peer, $iat): N more drops as REASON at $iat, then a ping from
# mobile to office through the tunnel.
ifrom=mobile iat=office
inject() {
	kind=$1 reason=$2 want=$3
	shift 3
	what="inject $kind${*:+ $*}"
	[ "$ifrom" = mobile ] || what="$what (from $ifrom at $iat)"
	before=$(drops "$A" "$iat" "$reason")
	iout=$(x "$A" "$ifrom" "$TUNLAB" inject "$kind" --quiet "$@" 2>&1)
	irc=$?
	target=$((before + want))
	if [ $irc -ne 0 ]; then
		not_ok "$what: tunlab inject failed (status $irc)"
		diag "$iout"
		return
	fi
	if ! printf '%s\n' "$iout" | grep -q "expect $want \"$reason\"\$"; then
		not_ok "$what: inject expects $want \"$reason\""
		diag "$iout"
	fi
	if retry 40 drops_are "$A" "$iat" "$reason" "$target" &&
	   ping_ok "$A" mobile 10.8.0.1; then
		ok "$what: $iat counts $want more \"$reason\", a ping still passes"
	else
		not_ok "$what: $iat counts $want more \"$reason\" ($before -> $(drops "$A" "$iat" "$reason"), expected $target), a ping still passes"
		diag "$(status "$A" "$iat" | grep '^drop')"
	fi
}

# Garbage first: its datagrams spread over several reasons, which inject
# predicts from the receive order; each prediction must be counted.
base=$(status "$A" office)
gout=$(x "$A" mobile "$TUNLAB" inject garbage --count 20 --seed 4242 --quiet 2>&1)
grc=$?
pairs=$(printf '%s\n' "$gout" | sed -n 's/.*; expect //p' | tr ',' '\n' |
	sed 's/^ *\([0-9]*\) "\(.*\)"$/\1:\2/')
gfail=""
[ $grc -eq 0 ] && [ -n "$pairs" ] || gfail="tunlab inject failed"
gtotal=0
IFS_SAVE=$IFS
IFS='
'
for pr in $pairs; do
	cnt=${pr%%:*} reason=${pr#*:}
	gtotal=$((gtotal + cnt))
	was=$(printf '%s\n' "$base" | awk -v r="$reason" '
		$1 == "drop" { n = $2; sub(/^drop [0-9]+ /, ""); if ($0 == r) c = n }
		END { print c + 0 }')
	retry 40 drops_are "$A" office "$reason" $((was + cnt)) ||
		gfail="$gfail; \"$reason\": $was -> $(drops "$A" office "$reason"), expected +$cnt"
done
IFS=$IFS_SAVE
[ "$gtotal" -eq 20 ] || gfail="$gfail; predictions cover $gtotal of 20"
if [ -z "$gfail" ] && ping_ok "$A" mobile 10.8.0.1; then
	ok "inject garbage: 20 datagrams of 0..65507 bytes, each counted as predicted ($(printf '%s\n' "$gout" | sed -n 's/.*; expect //p')), a ping still passes"
else
	not_ok "inject garbage: every datagram counted as predicted, a ping still passes: ${gfail#; }"
	diag "$gout"
fi

inject truncated "short" 24
inject bad-opcode "bad opcode" 4
inject bad-key-id "unknown key-id" 4
inject unknown-peer "unknown peer-id" 5 --count 5
inject bitflip "bad tag" 1
inject bitflip "bad tag" 1 --at 7
inject bitflip "bad opcode" 1 --at 0
inject replay "replay" 1
inject replay "replay" 3 --count 3
inject spoof-source "spoofed source" 3

# Too old: a datagram captured, then sent again once 4200 newer ones went
# by, beyond the 4032 packet-ids the replay window reaches back.
before=$(drops "$A" office "too old")
bg "$A" mobile "$TUNLAB" inject replay --after 4200 --wait 10000 >"$tmp/old.out" 2>&1
ipid=$bgpid
retry 30 grep -q '^waiting' "$tmp/old.out"
fout=$(x "$A" mobile ping -n -q -f -c 4400 -w 10 10.8.0.1 2>&1)
if reap "$ipid" && grep -q 'expect 1 "too old"$' "$tmp/old.out" &&
   retry 40 drops_are "$A" office "too old" $((before + 1)) &&
   ping_ok "$A" mobile 10.8.0.1; then
	ok "inject replay --after 4200: office counts 1 more \"too old\", a ping still passes"
else
	not_ok "inject replay --after 4200: office counts 1 more \"too old\", a ping still passes"
	diag "$(cat "$tmp/old.out"; printf '%s\n' "$fout" | tail -2)"
fi

# A datagram from a port office does not know, claiming mobile's peer-id:
# dropped, and mobile's address stays where it was (no float).
where=$(peer_remote "$A" office 1)
floats=$(counter "$A" office floats)
inject unknown-address "bad tag" 3
if [ -n "$where" ] && [ "$(peer_remote "$A" office 1)" = "$where" ] &&
   [ "$(counter "$A" office floats)" = "$floats" ]; then
	ok "unknown-address: peer 1 stays at $where, floats still $floats"
else
	not_ok "unknown-address: peer 1 stays at $where (now $(peer_remote "$A" office 1)), floats $floats (now $(counter "$A" office floats))"
fi
# The way back: office injects at mobile (its first client) too.
ifrom=office iat=mobile
inject truncated "short" 24
inject bad-key-id "unknown key-id" 4
inject bitflip "bad tag" 1
inject replay "replay" 1
ifrom=mobile iat=office

# Each reason is logged (rate-limited: a line a second at most per reason).
missing=""
for reason in short "bad opcode" "unknown key-id" "unknown peer-id" "bad tag" \
	replay "spoofed source"; do
	grep -q "dropped a .*: $reason" "$RUN/$A/owner.log" ||
		missing="$missing, $reason"
done
if [ -z "$missing" ]; then
	ok "office's log has a line for each drop reason"
else
	not_ok "office's log has a line for each drop reason: none for ${missing#, }"
fi
# Many more, not counted one by one: the daemons go on regardless.
x "$A" mobile "$TUNLAB" inject garbage --count 300 --quiet >/dev/null 2>&1 ||
	not_ok "inject garbage --count 300 (mobile at office)"
x "$A" office "$TUNLAB" inject garbage --count 300 --quiet >/dev/null 2>&1 ||
	not_ok "inject garbage --count 300 (office at mobile)"
if kill -0 "$(daemon_pid "$A" office)" && kill -0 "$(daemon_pid "$A" mobile)" &&
   ping_ok "$A" mobile 10.8.0.1 && ping_ok "$A" mobile 10.8.0.3; then
	ok "after 600 more garbage datagrams both daemons run and carry traffic"
else
	not_ok "after 600 more garbage datagrams both daemons run and carry traffic"
fi

# ---------------------------------------------------------------------
# Certificates: a foreign PKI, a foreign client certificate, an expired one.
"$TUNLAB" pki --dir "$tmp/other" >/dev/null 2>&1 ||
	not_ok "tunlab pki --dir $tmp/other"
"$TUNLAB" pki --dir "$RUN/$A/pki" --client expired --days 0 >/dev/null 2>&1 ||
	not_ok "tunlab pki --client expired --days 0"
"$TUNLAB" pki --dir "$RUN/$A/pki" --client rekeyer >/dev/null 2>&1 ||
	not_ok "tunlab pki --client rekeyer"

# refused WHAT PATTERN LOGPATTERN TUNNEL-OPTIONS...: an extra client in
# mobile exits non-zero within 15 s, saying PATTERN; office logs LOGPATTERN.
refused() {
	what=$1 pat=$2 logpat=$3
	shift 3
	logn=$(grep -c -e "$logpat" "$RUN/$A/owner.log")
	t0=$(date +%s)
	rout=$(x "$A" mobile timeout 20 "$TUNLAB" tunnel --remote 198.51.100.2 \
		--dev "tl${idA}y-tun" "$@" 2>&1)
	rrc=$?
	secs=$(($(date +%s) - t0))
	if [ $rrc -eq 0 ] || [ $rrc -eq 124 ] || [ $secs -gt 15 ]; then
		not_ok "$what: the client gives up, non-zero, within 15 s (status $rrc after $secs s)"
		diag "$(printf '%s\n' "$rout" | tail -3)"
	elif ! printf '%s\n' "$rout" | grep -q -e "$pat"; then
		not_ok "$what: the client says '$pat'"
		diag "$(printf '%s\n' "$rout" | tail -3)"
	elif ! retry 20 test "$(grep -c -e "$logpat" "$RUN/$A/owner.log")" -gt "$logn"; then
		not_ok "$what: office logs '$logpat'"
		diag "$(tail -3 "$RUN/$A/owner.log")"
	else
		ok "$what: refused in $secs s (status $rrc), office logs it"
	fi
}
refused "a client of another CA" "certificate refused" \
	"TLS handshake failed" --pki "$tmp/other" --name client1
refused "another CA's client certificate" "the peer refused us" \
	"peer certificate refused" --ca "$RUN/$A/pki/ca.crt" \
	--cert "$tmp/other/client1.crt" --key "$tmp/other/client1.key"
refused "an expired client certificate" "certificate expired" \
	"certificate has expired" --pki "$RUN/$A/pki" --name expired

# ---------------------------------------------------------------------
# Rekey under traffic: an extra client in lan gets new keys every second
# (each from a new TLS handshake) while 3000 pings cross; none is lost.
rst="$RUN/$A/tunnel-rekeyer.status"
bg "$A" lan "$TUNLAB" tunnel --remote 172.16.1.1 --pki "$RUN/$A/pki" \
	--name rekeyer --dev "tl${idA}x-tun" --rekey-seconds 1 \
	--status "$rst" 2>"$tmp/rekeyer.log"
rpid=$bgpid
if retry 50 grep -q '^state ready' "$rst" 2>/dev/null; then
	sleep 1.1	# office's status is a second old at most
	office_drops=$(status "$A" office | grep '^drop')
	pout=$(x "$A" lan ping -n -q -c 3000 -i 0.001 -w 20 10.8.0.1 2>&1)
	sleep 1.1
	rekeys=$(counter "$A" rekeyer rekeys)
	if printf '%s\n' "$pout" | grep -q ' 3000 received, 0% packet loss' &&
	   [ "$(status "$A" office | grep '^drop')" = "$office_drops" ] &&
	   ! status "$A" rekeyer | grep -q '^drop'; then
		ok "rekey: 3000 pings from lan through its tunnel, none lost, no drop counted"
	else
		not_ok "rekey: 3000 pings from lan through its tunnel, none lost, no drop counted"
		diag "$(printf '%s\n' "$pout" | tail -2; status "$A" rekeyer | grep '^drop'
			status "$A" office | grep '^drop')"
	fi
	if [ "${rekeys:-0}" -gt 1 ]; then
		ok "rekey: the client rekeyed $rekeys times meanwhile"
	else
		not_ok "rekey: the client rekeyed more than once in 3 s with --rekey-seconds 1 (rekeys ${rekeys:-?})"
		diag "$(grep -e rekey -e control "$tmp/rekeyer.log")"
	fi
	# Each key-id comes from a new TLS connection; the ones done with must
	# not pile up (office serves 32 at once, all clients together).
	nconn=$(x "$A" lan ss -Htn state established '( dport = :1195 )' | wc -l)
	if [ "$nconn" -le 2 ]; then
		ok "rekey: the client keeps $nconn control connection(s) open after $rekeys rekey(s)"
	else
		not_ok "rekey: the client keeps at most 2 control connections open, not $nconn after $rekeys rekeys"
	fi
	uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$rpid/status" 2>/dev/null)
	if [ "$uid" = "$nobody" ]; then
		ok "rekey: the client rekeyed as nobody, unprivileged"
	else
		not_ok "rekey: the client rekeyed as nobody, unprivileged (uid ${uid:-gone})"
	fi
else
	not_ok "rekey: the extra client connects from lan"
	diag "$(tail -3 "$tmp/rekeyer.log")"
fi
kill "$rpid" 2>/dev/null
reap "$rpid"

# ---------------------------------------------------------------------
# Lab b: TAP.
up "$B" --dev-type tap
check "tap: mobile pings office through the tunnel" ping_ok "$B" mobile 10.8.0.1
tdev=$(lab_dev "$B" mobile)
neigh=$(x "$B" mobile ip neigh show 10.8.0.1 dev "$tdev" 2>&1)
if printf '%s\n' "$neigh" | grep -q 'lladdr'; then
	ok "tap: ARP crossed the tunnel: mobile knows 10.8.0.1's MAC on $tdev"
else
	not_ok "tap: ARP crossed the tunnel: mobile knows 10.8.0.1's MAC on $tdev"
	diag "$neigh"
fi
tcp_nc "$B" mobile office 10.8.0.1 5000 tap
udp_nc "$B" mobile office 10.8.0.1 5001 tap
iperf "$B" office mobile 10.8.0.1 tap
mtu=$(ip -n "$(lab_ns "$B" mobile)" -o link show dev "$tdev" |
	sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
if [ "$mtu" = 1434 ]; then ok "tap MTU is 1434 (1448 - 14)"; else not_ok "tap MTU is 1434, not $mtu"; fi
check "tap: a full-size ping (-s 1406 -M do, 1434 bytes) passes" \
	x "$B" mobile ping -n -c 1 -W 2 -s 1406 -M do 10.8.0.1
# In TAP mode office checks the inner IP source of a frame too.
before=$(drops "$B" office "spoofed source")
if x "$B" mobile "$TUNLAB" inject spoof-source --quiet >/dev/null 2>&1 &&
   retry 40 drops_are "$B" office "spoofed source" $((before + 3)) &&
   ping_ok "$B" mobile 10.8.0.1; then
	ok "tap: inject spoof-source: office counts 3 \"spoofed source\", a ping still passes"
else
	not_ok "tap: inject spoof-source: office counts 3 \"spoofed source\", a ping still passes"
	diag "$(status "$B" office | grep '^drop')"
fi

# ---------------------------------------------------------------------
# Labs c and d: the fast mode.  Bulk TCP must cross as super-packets: cut
# on the sending side, merged on the receiving side, nothing dropped, and
# a classic client must work beside fast ones.

# fast_counters LAB FROM TO WHAT: FROM cut super-packets, TO merged some,
# neither dropped anything (status files are rewritten every second).
fast_counters() {
	sleep 1.1
	cut=$(counter "$1" "$2" super_read)
	merged=$(counter "$1" "$3" super_written)
	if [ "${cut:-0}" -gt 0 ] && [ "${merged:-0}" -gt 0 ] &&
	   ! status "$1" "$2" | grep -q '^drop' &&
	   ! status "$1" "$3" | grep -q '^drop'; then
		ok "$4: $2 cut $cut super-packets into segments, $3 merged $merged, no drops"
	else
		not_ok "$4: $2 cuts super-packets, $3 merges segments, no drops"
		diag "$(status "$1" "$2" | grep -e super -e udp_g -e '^drop'; status "$1" "$3" | grep -e super -e udp_g -e '^drop')" 12
	fi
}

up "$C" --offload --lan
idC=$(lab_id "$C")
tdev=$(lab_dev "$C" mobile)
tso=$(x "$C" mobile ethtool -k "$tdev" 2>&1 |
	awk '$1 == "tcp-segmentation-offload:" { print $2 }')
if [ "$tso" = on ]; then
	ok "fast: $tdev takes TCP super-packets (TSO on)"
else
	not_ok "fast: $tdev takes TCP super-packets (TSO is '$tso')"
fi
check "fast: mobile pings office through the tunnel" ping_ok "$C" mobile 10.8.0.1
tcp_nc "$C" mobile office 10.8.0.1 5000 fast
tcp_nc "$C" office mobile 10.8.0.2 5000 fast
udp_nc "$C" mobile office 10.8.0.1 5001 fast
iperf "$C" office mobile 10.8.0.1 fast
iperf "$C" mobile office 10.8.0.2 fast
fast_counters "$C" mobile office "fast mobile -> office"
fast_counters "$C" office mobile "fast office -> mobile"

"$TUNLAB" pki --dir "$RUN/$C/pki" --client classic >/dev/null 2>&1 ||
	not_ok "tunlab pki --client classic"
cst="$RUN/$C/tunnel-classic.status"
bg "$C" lan "$TUNLAB" tunnel --remote 172.16.1.1 --pki "$RUN/$C/pki" \
	--name classic --dev "tl${idC}c-tun" --status "$cst" \
	2>"$tmp/classic.log"
cpid=$bgpid
if retry 50 grep -q '^state ready' "$cst" 2>/dev/null; then
	caddr=$(x "$C" lan ip -4 -o addr show dev "tl${idC}c-tun" |
		awk '{ split($4, a, "/"); print a[1] }')
	ok "a classic client in lan joins the fast server as $caddr"
	check "classic client: lan pings office" ping_ok "$C" lan 10.8.0.1
	tcp_nc "$C" lan office 10.8.0.1 5002 "classic -> fast"
	tcp_nc "$C" office lan "$caddr" 5002 "fast -> classic"
	iperf "$C" office lan 10.8.0.1 "classic -> fast"
	iperf "$C" lan office "$caddr" "fast -> classic"
else
	not_ok "a classic client in lan joins the fast server"
	diag "$(tail -3 "$tmp/classic.log")"
fi
kill "$cpid" 2>/dev/null
reap "$cpid"

up "$D" --offload --dev-type tap
check "fast tap: mobile pings office through the tunnel" ping_ok "$D" mobile 10.8.0.1
tcp_nc "$D" mobile office 10.8.0.1 5000 "fast tap"
tcp_nc "$D" office mobile 10.8.0.2 5000 "fast tap"
iperf "$D" office mobile 10.8.0.1 "fast tap"
fast_counters "$D" mobile office "fast tap mobile -> office"

echo "1..$n"
exit $failed
