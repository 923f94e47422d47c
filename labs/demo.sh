#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the best end-to-end view tunlab has today.  It builds a lab
# (two namespaces and a wire), explains the seven steps, sends one UDP echo
# from mobile to office with the lab apps while recording the wire, and
# decodes what the wire carried; then it removes the lab.  (The tunnel, the
# tracer and the walkthrough take over as they land.)
set -eu
TUNLAB=${1:-./build/tunlab}
LAB=tldemo$$
DIR=$(mktemp -d /tmp/tunlab-demo.XXXXXX)
cap_pid=""
srv_pid=""

cleanup() {
	set +e
	if [ -n "$cap_pid" ]; then kill "$cap_pid" 2>/dev/null; fi
	if [ -n "$srv_pid" ]; then kill "$srv_pid" 2>/dev/null; fi
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

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo: needs root (it builds network namespaces); try: sudo make demo" >&2
	exit 1
fi

echo "== tunlab demo: what really happens to a packet inside a VPN"
echo
"$TUNLAB" steps
pause
echo "== A lab: two hosts (network namespaces) joined by a wire (veth)."
echo "   Every command tunlab runs is shown, so you could type them yourself."
echo
"$TUNLAB" up --name "$LAB"
pause
echo "== mobile sends one UDP datagram to office's echo server; office sends"
echo "   it back.  We record office's end of the wire meanwhile."
echo
wire=$("$TUNLAB" exec --lab "$LAB" office -- ls /sys/class/net | grep -- 'o-w0$')
"$TUNLAB" exec --lab "$LAB" office -- dumpcap -q -P -i "$wire" \
	-w "$DIR/wire.pcap" >/dev/null 2>&1 &
cap_pid=$!
"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app echo --server --count 1 \
	--quiet &
srv_pid=$!
sleep 1
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app echo \
	--message "hello office" 192.0.2.1
sleep 0.5
kill -INT "$cap_pid" 2>/dev/null || true
wait "$cap_pid" 2>/dev/null || true
cap_pid=""
pause
echo "== What the wire carried, field by field (step 7 going out, 7' coming"
echo "   in).  Without a tunnel, anyone on the wire reads 'hello office'."
echo
"$TUNLAB" dissect "$DIR/wire.pcap"
echo "== Next: the tunnel encrypts this.  Read GUIDE.md; 'tunlab help' lists"
echo "   every command."
