#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the best end-to-end view tunlab has today.  It explains the
# seven steps, then decodes real packets recorded by the project: what a tun
# device hands the VPN daemon (step 3) and what the wire carries (step 7).
# (The lab topology, tunnel and walkthrough replace this as they land.)
set -eu
TUNLAB=${1:-./build/tunlab}
TOP=$(cd "$(dirname "$0")/.." && pwd)
CAP="$TOP/tests/golden/captures"

pause() {
	if [ -t 0 ] && [ -t 1 ]; then
		printf '\n-- press Enter to go on, Ctrl-C to stop -- '
		read -r _ || true
		echo
	fi
}

echo "== tunlab demo: what really happens to a packet inside a VPN"
echo
"$TUNLAB" steps
pause
echo "== Step 3: a ping as the tun driver hands it to the VPN daemon."
echo "   A tun device carries bare IP packets: no Ethernet header."
echo
"$TUNLAB" dissect --names "$CAP/rawip.pcap" | sed -n '1,/^$/p'
pause
echo "== Step 7: a tunnel data packet on the wire.  Outside: Ethernet, IP,"
echo "   UDP to port 1194; inside: the tunnel header (docs/wire-format.md),"
echo "   then ciphertext no observer on the wire can read."
echo
"$TUNLAB" dissect --names --offsets "$CAP/tunnel-vector.pcap"
echo "== Next: GUIDE.md, and 'tunlab help' for every command."
