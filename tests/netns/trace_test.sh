#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tunlab trace on a real lab: one UDP echo through the tunnel, recorded;
# every point the sources see is there, in step order, tied to one packet.
#
#   mobile (client)                                  office (server)
#   app echo -> tun --- daemon == wire (UDP 1194) == daemon --- tun -> app echo
#
# Every packet stays inside the lab's namespaces.
set -u
. "$(dirname "$0")/../lib.sh"
need_root trace
TUNLAB=${TUNLAB:-build/tunlab}
LAB=tlT$$t
DIR=$(mktemp -d /tmp/tunlab-trace.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "$LAB" --quiet >/dev/null 2>&1
	"$TUNLAB" down --lab "${LAB}p" --quiet >/dev/null 2>&1
	"$TUNLAB" down --lab "${LAB}r" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$TUNLAB" up --name "$LAB" --keylog --quiet >"$DIR/up.log" 2>&1 ||
	{ echo "not ok 1 - tunlab up"; cat "$DIR/up.log" | sed 's/^/# /'; exit 1; }

"$TUNLAB" trace --lab "$LAB" -w "$DIR/t.pcapng" --duration 4 >"$DIR/live" \
	2>"$DIR/trace.err" &
pids="$pids $!"
tracer=$!
sleep 1.5
"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app echo --server --count 1 \
	--quiet &
pids="$pids $!"
sleep 0.3
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app echo \
	--message "trace me" 10.8.0.1 >/dev/null 2>&1
check "the echo goes through the tunnel" "[ $? -eq 0 ]"
sleep 0.3
"$TUNLAB" exec --lab "$LAB" mobile -- ping -c 1 -W 2 10.8.0.1 >/dev/null 2>&1
wait "$tracer"
check "tunlab trace ends after --duration with status 0" "[ $? -eq 0 ]"
check "it reports its losses, none from pcap or probes" \
	"grep -q 'lost: 0 frames (pcap), 0 malformed probe events' '$DIR/trace.err'"
check "kernel events are tied to packets" \
	"grep -q 'recording without the kernel' '$DIR/trace.err' ||
	 grep -q ' [1-9][0-9]* tied to packets' '$DIR/trace.err'"
"$TUNLAB" export --format jsonl "$DIR/t.pcapng" -o "$DIR/t.jsonl"
check "the trace exports" "[ $? -eq 0 ] && [ -s '$DIR/t.jsonl' ]"
lost=$(sed -n 's/.*; lost: \([^;]*\);.*/\1/p' "$DIR/trace.err")
"$TUNLAB" export --format text "$DIR/t.pcapng" >"$DIR/t.txt" 2>&1
check "the trace records the losses the summary printed: $lost" \
	"[ -n '$lost' ] && grep -qF 'Losses of the sources: $lost' '$DIR/t.txt'"

req=$(grep '"step":"1","step_id":0' "$DIR/t.jsonl" | grep '"host":"mobile"' |
	head -1 | sed 's/.*"pkt":\([0-9]*\),.*/\1/')
rep=$(grep '"step":"1","step_id":0' "$DIR/t.jsonl" | grep '"host":"office"' |
	head -1 | sed 's/.*"pkt":\([0-9]*\),.*/\1/')
# All 14: routing on the way in (2', 6') skips the lookup (early demux), so
# the tracer re-queries the route and labels it so (and does the same on the
# way out when tracefs is missing).
want="1 2 3 4 5 6 7 7' 6' 5' 4' 3' 2' 1' "
check "the request has all 14 points in step order: $(points "$DIR/t.jsonl" "$req")" \
	"[ \"\$(points '$DIR/t.jsonl' $req)\" = \"$want\" ]"
check "the reply too, as another packet: $(points "$DIR/t.jsonl" "$rep")" \
	"[ -n '$rep' ] && [ '$rep' != '$req' ] && [ \"\$(points '$DIR/t.jsonl' $rep)\" = \"$want\" ]"
# A ping: the far kernel answers the request (no app reads it: no 1'), and
# makes the reply itself (no app sent it: no 1); ping reads the reply (1').
preq=$(grep '"info":"Echo (ping) request' "$DIR/t.jsonl" | head -1 |
	sed 's/.*"pkt":\([0-9]*\),.*/\1/')
prep=$(grep '"info":"Echo (ping) reply' "$DIR/t.jsonl" | head -1 |
	sed 's/.*"pkt":\([0-9]*\),.*/\1/')
check "a ping request has 13 points, no 1': $(points "$DIR/t.jsonl" "$preq")" \
	"[ \"\$(points '$DIR/t.jsonl' $preq)\" = \"1 2 3 4 5 6 7 7' 6' 5' 4' 3' 2' \" ]"
check "its reply has 13 points, no 1: $(points "$DIR/t.jsonl" "$prep")" \
	"[ \"\$(points '$DIR/t.jsonl' $prep)\" = \"2 3 4 5 6 7 7' 6' 5' 4' 3' 2' 1' \" ]"
check "the request is seen on mobile's tun and wire and office's wire and tun" \
	"grep '\"pkt\":$req,' '$DIR/t.jsonl' | grep '\"source\":\"pcap\"' |
	 sed 's/.*\"dev\":\"tl[0-9a-f]*\\([^\"]*\\)\".*/\\1/' | tr '\\n' ' ' |
	 grep -q '^m-tun m-w0 o-w0 o-tun \$'"
check "the wire points are tied by the tunnel key, the others by content" \
	"grep '\"pkt\":$req,' '$DIR/t.jsonl' | grep '\"step\":\"7' | grep -vq '\"basis\":\"content\"' &&
	 grep '\"pkt\":$req,' '$DIR/t.jsonl' | grep '\"step\":\"7' | grep -q '\"basis\":\"tunnel-key\"'"
times=$(grep "\"pkt\":$req," "$DIR/t.jsonl" | grep -v '"source":"kernel"' |
	sed 's/.*"ts_ns":\([0-9]*\),.*/\1/')
check "times increase along the way (pcap, daemon and app points)" \
	"[ -n '$times' ] && [ \"\$(echo '$times' | sort -n | tr '\n' ' ')\" = \"\$(echo '$times' | tr '\n' ' ')\" ]"
check "the live summary shows both packets with all their points" \
	"[ \$(grep -c '1 2 3 4 5 6 7 | 7 6 5 4 3 2 1' '$DIR/live') -ge 2 ]"
check "re-queried routes are labelled so, never passed off as seen" \
	"grep '\"pkt\":$req,' '$DIR/t.jsonl' | grep '\"step\":\"2.\"' | grep -q '\"re-queried\"'"
if command -v capinfos >/dev/null 2>&1; then
	check "with up --keylog the trace carries the TLS secrets" \
		"capinfos '$DIR/t.pcapng' | grep -q 'decryption secrets in file: [1-9]'"
fi
if command -v tshark >/dev/null 2>&1; then
	out=$(tshark -r "$DIR/t.pcapng" 2>&1 | grep -v 'Running as user "root"')
	check "tshark reads the trace cleanly" \
		"! echo \"\$out\" | grep -qi -e malformed -e 'not handled' -e error"
fi

# Stopped by a signal (as Ctrl-C stops it; a background job of sh ignores
# SIGINT, so SIGTERM, which ends it the same way): the losses are still
# written at the end of the trace.
"$TUNLAB" trace --lab "$LAB" -w "$DIR/s.pcapng" -q >/dev/null \
	2>"$DIR/s.err" &
tracer=$!
pids="$pids $tracer"
sleep 1.5
kill -TERM "$tracer"
wait "$tracer"
check "tunlab trace stopped by SIGTERM ends with status 0" "[ $? -eq 0 ]"
"$TUNLAB" export --format text "$DIR/s.pcapng" >"$DIR/s.txt" 2>&1
check "and its trace still records the losses" \
	"grep -q '^Losses of the sources: [0-9]* frames (pcap), [0-9]* malformed' '$DIR/s.txt'"

# A filter chooses packets, not frames: a packet is kept when any of its
# observations matches, so the echo's encrypted wire frames come with it.
"$TUNLAB" trace --lab "$LAB" -f "udp port 77777" >"$DIR/bad" 2>&1
check "a bad filter is refused with pcap's reason" \
	"[ $? -eq 1 ] && grep -q 'bad filter .*illegal port' '$DIR/bad'"
"$TUNLAB" trace --lab "$LAB" -w "$DIR/f.pcapng" -f "udp port 7" \
	--duration 3 >"$DIR/flive" 2>"$DIR/f.err" &
tracer=$!
pids="$pids $tracer"
sleep 1.2
"$TUNLAB" exec --lab "$LAB" mobile -- ping -c 2 -i 0.2 10.8.0.1 >/dev/null 2>&1
"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app echo --server --count 1 \
	--quiet &
pids="$pids $!"
sleep 0.3
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app echo \
	--message "filtered" 10.8.0.1 >/dev/null 2>&1
wait "$tracer"
check "with -f 'udp port 7' only the echo's two packets are kept" \
	"grep -q ' 2 packets in .*([4-9][0-9]* did not match the filter)' '$DIR/f.err'"
"$TUNLAB" export --format jsonl "$DIR/f.pcapng" -o "$DIR/f.jsonl"
check "and their outer wire frames with them" \
	"[ \$(grep '\"source\":\"pcap\"' '$DIR/f.jsonl' | grep -c '\"step\":\"7') -eq 4 ]"

# A chat line over TCP: step 1 from the app, all 14 points, and the route
# of the connected socket (looked up once, at connect) labelled cached.
"$TUNLAB" trace --lab "$LAB" -w "$DIR/c.pcapng" --duration 4 >/dev/null \
	2>&1 &
tracer=$!
pids="$pids $tracer"
sleep 1.2
"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app chat --server --echo \
	--count 1 --quiet >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.3
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" app chat --message \
	"a chat line" --count 1 10.8.0.1 >/dev/null 2>&1
wait "$tracer"
"$TUNLAB" export --format jsonl "$DIR/c.pcapng" -o "$DIR/c.jsonl"
cpk=$(grep '"step":"1","step_id":0,' "$DIR/c.jsonl" | grep '"source":"app"' |
	grep '"host":"mobile"' | head -1 | sed 's/.*"pkt":\([0-9]*\),.*/\1/')
cp_points=$(points "$DIR/c.jsonl" "$cpk")
check "a chat line over TCP has its 14 points: $cp_points" \
	"[ \"$cp_points\" = \"1 2 3 4 5 6 7 7' 6' 5' 4' 3' 2' 1' \" ]"
check "its route at step 2 is the connected socket's, labelled cached" \
	"grep '\"pkt\":$cpk,' '$DIR/c.jsonl' | grep '\"step\":\"2\"' | grep -q '\"cached-route\"'"

# Faults: a tampered datagram and a replayed one, each with its verdict.
"$TUNLAB" trace --lab "$LAB" -w "$DIR/x.pcapng" --duration 4 >"$DIR/xlive" \
	2>/dev/null &
tracer=$!
pids="$pids $tracer"
sleep 1.2
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" inject bitflip --quiet \
	>/dev/null 2>&1
"$TUNLAB" exec --lab "$LAB" mobile -- "$TUNLAB" inject replay --quiet \
	>/dev/null 2>&1
wait "$tracer"
check "a tampered datagram: dropped at step 5' on office: bad tag" \
	"grep -q \"dropped at step 5' on office: bad tag\" '$DIR/xlive'"
check "a replayed one: dropped at step 5' on office: replay" \
	"grep -q \"dropped at step 5' on office: replay\" '$DIR/xlive'"

# TAP mode: the tap device carries Ethernet frames, ARP included.
"$TUNLAB" up --name "${LAB}p" --dev-type tap --quiet >/dev/null 2>&1
"$TUNLAB" trace --lab "${LAB}p" -w "$DIR/p.pcapng" --duration 3 \
	>/dev/null 2>&1 &
tracer=$!
pids="$pids $tracer"
sleep 1.2
"$TUNLAB" exec --lab "${LAB}p" mobile -- ip neigh flush all >/dev/null 2>&1
"$TUNLAB" exec --lab "${LAB}p" mobile -- ping -c 1 -W 2 10.8.0.1 >/dev/null 2>&1
wait "$tracer"
"$TUNLAB" export --format jsonl "$DIR/p.pcapng" -o "$DIR/p.jsonl"
check "TAP: step 3 holds Ethernet frames" \
	"grep '\"step\":\"3\"' '$DIR/p.jsonl' | grep '\"source\":\"pcap\"' | grep -q '\"link\":\"eth\"'"
check "TAP: ARP crosses the tunnel, traced at step 3 and 3'" \
	"grep '\"proto\":\"ARP\"' '$DIR/p.jsonl' | grep -q '\"step\":\"3\"' &&
	 grep '\"proto\":\"ARP\"' '$DIR/p.jsonl' | grep -q '\"step\":\"3.\"'"

# Without the tunnel's route the data leaves in clear (via the router, which
# drops it); without any route it goes nowhere.  The verdicts say so.
"$TUNLAB" up --name "${LAB}r" --router --quiet >/dev/null 2>&1
tun=$("$TUNLAB" exec --lab "${LAB}r" mobile -- ls /sys/class/net | grep 'm-tun$')
"$TUNLAB" trace --lab "${LAB}r" -w "$DIR/r.pcapng" --duration 4 >"$DIR/rlive" \
	2>/dev/null &
tracer=$!
pids="$pids $tracer"
sleep 1.2
"$TUNLAB" exec --lab "${LAB}r" mobile -- ip route del 10.8.0.0/24 dev "$tun"
"$TUNLAB" exec --lab "${LAB}r" mobile -- "$TUNLAB" app echo --message clear \
	--timeout 300 10.8.0.1 >/dev/null 2>&1
"$TUNLAB" exec --lab "${LAB}r" mobile -- ip route del default
"$TUNLAB" exec --lab "${LAB}r" mobile -- "$TUNLAB" app echo --message none \
	--timeout 300 10.8.0.1 >/dev/null 2>&1
wait "$tracer"
check "with the tun route deleted: the packet left mobile unencrypted" \
	"grep 'UDP 192.0.2.2 -> 10.8.0.1' '$DIR/rlive' | grep -q 'left mobile UNENCRYPTED'"
check "with no route at all: dropped at step 2 on mobile: no route" \
	"grep -q \"dropped at step 2 on mobile: no route to 10.8.0.1\" '$DIR/rlive'"
check "and that refusal is one packet (the app's account joins the kernel's)" \
	"[ \$(grep -c 'dropped at step 2 on mobile: no route' '$DIR/rlive') -eq 1 ]"
exit $fail
