#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Trace files read by tshark: a synthetic trace from tests/tools/tracegen
# must open in tshark with no error, no malformed or undecoded packet, and
# show our comments, interface names, packet ids, directions, the real date,
# the TLS key log block and the losses (an interface statistics block with
# the pcap drops).  Prints TAP lines; exits 1 if any failed.
#
#   BUILD=build sh tests/trace/tshark_test.sh
set -eu

BUILD=${BUILD:-build}
TRACEGEN=$BUILD/tests/tracegen
NPKT=3
ROWS_PER_PKT=18		# events tracegen writes per packet
ROOT_NOTE='Running as user "root" and group "root". This could be dangerous.'
BAD_ROW='Malformed|not handled|Unknown|Exception|Exported PDU'
BAD_DETAIL='Malformed|not handled|Exception|Expert Info \((Error|Warning)'

failed=0
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failed=1
}
# check DESCRIPTION COMMAND...: one TAP line for a command's success.
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# Show what went wrong (files or stdin), as TAP diagnostics.
diag() { cat "$@" 2>/dev/null | sed 's/^/# /' | head -20; }

if ! command -v tshark >/dev/null 2>&1; then
	echo "ok - tshark reads tunlab traces # SKIP tshark is not installed"
	exit 0
fi
if [ ! -x "$TRACEGEN" ]; then
	echo "not ok - $TRACEGEN is missing (make unit-bin)"
	exit 1
fi

TMP=$(mktemp -d /tmp/tunlab-tshark.XXXXXX)
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

# tshark FILE OUT ARGS...: run tshark; stdout to OUT, stderr to OUT.err
# without the one line it prints whenever it runs as root.
# (sh has no local variables: these names are its own.)
run_tshark() {
	rt_file=$1 rt_out=$2
	shift 2
	rt_rc=0
	tshark -r "$rt_file" "$@" >"$rt_out" 2>"$rt_out.raw" || rt_rc=$?
	grep -v -x -F "$ROOT_NOTE" "$rt_out.raw" >"$rt_out.err" || true
	return "$rt_rc"
}

# clean_read NAME FILE: tshark reads FILE with no complaint, in the packet
# list and in the full dissection.
clean_read() {
	name=$1 f=$2
	out=$TMP/$name
	what="$name: tshark reads the trace with no error or warning"
	if run_tshark "$f" "$out.rows" && [ ! -s "$out.rows.err" ]; then
		ok "$what"
	else
		not_ok "$what"
		diag "$out.rows.err"
	fi
	# "Exported PDU" as the protocol: no dissector of the name we gave.
	what="$name: no row is malformed, unknown or undissected"
	if [ -s "$out.rows" ] && ! grep -E "$BAD_ROW" "$out.rows" >"$out.bad"
	then
		ok "$what"
	else
		not_ok "$what"
		diag "$out.bad"
	fi
	what="$name: full dissection has no malformed packet or expert error"
	if run_tshark "$f" "$out.v" -V && [ ! -s "$out.v.err" ] &&
	   ! grep -E "$BAD_DETAIL" "$out.v" >"$out.vbad"; then
		ok "$what"
	else
		not_ok "$what"
		diag "$out.v.err" "$out.vbad"
	fi
}

TRACE=$TMP/tun.pcapng
check "tracegen writes a trace of $NPKT packets" "$TRACEGEN" "$TRACE" "$NPKT"
clean_read tun "$TRACE"

# Fields: number, comment, interface, packet id, direction, time, epoch.
run_tshark "$TRACE" "$TMP/fields" -T fields -E separator='|' \
	-e frame.number -e frame.comment -e frame.interface_name \
	-e frame.packet_id -e frame.packet_flags_direction -e frame.time \
	-e frame.time_epoch -e frame.interface_description || true
F=$TMP/fields

# has_row PATTERN: some row matches the extended regular expression.
has_row() { grep -q -E "$1" "$F"; }

check "comments: step 3 on the tun device, as a sentence" \
	has_row '^4\|step 3 · mobile · tl1a2bm-tun · tun/tap driver · packet 1\|'
check "comments: the daemon's decrypt step with its detail" \
	has_row "\|step 5' · office · tunnel · receive \+ decrypt · recvfrom [0-9]+ bytes key 0 peer 1 pid 7 replay ok tag ok · packet 1\|"
check "comments: the kernel's drop" \
	has_row '\|step 6. · office · tl1a2bo-w0 · kernel delivers to daemon · kfree_skb reason NO_SOCKET · dropped · packet 4\|'
check "interface names: pcap devices are host/dev" \
	has_row '\|mobile/tl1a2bm-tun\|'
check "interface names: the wire on the far side" \
	has_row '\|office/tl1a2bo-w0\|'
check "interface names: probe points are pseudo-interfaces" \
	has_row '\|mobile/kernel step 2\|'
check "interface names: the far daemon's step 5'" \
	has_row "\|office/daemon step 5'\|"
check "interface descriptions name the step" \
	has_row '\|step 2, kernel routing \(kernel on mobile\): The kernel wraps'

# packet_rows ID: how many rows carry packet id ID.
packet_rows() { awk -F'|' -v id="$1" '$4 == id' "$F" | wc -l | tr -d ' '; }
n1=$(packet_rows 1) n2=$(packet_rows 2) n3=$(packet_rows 3)
if [ "$n1" -eq "$ROWS_PER_PKT" ] && [ "$n2" -eq "$ROWS_PER_PKT" ] &&
   [ "$n3" -eq "$ROWS_PER_PKT" ]; then
	ok "packet ids: $ROWS_PER_PKT rows for each of packets 1..$NPKT"
else
	not_ok "packet ids: $ROWS_PER_PKT rows for each of packets 1..$NPKT (got $n1 $n2 $n3)"
fi
check "directions: step 3 outbound, step 3' inbound" sh -c '
	grep -q -E "^4\|[^|]*\|[^|]*\|1\|0x00000002\|" "$1" &&
	grep -q -E "^16\|[^|]*\|[^|]*\|1\|0x00000001\|" "$1"' sh "$F"

# Wall clock: the real date and within a day of now, not the monotonic
# clock's 1970.
year=$(date +%Y)
now=$(date +%s)
if [ -s "$F" ] && awk -F'|' -v y="$year" -v now="$now" '
	{ split($6, d, " "); if (d[3] != y || $7 < now - 86400 ||
				 $7 > now + 86400) bad++ }
	END { exit bad > 0 }' "$F"; then
	ok "timestamps: every row is dated today ($year)"
else
	not_ok "timestamps: every row is dated today ($year)"
	cut -d'|' -f1,6 "$F" | diag
fi

# The key log block: tshark reads it without complaint (checked above)
# and its pcapng view decodes it.
run_tshark "$TRACE" "$TMP/blocks" -X read_format:"MIME Files Format" -V ||
	true
if grep -q 'Secrets Type: TLS Key Log (0x544c534b)' "$TMP/blocks" &&
   [ ! -s "$TMP/blocks.err" ]; then
	ok "key log: the decryption secrets block is a TLS key log"
else
	not_ok "key log: the decryption secrets block is a TLS key log"
	diag "$TMP/blocks.err"
fi
if command -v capinfos >/dev/null 2>&1; then
	if capinfos "$TRACE" 2>/dev/null |
	   grep -q 'Number of decryption secrets in file: 1'; then
		ok "key log: capinfos counts one decryption secret"
	else
		not_ok "key log: capinfos counts one decryption secret"
	fi
else
	echo "ok - key log: capinfos counts it # SKIP capinfos is not installed"
fi

# The losses: one statistics block, on the first device (interface 2,
# mobile/tl1a2bm-tun), with tracegen's 3 pcap drops and our sentence.
if grep -q 'Block Type: Interface Statistics Block (0x00000005)' \
	"$TMP/blocks" &&
   grep -q 'Option: Number of Dropped Packets = 3$' "$TMP/blocks" &&
   grep -q "Comment = tunlab: what the tracer's sources lost while recording: 3 frames (pcap), 1 malformed probe events, 2 late, 6 without memory, 5 kernel events (tracefs overruns), at least 4 probe events" "$TMP/blocks"
then
	ok "losses: a statistics block with the pcap drops and the counts in words"
else
	not_ok "losses: a statistics block with the pcap drops and the counts in words"
	grep -A 30 'Interface Statistics Block (0x00000005)' "$TMP/blocks" | diag
fi
if command -v capinfos >/dev/null 2>&1; then
	capinfos "$TRACE" >"$TMP/capinfos" 2>&1 || true
	if awk '/^Interface #/ { name = "" } /Name = / { name = $3 }
		/Number of stat entries = 1$/ && name == "mobile/tl1a2bm-tun" { found = 1 }
		/Number of stat entries = [1-9]/ { n++ }
		END { exit !(found && n == 1) }' "$TMP/capinfos"; then
		ok "losses: capinfos counts one statistics entry, on the first device"
	else
		not_ok "losses: capinfos counts one statistics entry, on the first device"
		grep -E 'Interface #|Name =|stat entries' "$TMP/capinfos" | diag
	fi
else
	echo "ok - losses: capinfos counts them # SKIP capinfos is not installed"
fi
check "losses: tunlab export --format text says them" sh -c '
	"$1" export --format text "$2" | grep -q "^Losses of the sources: 3 frames (pcap), 1 malformed probe events, 2 late, 6 without memory, 5 kernel events (tracefs overruns), at least 4 probe events the daemons could not hand over\.$"' \
	sh "${TUNLAB:-$BUILD/tunlab}" "$TRACE"

if grep -q -E 'Malformed|Expert Info \((Error|Warning)' "$TMP/blocks"; then
	not_ok "pcapng structure: Wireshark's block view finds no error"
	grep -E 'Malformed|Expert Info' "$TMP/blocks" | diag
else
	ok "pcapng structure: Wireshark's block view finds no error"
fi

# The tap variant: Ethernet frames at steps 3 and 4.
TAP=$TMP/tap.pcapng
check "tracegen -t writes a tap trace" "$TRACEGEN" -t "$TAP" 2
clean_read tap "$TAP"

# Pinned clocks give the same bytes on every run (exporters' golden files).
check "SOURCE_DATE_EPOCH makes the trace reproducible" sh -c '
	SOURCE_DATE_EPOCH=1700000000 "$1" "$2.a" 2 &&
	SOURCE_DATE_EPOCH=1700000000 "$1" "$2.b" 2 && cmp -s "$2.a" "$2.b"' \
	sh "$TRACEGEN" "$TMP/pinned"

exit "$failed"
