#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the best end-to-end view tunlab has today.  It builds a lab
# (mobile and office, a wire between them, the VPN running in both),
# explains the seven steps, traces one UDP echo from mobile to office through
# the tunnel (tunlab trace: every step on both hosts, with times), and
# decodes the packet in clear on office's tun (step 3') and encrypted on its
# wire (step 7').  On a terminal, the guided walkthrough (tunlab walk) runs
# in the same lab first.  Then it removes the lab.
set -eu
TUNLAB=${1:-./build/tunlab}
LAB=tldemo$$
DIR=$(mktemp -d /tmp/tunlab-demo.XXXXXX)
caps=""
srv_pid=""

cleanup() {
	set +e
	for p in $caps $srv_pid; do kill "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "$LAB" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pause() {
	if [ -t 0 ] && [ -t 1 ]; then
		printf '\n-- press Enter to go on, Ctrl-C to stop -- '
		read -r _ || true
		echo
	fi
}

# record DEV FILE: capture DEV in office into FILE, in the background.
record() {
	"$TUNLAB" exec --lab "$LAB" office -- dumpcap -q -P -i "$1" -w "$2" \
		>/dev/null 2>&1 &
	caps="$caps $!"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo: needs root (it builds network namespaces); try: sudo make demo" >&2
	exit 1
fi

echo "== tunlab demo: what really happens to a packet inside a VPN"
echo
"$TUNLAB" steps
pause
echo "== A lab: two hosts (network namespaces) joined by a wire (veth), with"
echo "   tunlab's VPN running in both.  Every command is shown, so you could"
echo "   type them yourself."
echo
"$TUNLAB" up --name "$LAB"
pause
if [ -t 0 ] && [ -t 1 ]; then
	echo "== The guided walkthrough (tunlab walk): one chat line typed on mobile"
	echo "   crosses to office, stop by stop.  Right arrow goes on, Left goes"
	echo "   back, ? lists the keys, q leaves it."
	pause
	"$TUNLAB" walk --lab "$LAB" || true
	echo
fi
echo "== mobile sends one UDP datagram to office's echo server at 10.8.0.1,"
echo "   through the tunnel; office sends it back.  We record office's tun"
echo "   device and office's end of the wire meanwhile."
echo
devs=$("$TUNLAB" exec --lab "$LAB" office -- ls /sys/class/net)
tun=$(echo "$devs" | grep -- 'o-tun$')
wire=$(echo "$devs" | grep -- 'o-w0$')
record "$tun" "$DIR/tun.pcap"
record "$wire" "$DIR/wire.pcap"
"$TUNLAB" trace --lab "$LAB" -w "$DIR/trace.pcapng" --duration 4 \
	>"$DIR/live" 2>/dev/null &
tracer=$!
caps="$caps $tracer"
"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app echo --server --count 1 \
	--quiet &
srv_pid=$!
sleep 1
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app echo \
	--message "hello office" 10.8.0.1
sleep 0.5
wait "$tracer" 2>/dev/null || true
for p in $caps; do kill -INT "$p" 2>/dev/null || true; done
for p in $caps; do wait "$p" 2>/dev/null || true; done
caps=""
pause
echo "== The whole trip (tunlab trace): each packet, the points it was seen"
echo "   at (1..7 on the sending host, 7'..1' on the receiving one):"
echo
cat "$DIR/live"
echo
"$TUNLAB" export --format text "$DIR/trace.pcapng" |
	sed -n '/^Packet 1:/,/^$/p' | cut -c1-150
pause
echo "== Step 3': what office's tun device handed to the kernel after the"
echo "   VPN daemon decrypted it: the original IP packet, 'hello office' in"
echo "   clear, addressed 10.8.0.2 -> 10.8.0.1 inside the tunnel."
echo
"$TUNLAB" dissect "$DIR/tun.pcap" | sed -n '1,/^$/p'
pause
echo "== Step 7': the same datagram as it arrived on office's wire.  Outside:"
echo "   Ethernet, IP 192.0.2.2 -> 192.0.2.1, UDP to port 1194; inside: the"
echo "   tunnel header (peer id, packet id, tag) and ciphertext.  Nobody on"
echo "   the wire can read 'hello office'."
echo
"$TUNLAB" dissect "$DIR/wire.pcap" | sed -n '1,/^$/p'
echo "== Next: GUIDE.md; 'tunlab help' lists every command."
