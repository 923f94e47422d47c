#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The lab topology (tunlab up/status/exec/down) in network namespaces.
#
# Labs this test builds (names tlt<pid><letter>, ids random):
#
#   a  default          mobile -------------------------------- office
#                         .2          192.0.2.0/28               .1
#
#   b  --clients 3      mobile  --(192.0.2.0/28)--+
#                       mobile2 --(192.0.2.16/28)-+-- office (.1 .17 .33)
#                       mobile3 --(192.0.2.32/28)-+
#
#   c  --router --lan   mobile -- internet -- office -- lan
#                        .2    .1         .1        .2 .1       .10
#                          192.0.2.0/28  198.51.100.0/24  172.16.1.0/24
#
#   d  --clients 3 --router --lan --ipv6 --offload: as c, three mobiles,
#      2001:db8:k::/64 on the wires, offloads left on
#
#   e, f  two default labs: e's owner is killed (SIGKILL), tunlab down
#      --stale removes e and leaves f running; r1..r20: up and down in a row
#
# Safety: every packet is sent from inside a namespace this test created
# (tunlab exec); from the host namespace it only reads (ip -n NS ...).  It
# removes only the labs it created, by name, and signals only processes it
# started, by pid.  Every loop and wait is bounded.
set -u
TUNLAB=${TUNLAB:-$(cd "$(dirname "$0")/../.." && pwd)/build/tunlab}
RUN=/run/tunlab
P=tlt$$
n=0 failed=0
labs=""

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - netns tests # SKIP needs root (network namespaces)"
	exit 0
fi
if [ ! -c /dev/net/tun ]; then
	echo "ok - netns tests # SKIP /dev/net/tun is missing"
	exit 0
fi
for tool in ip ethtool ping sysctl; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "ok - netns tests # SKIP $tool is not installed"
		exit 0
	fi
done

# Remove every lab this test created, and only those.
cleanup() {
	trap - EXIT INT TERM
	for l in $labs; do
		[ -d "$RUN/$l" ] && "$TUNLAB" down --quiet --lab "$l" >/dev/null 2>&1
	done
	[ -n "${fg_pid:-}" ] && kill "$fg_pid" 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=1
}

# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		printf '%s\n' "$out" | head -5 | sed 's/^/# /'
	fi
}

# check_out DESCRIPTION STATUS PATTERN CMD...: CMD exits with STATUS and
# prints PATTERN (stdout or stderr).
check_out() {
	desc=$1 want=$2 pattern=$3
	shift 3
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ]; then
		not_ok "$desc: exit status $got, expected $want"
		printf '%s\n' "$out" | head -5 | sed 's/^/# /'
	elif ! printf '%s\n' "$out" | grep -q -e "$pattern"; then
		not_ok "$desc: output lacks '$pattern'"
		printf '%s\n' "$out" | head -5 | sed 's/^/# /'
	else
		ok "$desc"
	fi
}

# up NAME OPTIONS...: bring a lab up, quietly; remembered for cleanup.
up() {
	name=$1
	shift
	labs="$labs $name"
	check "up $name${*:+ $*}" "$TUNLAB" up --quiet --name "$name" "$@"
}

# State lookups: a lab's id, namespaces, owner pid.
lab_id() { awk '$1 == "id" { print $2 }' "$RUN/$1/state" 2>/dev/null; }
lab_ns() { awk '$1 == "host" { print $3 }' "$RUN/$1/state" 2>/dev/null; }
lab_owner() { awk '$1 == "owner" { print $2 }' "$RUN/$1/state" 2>/dev/null; }

# The devices in a lab's namespaces, but lo.
lab_devs() {
	for ns in $(lab_ns "$1"); do
		ip -n "$ns" -o link show | awk -F': ' '{ print $2 }' |
			sed 's/@.*//' | grep -v '^lo$'
	done
}

# x LAB HOST CMD...: run CMD in HOST of LAB.
x() {
	l=$1 h=$2
	shift 2
	"$TUNLAB" exec --lab "$l" "$h" -- "$@"
}

# ping_ok LAB HOST ADDR [TTL]: one ping from HOST reaches ADDR (with a
# reply TTL of TTL: hops on the way back).
ping_ok() {
	out=$(x "$1" "$2" ping -n -c 1 -W 2 "$3" 2>&1) || return 1
	[ -z "${4:-}" ] || printf '%s\n' "$out" | grep -q "ttl=$4 "
}

# no_ping LAB HOST ADDR: HOST does not reach ADDR.
no_ping() {
	! x "$1" "$2" ping -n -c 1 -W 1 "$3" >/dev/null 2>&1
}

# proc_gone PID: the process has exited (perhaps not yet reaped).
proc_gone() {
	! kill -0 "$1" 2>/dev/null ||
		grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# end_fg: wait for the foreground tunlab up, at most 10 s, then reap it;
# sets rc to its exit status.
end_fg() {
	wait_until 100 proc_gone "$fg_pid" || kill -KILL "$fg_pid"
	wait "$fg_pid"
	rc=$?
	fg_pid=
}

# host_devs IDS: lab devices (tl<id>...) in the host namespace.
host_devs() {
	for id in "$@"; do
		ip -o link show | awk -F': ' '{ print $2 }' | grep "^tl$id"
	done
}

# gone LAB ID: nothing of the lab is left: run dir, namespaces, devices in
# the host namespace.
gone() {
	[ ! -e "$RUN/$1" ] || return 1
	! ip netns list 2>/dev/null | grep -q "^tl$2-" || return 1
	! ip -o link show | awk -F': ' '{ print $2 }' | grep -q "^tl$2"
}

# wait_until TENTHS CMD...: poll CMD every 0.1 s, at most TENTHS times.
wait_until() {
	tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# Other labs on this machine (not ours), for the tests that must know.
foreign_labs() {
	for d in "$RUN"/*/; do
		[ -d "$d" ] || continue
		l=$(basename "$d")
		case "$l" in "$P"*) ;; *) echo "$l" ;; esac
	done
}

# ---- command line ---------------------------------------------------
check_out "up --clients 0 is a usage error" 2 "from 1 to 16" \
	"$TUNLAB" up --clients 0
check_out "up --clients 17 is a usage error" 2 "from 1 to 16" \
	"$TUNLAB" up --clients 17
check_out "up --dev-type foo is a usage error" 2 "unknown device type" \
	"$TUNLAB" up --dev-type foo
check_out "up --bogus is a usage error" 2 "unknown option '--bogus'" \
	"$TUNLAB" up --bogus
check_out "up --name with a space is a usage error" 2 "bad lab name" \
	"$TUNLAB" up --name "a b"
check_out "down --stale --all is a usage error" 2 "exclude each other" \
	"$TUNLAB" down --stale --all
check_out "exec without HOST is a usage error" 2 "HOST is missing" \
	"$TUNLAB" exec
check_out "exec without CMD is a usage error" 2 "CMD is missing" \
	"$TUNLAB" exec mobile --
check_out "status --lab without a name is a usage error" 2 "needs a value" \
	"$TUNLAB" status --lab
check_out "up --help draws the default topology" 0 "tl3fa2m-w0" \
	"$TUNLAB" up --help
if [ -z "$(foreign_labs)" ]; then
	check_out "status with no lab says so" 0 "No lab is running" \
		"$TUNLAB" status
else
	ok "status with no lab # SKIP other labs run on this machine"
fi

# ---- a: the default lab ------------------------------------------------
A=${P}a
up "$A"
check "a: mobile pings office over the wire" ping_ok "$A" mobile 192.0.2.1 64
check "a: office pings mobile over the wire" ping_ok "$A" office 192.0.2.2 64
id_a=$(lab_id "$A")
check "a: device names are tl$id_a{m,o}-{tun,w0}" \
	test "$(lab_devs "$A" | sort | tr '\n' ' ')" = \
	"tl${id_a}m-tun tl${id_a}m-w0 tl${id_a}o-tun tl${id_a}o-w0 "
check "a: IPv6 is off in mobile" \
	test "$(x "$A" mobile sysctl -n net.ipv6.conf.all.disable_ipv6)" = 1
check "a: IPv6 is off on office's wire" test "$(x "$A" office \
	sysctl -n net.ipv6.conf.tl"$id_a"o-w0.disable_ipv6)" = 1
check "a: no IPv6 address in mobile" \
	test -z "$(ip -n "tl$id_a-mobile" -6 addr show)"
check_out "a: offloads are off on mobile's wire" 0 "tx-checksumming: off" \
	x "$A" mobile ethtool -k "tl${id_a}m-w0"
check_out "a: segmentation offload is off on office's wire" 0 \
	"generic-segmentation-offload: off" \
	x "$A" office ethtool -k "tl${id_a}o-w0"
check_out "a: exec passes the exit status through" 7 "" \
	x "$A" mobile sh -c 'exit 7'
check_out "a: exec tells the command its host and probe socket" 0 \
	"mobile /run/tunlab/$A/probe.sock" \
	x "$A" mobile sh -c 'echo $TUNLAB_HOST $TUNLAB_PROBE'
check_out "a: exec in an unknown host lists the hosts" 1 \
	"hosts: mobile, office" x "$A" laptop true
check_out "a: status shows the hosts" 0 "Host office (namespace tl$id_a-office)" \
	"$TUNLAB" status --lab "$A"
check_out "a: status shows the addresses" 0 "tl${id_a}m-w0.*192\.0\.2\.2/28" \
	"$TUNLAB" status --lab "$A"
check_out "a: the state records the tunnel devices" 0 \
	"^tunnel mobile tl${id_a}m-tun 10\.8\.0\.2/24" cat "$RUN/$A/state"
check "a: the run directory is 0755" \
	test "$(stat -c %a "$RUN/$A")" = 755
if [ -z "$(foreign_labs)" ]; then
	check "a: exec without --lab when one lab runs" \
		"$TUNLAB" exec mobile -- true
else
	ok "a: exec without --lab # SKIP other labs run on this machine"
fi

# ---- b: three clients ------------------------------------------------
B=${P}b
up "$B" --clients 3
for k in 1 2 3; do
	h=mobile
	[ $k -gt 1 ] && h=mobile$k
	o=$((16 * (k - 1) + 1))
	check "b: $h pings office at 192.0.2.$o" ping_ok "$B" $h 192.0.2.$o 64
	check "b: office pings $h at 192.0.2.$((o + 1))" \
		ping_ok "$B" office 192.0.2.$((o + 1)) 64
done
id_b=$(lab_id "$B")
check "b: office has one wire per client" test "$(lab_devs "$B" |
	grep -c "^tl${id_b}o-w")" -eq 3
check_out "b: exec without --lab with several labs asks for one" 1 \
	"choose one with --lab" "$TUNLAB" exec mobile -- true
check_out "b: --lab with an unknown name is a clear error" 1 \
	"no lab named 'nosuch'" "$TUNLAB" exec --lab nosuch mobile -- true
check_out "b: down --lab with an unknown name is a clear error" 1 \
	"no lab named 'nosuch'" "$TUNLAB" down --lab nosuch

# ---- c: router and LAN ---------------------------------------------
C=${P}c
up "$C" --router --lan
check "c: mobile pings the router" ping_ok "$C" mobile 192.0.2.1 64
check "c: the router pings office" ping_ok "$C" internet 198.51.100.2 64
check "c: mobile reaches office through the router (TTL 63)" \
	ping_ok "$C" mobile 198.51.100.2 63
check "c: office reaches mobile through the router (TTL 63)" \
	ping_ok "$C" office 192.0.2.2 63
check_out "c: mobile's route to office goes via the router" 0 \
	"198.51.100.2 via 192.0.2.1 " x "$C" mobile ip route get 198.51.100.2
check "c: office pings lan" ping_ok "$C" office 172.16.1.10 64
check "c: lan pings office" ping_ok "$C" lan 172.16.1.1 64
check "c: mobile reaches the LAN through the tunnel" \
	ping_ok "$C" mobile 172.16.1.10 63
check_out "c: mobile's route to the LAN is the tun" 0 \
	"172.16.1.10 via 10.8.0.1 dev tl$(lab_id "$C")m-tun" \
	x "$C" mobile ip route get 172.16.1.10
check "c: the router cannot reach the LAN: it is private" \
	no_ping "$C" internet 172.16.1.10
check "c: office forwards (ip_forward=1)" \
	test "$(x "$C" office sysctl -n net.ipv4.ip_forward)" = 1
check "c: mobile does not forward" \
	test "$(x "$C" mobile sysctl -n net.ipv4.ip_forward)" = 0

# ---- d: three clients, router, LAN, IPv6, offloads kept -------------
D=${P}d
up "$D" --clients 3 --router --lan --ipv6 --offload
for h in mobile mobile2 mobile3; do
	check "d: $h reaches office through the router" \
		ping_ok "$D" $h 198.51.100.2 63
done
check "d: mobile3 reaches office over IPv6 (hop limit 63)" \
	ping_ok "$D" mobile3 2001:db8:100::2 63
check "d: office reaches lan over IPv6" ping_ok "$D" office 2001:db8:200::10 64
check "d: IPv6 is on in mobile" \
	test "$(x "$D" mobile sysctl -n net.ipv6.conf.all.disable_ipv6)" = 0
id_d=$(lab_id "$D")
check_out "d: --offload keeps tx checksumming on" 0 "tx-checksumming: on" \
	x "$D" mobile ethtool -k "tl${id_d}m-w0"
all_devs=$(for l in $A $B $C $D; do lab_devs "$l"; done)
long=$(printf '%s\n' "$all_devs" | awk 'length($0) > 15')
check "device names fit in 15 characters${long:+ ($long)}" test -z "$long"
dups=$(printf '%s\n' "$all_devs" | sort | uniq -d)
check "device names are unique across labs${dups:+ ($dups)}" test -z "$dups"
check "no lab device in the host namespace" \
	test -z "$(host_devs "$id_a" "$id_b" "$(lab_id "$C")" "$id_d")"

# ---- down ------------------------------------------------------------
for l in $A $B $C $D; do
	id=$(lab_id "$l")
	check "down --lab $l" "$TUNLAB" down --quiet --lab "$l"
	check "$l: nothing is left" gone "$l" "$id"
done

# ---- e, f: a killed owner, tunlab down --stale -------------------------
E=${P}e F=${P}f
up "$E"
up "$F"
id_e=$(lab_id "$E") owner_e=$(lab_owner "$E") owner_f=$(lab_owner "$F")
if [ -n "$owner_e" ] && kill -KILL "$owner_e"; then
	ok "e: its owner (pid $owner_e) killed with SIGKILL"
else
	not_ok "e: killing its owner"
fi
check "e: the owner is gone" wait_until 30 proc_gone "$owner_e"
check_out "e: status calls the lab stale" 0 "stale" \
	"$TUNLAB" status --lab "$E"
stale_foreign=$(for l in $(foreign_labs); do
	"$TUNLAB" status --lab "$l" 2>/dev/null | grep -q "is gone" && echo "$l"
done)
if [ -n "$stale_foreign" ]; then
	ok "down --stale # SKIP stale labs of others exist ($stale_foreign): not touching them"
	check "down --lab $E" "$TUNLAB" down --quiet --lab "$E"
else
	check_out "down --stale removes e and leaves f alone" 0 \
		"Lab $F is live" "$TUNLAB" down --stale
fi
check "e: nothing is left" gone "$E" "$id_e"
check "f: its owner still runs" kill -0 "$owner_f"
check "f: its state is untouched" test "$(lab_owner "$F")" = "$owner_f"
check "f: mobile still pings office" ping_ok "$F" mobile 192.0.2.1 64
id_f=$(lab_id "$F")
check "down --lab $F" "$TUNLAB" down --quiet --lab "$F"
check "f: nothing is left" gone "$F" "$id_f"
check "f: its owner has exited" wait_until 30 proc_gone "$owner_f"

# ---- Ctrl-C on a foreground lab ----------------------------------------
G=${P}g
labs="$labs $G"
"$TUNLAB" up --quiet --foreground --name "$G" >/dev/null 2>&1 &
fg_pid=$!
check "g: a foreground lab comes up" wait_until 50 \
	grep -q '^phase up' "$RUN/$G/state"
id_g=$(lab_id "$G")
check "g: mobile pings office" ping_ok "$G" mobile 192.0.2.1 64
kill -INT "$fg_pid"
end_fg
check "g: Ctrl-C removes it and exits 0 (status $rc)" test "$rc" -eq 0
check "g: nothing is left" gone "$G" "$id_g"

# ---- a build interrupted by SIGTERM -------------------------------------
H=${P}h
labs="$labs $H"
"$TUNLAB" up --quiet --foreground --name "$H" --clients 16 --router --lan \
	>/dev/null 2>&1 &
fg_pid=$!
wait_until 50 test -s "$RUN/$H/state"
id_h=$(lab_id "$H")
sleep 0.05
kill -TERM "$fg_pid"
end_fg
check "h: SIGTERM during the build ends tunlab up (status $rc)" \
	test "$rc" -le 1
check "h: nothing is left" gone "$H" "$id_h"

# ---- 20 labs in a row ---------------------------------------------------
ids="" owners="" bad=""
i=1
while [ $i -le 20 ]; do
	R=${P}r$i
	labs="$labs $R"
	case $((i % 4)) in
	0) opts="" ;;
	1) opts="--router" ;;
	2) opts="--lan --clients 2" ;;
	3) opts="--router --lan --ipv6" ;;
	esac
	# shellcheck disable=SC2086
	if ! "$TUNLAB" up --quiet --name "$R" $opts >/dev/null 2>&1; then
		bad="$bad up-$i"
	fi
	ids="$ids $(lab_id "$R")"
	owners="$owners $(lab_owner "$R")"
	"$TUNLAB" down --quiet --lab "$R" >/dev/null 2>&1 || bad="$bad down-$i"
	i=$((i + 1))
done
check "20 labs up and down in a row${bad:+ (failed:$bad)}" test -z "$bad"
left_ns="" left_dev="" left_dir="" left_proc=""
for id in $ids; do
	left_ns="$left_ns$(ip netns list 2>/dev/null | grep "^tl$id-" | cut -d' ' -f1)"
	left_dev="$left_dev$(host_devs "$id")"
done
i=1
while [ $i -le 20 ]; do
	[ -e "$RUN/${P}r$i" ] && left_dir="$left_dir ${P}r$i"
	i=$((i + 1))
done
for pid in $owners; do
	proc_gone "$pid" || left_proc="$left_proc $pid"
done
check "20 labs: no namespace left${left_ns:+ ($left_ns)}" test -z "$left_ns"
check "20 labs: no tl device left in the host namespace" test -z "$left_dev"
check "20 labs: no owner process left${left_proc:+ ($left_proc)}" \
	test -z "$left_proc"
check "20 labs: no run directory left${left_dir:+ ($left_dir)}" \
	test -z "$left_dir"
if command -v ss >/dev/null 2>&1; then
	socks=$(ss -a -x 2>/dev/null | grep "$RUN/$P" || true)
	check "20 labs: no socket left" test -z "$socks"
else
	ok "20 labs: no socket left # SKIP ss is not installed"
fi

echo "1..$n"
exit $failed
