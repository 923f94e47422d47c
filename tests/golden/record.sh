#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Record the golden captures in tests/golden/captures/ (run as root, by hand,
# only to regenerate them; the results are committed as test data).
#
#   tlg<id>a                                   tlg<id>b
#   +---------------------+   veth "wire"   +---------------------+
#   | tlg<id>a-w0         |-----------------| tlg<id>b-w0         |
#   | 192.0.2.1/24        |                 | 192.0.2.2/24        |
#   | 2001:db8::1/64      |                 | 2001:db8::2/64      |
#   | tlg<id>a-tun        |                 |                     |
#   | 10.9.0.1 (echo peer 10.9.0.2 answers in user space)         |
#   +---------------------+                 +---------------------+
#
# Every packet stays between these two namespaces.  This kernel may lack
# 802.1Q and IP-in-IP, so the VLAN frame is a real echo request with a tag
# written to the wire by an AF_PACKET socket, and raw-IP frames come from a
# real tun device whose reader (tun-echo.py) answers pings.
set -eu

[ "$(id -u)" -eq 0 ] || { echo "record.sh: needs root" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/captures
id=$$
A=tlg${id}a B=tlg${id}b
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ina() { ip netns exec "$A" "$@"; }
inb() { ip netns exec "$B" "$@"; }

ip netns add "$A"
ip netns add "$B"
ip link add "$A-w0" netns "$A" address 02:00:00:00:00:01 type veth \
	peer name "$B-w0" netns "$B" address 02:00:00:00:00:02
for ns in "$A" "$B"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$ns-w0" up
done
ip -n "$A" addr add 192.0.2.1/24 dev "$A-w0"
ip -n "$B" addr add 192.0.2.2/24 dev "$B-w0"
ip -n "$A" addr add 2001:db8::1/64 dev "$A-w0" nodad
ip -n "$B" addr add 2001:db8::2/64 dev "$B-w0" nodad

# capture NAME NS DEV CMD...: record DEV in NS while CMD runs.
capture() {
	name=$1 ns=$2 dev=$3
	shift 3
	rm -f "$OUT/$name.pcap"
	ip netns exec "$ns" dumpcap -q -P -i "$dev" -w "$OUT/$name.pcap" \
		2>/dev/null &
	cap=$!
	pids="$pids $cap"
	i=0
	while [ ! -s "$OUT/$name.pcap" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 1
	"$@" >/dev/null 2>&1 || true
	sleep 0.5
	kill -INT "$cap"
	wait "$cap" 2>/dev/null || true
	chmod 0644 "$OUT/$name.pcap"
	echo "recorded $name.pcap"
}

# ARP, then ICMP echo; checksums as the sender left them.
ina ip neigh flush all
capture arp-ping "$A" "$A-w0" ina ping -c 2 -i 0.2 192.0.2.2
capture ipv4-options "$A" "$A-w0" ina ping -c 1 -R 192.0.2.2
capture ipv4-fragments "$A" "$A-w0" ina ping -c 1 -s 3000 192.0.2.2

# TCP with the checksum left to offload (veth's default): a partial sum.
inb sh -c 'nc -l -p 8080 >/dev/null' &
pids="$pids $!"
sleep 0.3
capture tcp-offload "$A" "$A-w0" ina sh -c 'printf "hello\n" | nc -q 1 192.0.2.2 8080'

# UDP with full checksums: turn tx checksum offload off first.
ina ethtool -K "$A-w0" tx off >/dev/null
inb ethtool -K "$B-w0" tx off >/dev/null
inb sh -c 'timeout 3 nc -u -l -p 7777 >/dev/null' &
pids="$pids $!"
sleep 0.3
capture udp "$A" "$A-w0" ina sh -c 'printf "ping\n" | nc -u -q 1 192.0.2.2 7777'
inb sh -c 'nc -l -p 8081 >/dev/null' &
pids="$pids $!"
sleep 0.3
capture tcp-options "$A" "$A-w0" ina sh -c 'printf "hi\n" | nc -q 1 192.0.2.2 8081'

# 802.1Q: a tagged echo request sent on the wire, captured at the far end.
capture vlan "$B" "$B-w0" ina python3 "$HERE/send-vlan.py" "$A-w0"

# IPv6: neighbour discovery, echo, and a fragmented echo.
capture ipv6 "$A" "$A-w0" sh -c "ip netns exec $A ip -6 neigh flush all;
	ip netns exec $A ping -6 -c 1 2001:db8::2;
	ip netns exec $A ping -6 -c 1 -s 2000 2001:db8::2"

# A UDP datagram to the tunnel's port carrying a hand-built data header
# (until the tunnel records its own).
capture tunnel-vector "$A" "$A-w0" ina python3 -c '
import socket
hdr = bytes([9 << 3 | 2, 0, 0, 7, 0, 0, 0, 42]) + bytes(range(16))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 40000))
s.sendto(hdr + b"\x8a" * 48, ("192.0.2.2", 1194))'

# A tun device: frames are bare IP packets (LINKTYPE_RAW).
ina python3 "$HERE/tun-echo.py" "$A-tun" 10.9.0.1 10.9.0.2 &
pids="$pids $!"
sleep 1
capture rawip "$A" "$A-tun" ina sh -c 'ping -c 2 -i 0.2 10.9.0.2;
	ping -c 1 -s 1400 10.9.0.2'
