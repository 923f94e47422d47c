#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make samples: record the sample traces in labs/samples/ (as root), so that
# tunlab view, export and dissect can be tried at once, without root, on
# any machine.  Each is one real lab, traced while a few packets cross it:
#   tun.pcapng  TUN mode: a UDP echo, a chat line over TCP, a ping
#   tap.pcapng  TAP mode: ARP, then a ping
set -eu
TUNLAB=${1:-./build/tunlab}
OUT=$(cd "$(dirname "$0")" && pwd)/samples
LAB=tlsmp$$
pids=""

cleanup() {
	set +e
	for p in $pids; do kill "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "${LAB}u" --quiet >/dev/null 2>&1
	"$TUNLAB" down --lab "${LAB}a" --quiet >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM
[ "$(id -u)" -eq 0 ] || { echo "make samples: needs root" >&2; exit 1; }
mkdir -p "$OUT"

# trace LAB FILE SECONDS: record in the background.
trace() {
	"$TUNLAB" trace --lab "$1" -w "$2.tmp" --snaplen 256 --duration "$3" \
		--quiet >/dev/null 2>&1 &
	tracer=$!
	pids="$pids $tracer"
	sleep 1.5
}
finish() {
	wait "$tracer"
	mv "$1.tmp" "$1"
	echo "recorded $1 ($(wc -c <"$1") bytes)"
}

"$TUNLAB" up --name "${LAB}u" --keylog --quiet >/dev/null
trace "${LAB}u" "$OUT/tun.pcapng" 6
x() { "$TUNLAB" exec --lab "${LAB}u" "$@"; }
x office -- "$TUNLAB" app echo --server --count 1 --quiet &
pids="$pids $!"
sleep 0.3
x mobile -- "$TUNLAB" app echo --message "hello office" 10.8.0.1 >/dev/null
x office -- "$TUNLAB" app chat --server --echo --count 1 --quiet &
pids="$pids $!"
sleep 0.3
x mobile -- "$TUNLAB" app chat --message "a line typed in telnet" --count 1 \
	10.8.0.1 >/dev/null
x mobile -- ping -c 1 10.8.0.1 >/dev/null
finish "$OUT/tun.pcapng"

"$TUNLAB" up --name "${LAB}a" --dev-type tap --quiet >/dev/null
trace "${LAB}a" "$OUT/tap.pcapng" 4
"$TUNLAB" exec --lab "${LAB}a" mobile -- ping -c 2 -i 0.3 10.8.0.1 >/dev/null
finish "$OUT/tap.pcapng"
