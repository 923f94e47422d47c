#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/tunnel.sh: tunlab's tunnel side by side with the raw wire, OpenVPN 2.6
# and wireguard-go, in one run (issue 4, "Speed"; bench/README.md).
#
#   tlb<pid>a (client side)                    tlb<pid>b (server side)
#   iperf3 -c, ping                            iperf3 -s
#   tunnel client -- tun/tap                   tun/tap -- tunnel server
#   tlb<pid>a 192.0.2.1/24 ------- veth ------- tlb<pid>b 192.0.2.2/24
#
# Tunnel addresses: tunlab 10.201.0.0/24, OpenVPN 10.202.0.0/24, wireguard-go
# 10.203.0.0/24; the server side is .1 (wireguard-go: b is .1).  Every packet
# stays between these two namespaces.  Contenders take turns within each
# repeat (round robin), so slow drifts in the machine's load hit all alike.
set -u
export LC_ALL=C

TUNLAB=${TUNLAB:-build/tunlab}
REPEATS=3 TCP_S=5 UDP_S=3 UDP_RATE=1G UDP_LEN=1400 PINGS=200 PING_I=0.01
CONTENDERS=raw,raw-offload,tunlab-tun,tunlab-tap,tunlab-tun-probe,tunlab-tun-offload,openvpn,wireguard-go
FAST_ARGS="" PIN=0 INSTALL=1 KEEP=0
BUSY_LIMIT=15	# % of the CPUs busy while ours idle: someone else is working

usage() {
	cat <<EOF
usage: bench/tunnel.sh [options]

iperf3 TCP and UDP and ping through the raw veth, tunlab (TUN, TAP),
OpenVPN 2.6 and wireguard-go between two namespaces; medians of the
repeats, CPU per Gbit/s of the daemons, tunlab/OpenVPN ratios and the
verdict against issue 4's targets.  Needs root.

  -n N        repeats ($REPEATS)
  -t S        iperf3 TCP seconds ($TCP_S)
  -u S        iperf3 UDP seconds ($UDP_S)
  -b RATE     iperf3 UDP offered rate ($UDP_RATE)
  -l BYTES    iperf3 UDP datagram payload ($UDP_LEN)
  -c N        pings ($PINGS), -i S their interval ($PING_I)
  -o LIST     contenders, comma-separated, from:
              raw raw-offload tunlab-tun tunlab-tap tunlab-tun-probe
              tunlab-tun-offload tunlab-tun-root openvpn wireguard-go
              tunlab-fast (needs -F)
              ($CONTENDERS)
  -F ARGS     tunlab's fast-mode options (adds tunlab-fast, judged
              against the fast targets)
  -p          pin: client daemon on CPU 0, server daemon on CPU 1
              (default: nothing pinned, the scheduler places everything)
  -N          never apt-get install (skip what is missing)
  -k          keep the work directory (logs, iperf3 JSON)
  -h          this help

Quick run:  bench/tunnel.sh -n 1 -t 2 -u 1 -c 50
EOF
}

while getopts "n:t:u:b:l:c:i:o:F:pNkh" opt; do
	case $opt in
	n) REPEATS=$OPTARG ;;
	t) TCP_S=$OPTARG ;;
	u) UDP_S=$OPTARG ;;
	b) UDP_RATE=$OPTARG ;;
	l) UDP_LEN=$OPTARG ;;
	c) PINGS=$OPTARG ;;
	i) PING_I=$OPTARG ;;
	o) CONTENDERS=$OPTARG ;;
	F) FAST_ARGS=$OPTARG ;;
	p) PIN=1 ;;
	N) INSTALL=0 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ -n "$FAST_ARGS" ] && [[ ",$CONTENDERS," != *,tunlab-fast,* ]]; then
	CONTENDERS=$CONTENDERS,tunlab-fast
fi

say() { printf '%s\n' "$*"; }
die() { printf 'bench/tunnel.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, tun devices)"
[ -x "$TUNLAB" ] || die "$TUNLAB is missing: run make first"
TUNLAB=$(cd "$(dirname "$TUNLAB")" && pwd)/$(basename "$TUNLAB")

# --- packages: install what is missing (root only, -N: never).
need_pkg() {	# need_pkg COMMAND PACKAGE: true if COMMAND exists at the end
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$INSTALL" -eq 1 ] || return 1
	say "installing $2 (apt-get)"
	if [ -z "${APT_UPDATED:-}" ]; then
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq \
			>/dev/null 2>&1
		APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq \
		--no-install-recommends "$2" >/dev/null 2>&1
	command -v "$1" >/dev/null 2>&1
}
for p in iperf3:iperf3 jq:jq ethtool:ethtool ping:iputils-ping; do
	need_pkg "${p%%:*}" "${p#*:}" || die "${p#*:} is missing and could not be installed"
done
HAVE_OPENVPN=1 HAVE_WG=1
if [[ ",$CONTENDERS," == *,openvpn,* ]]; then
	need_pkg openvpn openvpn || HAVE_OPENVPN=0
fi
if [[ ",$CONTENDERS," == *,wireguard-go,* ]]; then
	need_pkg wireguard-go wireguard-go || HAVE_WG=0
	need_pkg wg wireguard-tools || HAVE_WG=0
fi

# --- the namespaces, and cleanup on every way out.
id=$$
A=tlb${id}a B=tlb${id}b
WGA=tlb${id}wa WGB=tlb${id}wb
DIR=$(mktemp -d /tmp/tunlab-bench.XXXXXX)
RES=$DIR/results.tsv
HZ=$(getconf CLK_TCK)
pids=""		# every process started in the background, for cleanup
daemons=""	# the current contender's "client server" pids

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -f "/var/run/wireguard/$WGA.sock" "/var/run/wireguard/$WGB.sock"
	if [ "$KEEP" -eq 1 ]; then
		say "work directory kept: $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ip netns add "$A" && ip netns add "$B" &&
ip link add "$A" netns "$A" type veth peer name "$B" netns "$B" &&
ip -n "$A" addr add 192.0.2.1/24 dev "$A" &&
ip -n "$B" addr add 192.0.2.2/24 dev "$B" &&
ip -n "$A" link set "$A" up && ip -n "$B" link set "$B" up &&
ip -n "$A" link set lo up && ip -n "$B" link set lo up ||
	die "could not set up the namespaces $A and $B"

# offload on|off: tx/rx/tso/gso/gro on both veths (off, as the lab has them).
OFFLOAD=""
offload() {
	[ "$OFFLOAD" = "$1" ] && return 0
	ip netns exec "$A" ethtool -K "$A" tx "$1" rx "$1" tso "$1" gso "$1" gro "$1" >/dev/null 2>&1
	ip netns exec "$B" ethtool -K "$B" tx "$1" rx "$1" tso "$1" gso "$1" gro "$1" >/dev/null 2>&1
	OFFLOAD=$1
}

"$TUNLAB" pki --dir "$DIR/pki" >"$DIR/pki.log" 2>&1 || die "tunlab pki failed: $(cat "$DIR/pki.log")"

# --- starting and stopping what we run.

# bg NS LOG CPU CMD...: CMD in NS in the background (CPU: pin there with -p);
# ip netns exec and taskset exec, so $! is the command's own pid.
bg() {
	local ns=$1 log=$2 cpu=$3
	shift 3
	if [ "$PIN" -eq 1 ] && [ -n "$cpu" ]; then
		ip netns exec "$ns" taskset -c "$cpu" "$@" >"$log" 2>&1 &
	else
		ip netns exec "$ns" "$@" >"$log" 2>&1 &
	fi
	LASTPID=$!
	pids="$pids $LASTPID"
}

# gone PID: the process has exited (or is a zombie of ours).
gone() {
	local s
	s=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$s" ] || [ "$s" = Z ]
}

# stop PID...: SIGTERM, 5 s, then SIGKILL; reap.
stop() {
	local p i
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do
		i=0
		while ! gone "$p" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		gone "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		pids=$(printf '%s\n' $pids | grep -vx "$p" | tr '\n' ' ')
	done
}

# wait_ping ADDR SECONDS: until ADDR answers from A.
wait_ping() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		ip netns exec "$A" ping -n -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
		for p in $daemons; do gone "$p" && return 1; done
		sleep 0.2
	done
	return 1
}

# cpu_ticks PID...: utime + stime of all of them, in clock ticks.
cpu_ticks() {
	local t=0 p v
	for p in "$@"; do
		v=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo $t
}

# snmp NS FIELD: a Udp counter of NS (/proc/net/snmp is per namespace).
snmp() {
	ip netns exec "$1" awk -v f="$2" '/^Udp:/ {
		if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		print $col[f]; exit }' /proc/net/snmp
}

# link_stat NS DEV tx|rx FIELD: a device counter (0 if no such device).
link_stat() {
	local v
	v=$(ip -n "$1" -s -j link show dev "$2" 2>/dev/null |
		jq -r ".[0].stats64.$3.$4 // 0" 2>/dev/null)
	echo "${v:-0}"
}

# --- the contenders: start_X sets TARGET, DEV_A, DEV_B and daemons.

start_raw() {
	TARGET=192.0.2.2 DEV_A="" DEV_B="" daemons=""
}

# start_tunlab LOGNAME ARGS...: a tunlab server in B and client in A.
start_tunlab() {
	local name=$1 srv cli
	shift
	bg "$B" "$DIR/$name-server.log" 1 "$TUNLAB" tunnel --server \
		--bind 192.0.2.2 --pki "$DIR/pki" --pool 10.201.0.0/24 \
		--dev tl0 "$@"
	srv=$LASTPID
	daemons=$srv
	sleep 0.3
	bg "$A" "$DIR/$name-client.log" 0 "$TUNLAB" tunnel --remote 192.0.2.2 \
		--pki "$DIR/pki" --name client1 --dev tl0 "$@"
	cli=$LASTPID
	daemons="$cli $srv"
	TARGET=10.201.0.1 DEV_A=tl0 DEV_B=tl0
}

start_openvpn() {
	local srv cli common="--dev ovpn0 --dev-type tun --proto udp4
		--ca $DIR/pki/ca.crt --data-ciphers AES-256-GCM
		--tls-version-min 1.3 --disable-dco --verb 1"
	# shellcheck disable=SC2086
	bg "$B" "$DIR/openvpn-server.log" 1 openvpn $common \
		--server 10.202.0.0 255.255.255.0 --topology subnet \
		--local 192.0.2.2 --port 1194 --dh none \
		--cert "$DIR/pki/server.crt" --key "$DIR/pki/server.key" \
		--remote-cert-tls client --keepalive 10 60
	srv=$LASTPID
	daemons=$srv
	sleep 0.3
	# shellcheck disable=SC2086
	bg "$A" "$DIR/openvpn-client.log" 0 openvpn $common --client \
		--remote 192.0.2.2 1194 --nobind \
		--cert "$DIR/pki/client1.crt" --key "$DIR/pki/client1.key" \
		--remote-cert-tls server
	cli=$LASTPID
	daemons="$cli $srv"
	TARGET=10.202.0.1 DEV_A=ovpn0 DEV_B=ovpn0
}

# wireguard-go, MTU 1440: the IPv4 path's 1500 less wireguard's 60 bytes
# (its default 1420 leaves room for an IPv6 path), so that the same
# 1400-byte UDP payloads fit unfragmented as they do in the others.
start_wireguard() {
	local ka kb pa pb i srv cli
	ka=$(wg genkey) kb=$(wg genkey)
	pa=$(printf '%s' "$ka" | wg pubkey) pb=$(printf '%s' "$kb" | wg pubkey)
	printf '%s\n' "$ka" >"$DIR/wga.key"
	printf '%s\n' "$kb" >"$DIR/wgb.key"
	chmod 600 "$DIR/wga.key" "$DIR/wgb.key"
	bg "$B" "$DIR/wg-server.log" 1 env WG_PROCESS_FOREGROUND=1 \
		wireguard-go -f "$WGB"
	srv=$LASTPID
	bg "$A" "$DIR/wg-client.log" 0 env WG_PROCESS_FOREGROUND=1 \
		wireguard-go -f "$WGA"
	cli=$LASTPID
	daemons="$cli $srv"
	TARGET=10.203.0.1 DEV_A=$WGA DEV_B=$WGB
	i=0
	while { [ ! -S "/var/run/wireguard/$WGA.sock" ] ||
		[ ! -S "/var/run/wireguard/$WGB.sock" ]; } && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	ip netns exec "$B" wg set "$WGB" private-key "$DIR/wgb.key" \
		listen-port 51820 peer "$pa" allowed-ips 10.203.0.0/24 \
		endpoint 192.0.2.1:51820 &&
	ip netns exec "$A" wg set "$WGA" private-key "$DIR/wga.key" \
		listen-port 51820 peer "$pb" allowed-ips 10.203.0.0/24 \
		endpoint 192.0.2.2:51820 &&
	ip -n "$B" addr add 10.203.0.1/24 dev "$WGB" &&
	ip -n "$A" addr add 10.203.0.2/24 dev "$WGA" &&
	ip -n "$B" link set "$WGB" mtu 1440 up &&
	ip -n "$A" link set "$WGA" mtu 1440 up
}

# start NAME: the contender NAME; false (with a message) if it cannot run.
start() {
	case $1 in
	raw) offload off; start_raw ;;
	raw-offload) offload on; start_raw ;;
	tunlab-tun) offload off; start_tunlab "$1" ;;
	tunlab-tap) offload off; start_tunlab "$1" --dev-type tap ;;
	tunlab-tun-root) offload off; start_tunlab "$1" --user root ;;
	tunlab-tun-offload) offload on; start_tunlab "$1" ;;
	tunlab-tun-probe)
		# A probe path nobody listens on: the cost with no tracer.
		offload off; start_tunlab "$1" --probe "$DIR/nobody.sock" ;;
	tunlab-fast)
		offload on
		# shellcheck disable=SC2086
		start_tunlab "$1" $FAST_ARGS ;;
	openvpn)
		[ "$HAVE_OPENVPN" -eq 1 ] || { say "skip openvpn: not installed"; return 1; }
		offload off; start_openvpn ;;
	wireguard-go)
		[ "$HAVE_WG" -eq 1 ] || { say "skip wireguard-go: wireguard-go/wireguard-tools not installed"; return 1; }
		offload off; start_wireguard || return 1 ;;
	*) say "unknown contender $1"; return 1 ;;
	esac
	if ! wait_ping "$TARGET" 30; then
		say "skip $1 (this round): $TARGET does not answer through it; logs:"
		tail -n 5 "$DIR/$1"*.log "$DIR"/wg-*.log 2>/dev/null | sed 's/^/    /'
		stop $daemons
		daemons=""
		return 1
	fi
	return 0
}

# --- measuring.

# put NAME REP METRIC VALUE
put() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"; }

# iperf NAME.json ARGS...: one iperf3 test from A to TARGET, with a
# one-shot server in B; bounded.
iperf() {
	local out=$1 srv i
	shift
	bg "$B" "$DIR/iperf3-server.log" "" iperf3 -s -1 -p 5201
	srv=$LASTPID
	i=0
	until ip netns exec "$B" ss -Hltn 'sport = :5201' | grep -q . || [ $i -ge 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	timeout $((TCP_S + UDP_S + 30)) ip netns exec "$A" iperf3 -c "$TARGET" \
		-p 5201 --connect-timeout 3000 -J "$@" >"$out.raw" 2>&1
	# iperf3 may print a warning before the JSON: keep the JSON only.
	sed -n '/^{/,$p' "$out.raw" >"$out"
	stop "$srv"
}

# measure NAME REP: TCP (with the daemons' CPU), UDP, ping.
measure() {
	local c=$1 r=$2 t0 t1 ca0 ca1 cb0 cb1 rb0 rb1 td0 td1 j v
	local pa="" pb=""
	set -- $daemons
	[ $# -eq 2 ] && pa=$1 pb=$2
	ip netns exec "$A" ping -n -c 3 -i 0.05 "$TARGET" >/dev/null 2>&1

	# TCP: throughput, retransmits, and the CPU both daemons spent.
	j=$DIR/$c-$r-tcp.json
	rb0=$(snmp "$B" RcvbufErrors)
	td0=$(link_stat "$A" "${DEV_A:-lo}" tx dropped)
	ca0=$(cpu_ticks $pa) cb0=$(cpu_ticks $pb)
	iperf "$j" -t "$TCP_S"
	ca1=$(cpu_ticks $pa) cb1=$(cpu_ticks $pb)
	rb1=$(snmp "$B" RcvbufErrors)
	td1=$(link_stat "$A" "${DEV_A:-lo}" tx dropped)
	v=$(jq -r '[.end.sum_received.bits_per_second, .end.sum_received.bytes,
		   .end.sum_sent.retransmits] | @tsv' "$j" 2>/dev/null)
	if [ -z "$v" ] || [ "${v%%	*}" = null ]; then
		say "  $c #$r: iperf3 TCP failed: $(jq -r '.error // empty' "$j" 2>/dev/null | head -c 200)"
	else
		read -r bps bytes retr <<<"$v"
		put "$c" "$r" tcp_gbps "$(awk -v b="$bps" 'BEGIN{printf "%.3f", b/1e9}')"
		put "$c" "$r" tcp_retr "$retr"
		put "$c" "$r" udp_rcvbuf_err $((rb1 - rb0))
		[ -n "$DEV_A" ] && put "$c" "$r" tun_tx_drop $((td1 - td0))
		if [ -n "$pa" ]; then
			awk -v a=$((ca1 - ca0)) -v b=$((cb1 - cb0)) -v hz="$HZ" \
			    -v by="$bytes" -v s="$TCP_S" 'BEGIN {
				g = by * 8 / 1e9
				printf "%.3f %.3f %.3f %.3f\n", (a + b) / hz / g,
					a / hz / g, b / hz / g, (a + b) / hz / s }' |
			{ read -r cpg cpa cpb cores
			  put "$c" "$r" cpu_per_gbps "$cpg"
			  put "$c" "$r" cpu_client "$cpa"
			  put "$c" "$r" cpu_server "$cpb"
			  put "$c" "$r" cpu_cores "$cores"; }
		fi
	fi

	# UDP at a fixed offered rate: what arrives, and the loss.
	j=$DIR/$c-$r-udp.json
	iperf "$j" -u -b "$UDP_RATE" -l "$UDP_LEN" -t "$UDP_S"
	v=$(jq -r '[.end.sum_received.bits_per_second, .end.sum.lost_percent] | @tsv' \
		"$j" 2>/dev/null)
	if [ -z "$v" ] || [ "${v%%	*}" = null ]; then
		say "  $c #$r: iperf3 UDP failed: $(jq -r '.error // empty' "$j" 2>/dev/null | head -c 200)"
	else
		read -r bps loss <<<"$v"
		put "$c" "$r" udp_gbps "$(awk -v b="$bps" 'BEGIN{printf "%.3f", b/1e9}')"
		put "$c" "$r" udp_loss "$(awk -v l="$loss" 'BEGIN{printf "%.2f", l}')"
	fi

	# Ping: average and median round trip.
	timeout $((PINGS / 10 + 20)) ip netns exec "$A" ping -n -c "$PINGS" \
		-i "$PING_I" "$TARGET" 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g >"$DIR/$c-$r-ping"
	if [ -s "$DIR/$c-$r-ping" ]; then
		put "$c" "$r" rtt_avg "$(awk '{s += $1} END {printf "%.4f", s / NR}' "$DIR/$c-$r-ping")"
		put "$c" "$r" rtt_med "$(awk '{v[NR] = $1} END {printf "%.4f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}' "$DIR/$c-$r-ping")"
		put "$c" "$r" rtt_p10 "$(awk '{v[NR] = $1} END {i = int(NR / 10); printf "%.4f", v[i ? i : 1]}' "$DIR/$c-$r-ping")"
		put "$c" "$r" ping_loss "$(awk -v n="$PINGS" 'END {printf "%.1f", (n - NR) * 100 / n}' "$DIR/$c-$r-ping")"
	fi
}

# med NAME METRIC: the median over the repeats ("-" if none), leaving out
# the repeats during which other work kept the CPUs busy (unless all were).
med() {
	awk -F'\t' -v c="$1" -v m="$2" -v lim="$BUSY_LIMIT" '
		$1 == c && $3 == "busy" && $4 >= lim {dirty[$2] = 1}
		$1 == c && $3 == m {v[$2] = $4}
		END {
			for (r in v) if (!(r in dirty)) {print v[r]; n++}
			if (!n) for (r in v) print v[r]
		}' "$RES" 2>/dev/null |
		sort -g | awk '{v[NR] = $1} END {
			if (!NR) { print "-"; exit }
			x = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print x + 0 }'
}

# last NAME REP METRIC: one repeat's value ("-" if none).
last() {
	awk -F'\t' -v c="$1" -v r="$2" -v m="$3" '$1 == c && $2 == r && $3 == m {v = $4}
		END {print v == "" ? "-" : v}' "$RES" 2>/dev/null
}

# --- the run.
IFS=, read -r -a LIST <<<"$CONTENDERS"
say "bench/tunnel.sh: $REPEATS repeats; TCP ${TCP_S} s, UDP ${UDP_S} s at $UDP_RATE x ${UDP_LEN} B, $PINGS pings every ${PING_I} s; pinned: $([ "$PIN" -eq 1 ] && echo 'client CPU 0, server CPU 1' || echo no)"
# busy_pct: how busy the CPUs were over the last half second (all of them).
busy_pct() {
	local a b
	a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " ")
		d = (y[1] - x[1]) + (y[2] - x[2]); printf "%d", d ? 100 * (y[1] - x[1]) / d : 0}'
}
BUSY=$(busy_pct)
say "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); tunlab $(git -C "$(dirname "$TUNLAB")/.." rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ "$BUSY" -ge 10 ]; then
	say "WARNING: the CPUs are already ${BUSY}% busy before the run: other work shares this machine and the numbers will be noisy"
fi
command -v openvpn >/dev/null && say "openvpn: $(openvpn --version 2>/dev/null | head -1 | cut -d' ' -f1-2)"
command -v wireguard-go >/dev/null && say "wireguard-go: $(wireguard-go --version 2>/dev/null | head -1)"
: >"$RES"
for r in $(seq 1 "$REPEATS"); do
	for c in "${LIST[@]}"; do
		start "$c" || continue
		if [ "$r" -eq 1 ] && [ -n "$DEV_A" ]; then
			say "  $c: $DEV_A mtu $(ip -n "$A" -j link show dev "$DEV_A" | jq -r '.[0].mtu') qlen $(ip -n "$A" -j link show dev "$DEV_A" | jq -r '.[0].txqlen')"
		fi
		b0=$(busy_pct)
		measure "$c" "$r"
		say "  #$r $c: TCP $(last "$c" "$r" tcp_gbps) Gbit/s retr $(last "$c" "$r" tcp_retr), UDP $(last "$c" "$r" udp_gbps) Gbit/s loss $(last "$c" "$r" udp_loss)%, RTT med $(last "$c" "$r" rtt_med) p10 $(last "$c" "$r" rtt_p10) ms, CPU/Gbit $(last "$c" "$r" cpu_per_gbps)"
		[ -n "$daemons" ] && stop $daemons
		daemons=""
		# Other work on the machine: the CPUs should be idle between
		# tests; a repeat with a busy machine around it is left out.
		b1=$(busy_pct)
		put "$c" "$r" busy $((b0 > b1 ? b0 : b1))
		if [ "$b0" -ge "$BUSY_LIMIT" ] || [ "$b1" -ge "$BUSY_LIMIT" ]; then
			say "  #$r $c: the CPUs were ${b0}% / ${b1}% busy before / after it: other work on the machine; left out of the medians"
		fi
	done
done
say "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); CPUs $(busy_pct)% busy now (before the run: ${BUSY}%)"

# --- the table: medians over the repeats.
RAW_RTT=$(med raw rtt_med)
say ""
say "Medians of $REPEATS repeats, less those with other work on the machine (TCP: 1 stream ${TCP_S} s; UDP: ${UDP_RATE} offered, ${UDP_LEN} B; RTT: $PINGS pings)"
say "CPU = utime+stime of both daemons over the TCP run / Gbit carried = CPU-cores per Gbit/s"
printf '%-19s %7s %6s %6s %5s %7s %7s %7s %7s %6s %5s %5s %9s %9s\n' contender "TCP" retr "UDP" "loss" "RTTavg" "RTTmed" "RTTp10" "+RTT" "CPU/G" cli srv rcvbufErr tunTxDrop
printf '%-19s %7s %6s %6s %5s %7s %7s %7s %7s %6s %5s %5s %9s %9s\n' "" "Gbit/s" "" "Gbit/s" "%" "ms" "ms" "ms" "ms" "c/Gb/s" "" "" "" ""
for c in "${LIST[@]}"; do
	[ "$(med "$c" tcp_gbps)" = - ] && [ "$(med "$c" rtt_med)" = - ] && { printf '%-19s (no result)\n' "$c"; continue; }
	rm_=$(med "$c" rtt_med)
	add=-
	[ "$RAW_RTT" != - ] && [ "$rm_" != - ] && add=$(awk -v a="$rm_" -v b="$RAW_RTT" 'BEGIN{printf "%.4f", a - b}')
	printf '%-19s %7s %6s %6s %5s %7s %7s %7s %7s %6s %5s %5s %9s %9s\n' "$c" \
		"$(med "$c" tcp_gbps)" "$(med "$c" tcp_retr)" "$(med "$c" udp_gbps)" \
		"$(med "$c" udp_loss)" "$(med "$c" rtt_avg)" "$rm_" "$(med "$c" rtt_p10)" "$add" \
		"$(med "$c" cpu_per_gbps)" "$(med "$c" cpu_client)" "$(med "$c" cpu_server)" \
		"$(med "$c" udp_rcvbuf_err)" "$(med "$c" tun_tx_drop)"
done
say "(RTTp10: 10th percentile; +RTT: median RTT less raw veth's; cli/srv: each daemon's CPU/Gbit/s; rcvbufErr: UDP receive-buffer overflows in the server's namespace during TCP; tunTxDrop: client tunnel device TX drops during TCP)"

# --- tunlab against OpenVPN, and issue 4's targets.
OV_TCP=$(med openvpn tcp_gbps) OV_CPU=$(med openvpn cpu_per_gbps) OV_RTT=$(med openvpn rtt_med)
say ""
if [ "$OV_TCP" = - ]; then
	say "no OpenVPN result: no ratios, no verdict"
	exit 0
fi
verdict=none
say "tunlab / OpenVPN (targets, issue 4: classic TCP >= 1.5x, CPU/Gbit <= 0.667x, added RTT <= 0.7x; fast TCP >= 3x, CPU/Gbit <= 0.333x)"
printf '%-19s %10s %10s %12s  %s\n' contender "TCP x" "CPU/G x" "+RTT x" verdict
for c in "${LIST[@]}"; do
	case $c in tunlab-*) ;; *) continue ;; esac
	[ "$(med "$c" tcp_gbps)" = - ] && continue
	tmin=1.5 cmax=0.667
	[ "$c" = tunlab-fast ] && tmin=3 cmax=0.333
	line=$(awk -v t="$(med "$c" tcp_gbps)" -v ot="$OV_TCP" \
		-v cp="$(med "$c" cpu_per_gbps)" -v oc="$OV_CPU" \
		-v r="$(med "$c" rtt_med)" -v orr="$OV_RTT" -v raw="$RAW_RTT" \
		-v tmin="$tmin" -v cmax="$cmax" 'BEGIN {
		tx = t / ot
		tok = (tx >= tmin)
		if (cp == "-" || oc == "-") { cx = "-"; cok = 0 }
		else { cx = sprintf("%.2f", cp / oc); cok = (cp / oc <= cmax) }
		if (raw == "-" || r == "-" || orr == "-" || orr - raw <= 0) {
			rx = "-"; rok = 0
		} else {
			rx = sprintf("%.2f", (r - raw) / (orr - raw))
			rok = ((r - raw) / (orr - raw) <= 0.7)
		}
		ok = (tok && cok && rok)
		printf "%.2f %s %s %s %s %s %s\n", tx, cx, rx, ok ? "PASS" : "FAIL",
			tok ? "tcp-ok" : "tcp-LOW", cok ? "cpu-ok" : "cpu-HIGH",
			rok ? "rtt-ok" : "rtt-HIGH" }')
	read -r tx cx rx v why1 why2 why3 <<<"$line"
	printf '%-19s %10s %10s %12s  %s (%s %s %s)\n' "$c" "$tx" "$cx" "$rx" "$v" "$why1" "$why2" "$why3"
	[ "$c" = tunlab-tun ] && verdict=$v
done
say "classic mode (tunlab-tun) against issue 4's targets: $verdict"
exit 0
