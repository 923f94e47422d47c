#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One-to-many, traced on real labs:
#  1. a TCP write of several segments: every segment carrying its bytes is
#     tied to the write by sequence range (and no other segment is);
#  2. with tunlab up --offload: a GSO super-packet at step 2 (the kernel's
#     64 KB skb, read whole by the fast daemon at step 4 and cut into
#     segments at step 5) is one packet, and each of its segments names it.
#
#   mobile (client)                                     office (server)
#   app send --tcp -> tun --- daemon == wire == daemon --- tun -> app send
#
# Every packet stays inside the labs' namespaces.
set -u
. "$(dirname "$0")/../lib.sh"
need_root "one-to-many trace"
TUNLAB=${TUNLAB:-build/tunlab}
LAB=tlT$$s
DIR=$(mktemp -d /tmp/tunlab-traceseg.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "$LAB" --quiet >/dev/null 2>&1
	"$TUNLAB" down --lab "${LAB}o" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# trace_tcp LAB NAME SIZE COUNT: record COUNT TCP writes of SIZE bytes.
trace_tcp() {
	"$TUNLAB" trace --lab "$1" -w "$DIR/$2.pcapng" --duration 4 \
		>"$DIR/$2.live" 2>"$DIR/$2.err" &
	tracer=$!
	pids="$pids $tracer"
	sleep 1.5
	"$TUNLAB" exec --lab "$1" office -- "$TUNLAB" app send --server --tcp \
		--count 1000 --quiet >/dev/null 2>&1 &
	pids="$pids $!"
	sleep 0.3
	"$TUNLAB" exec --lab "$1" mobile -- "$TUNLAB" app send --tcp \
		--size "$3" --count "$4" --rate 5 --quiet 10.8.0.1 \
		>/dev/null 2>&1
	wait "$tracer"
	"$TUNLAB" export --format jsonl "$DIR/$2.pcapng" -o "$DIR/$2.jsonl"
}

"$TUNLAB" up --name "$LAB" --quiet >"$DIR/up.log" 2>&1 ||
	{ echo "not ok 1 - tunlab up"; sed 's/^/# /' "$DIR/up.log"; exit 1; }
trace_tcp "$LAB" w 6000 3
check "the trace of three 6000-byte writes ends cleanly" \
	"[ -s '$DIR/w.jsonl' ] && grep -q ' packets in ' '$DIR/w.err'"
# For each write (the app's step 1 on mobile): the data segments leaving
# mobile's tun (step 3) whose group is the write, and their bytes; and the
# data segments that belong to no write.
python3 - "$DIR/w.jsonl" >"$DIR/w.result" <<'PY'
import json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
writes = [e["pkt"] for e in ev if e["source"] == "app" and e["step"] == "1"
          and e["host"] == "mobile" and e["len"] == 6000]
segs = [e for e in ev if e["source"] == "pcap" and e["step"] == "3"
        and e["host"] == "mobile" and e.get("dport") == 9]
data = [s for s in segs if int(re.search(r"Len=(\d+)", s["info"]).group(1)) > 0]
by = {}
for s in data:
    by.setdefault(s.get("group", 0), []).append(
        int(re.search(r"Len=(\d+)", s["info"]).group(1)))
ok = sum(1 for w in writes if sum(by.get(w, [])) == 6000 and len(by[w]) > 1)
basis = {s.get("group_basis") for s in data if s.get("group")}
# Every point of a segment's journey names the write on the sending host.
groups = {e["pkt"]: e.get("group") for e in data}
later = [e for e in ev if e["pkt"] in groups and e["dir"] == "out"]
stamped = all(e.get("group") == groups[e["pkt"]] for e in later)
print(len(writes), ok, len(by.get(0, [])), ",".join(sorted(b for b in basis if b)),
      "yes" if stamped else "no", max((len(v) for k, v in by.items() if k), default=0))
PY
read -r nwrites complete loose basis stamped most <"$DIR/w.result"
echo "# writes $nwrites, complete $complete, data segments tied to none $loose, basis $basis, most segments of one write $most"
check "three writes of 6000 bytes, each one app event" "[ '$nwrites' -eq 3 ]"
check "each write's segments (several) carry exactly its 6000 bytes" \
	"[ '$complete' -eq 3 ] && [ '$most' -ge 5 ]"
check "no data segment is left without its write" "[ '$loose' -eq 0 ]"
check "tied by sequence range" "[ '$basis' = 'seq-range' ]"
check "every outgoing point of a segment names its write" "[ '$stamped' = yes ]"
check "the live summary says which write a segment is of" \
	"grep -q 'segment of packet [0-9]* (seq-range)' '$DIR/w.live'"

# The far side: the server's reads (step 1' on office) take the bytes of
# several segments; each segment's packet gets the read as its 1'.
python3 - "$DIR/w.jsonl" >"$DIR/r.result" <<'PY'
import json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
def paylen(e):
    m = re.search(r"Len=(\d+)", e.get("info", ""))
    return int(m.group(1)) if m else 0
segs = {e["pkt"] for e in ev if e["source"] == "pcap" and e["step"] == "3'"
        and e["host"] == "office" and e.get("dport") == 9 and paylen(e)}
read = {e["pkt"] for e in ev if e["source"] == "app" and e["step"] == "1'"
        and e["host"] == "office"}
multi = [e for e in ev if e["source"] == "app" and e["step"] == "1'"
         and e["host"] == "office" and "segment" in e.get("detail", "")]
basis = {e.get("basis") for e in multi}
print(len(segs), len(segs & read), len(multi), ",".join(sorted(b for b in basis if b)) or "-")
PY
read -r nin nread nmulti rbasis <"$DIR/r.result"
echo "# office: $nin data segments in, $nread with the server's read at 1' ($nmulti read points of several segments, basis $rbasis)"
check "every data segment that reached office has the read that took it (1')" \
	"[ '$nin' -ge 15 ] && [ '$nread' -eq '$nin' ] && [ '$nmulti' -ge 1 ] && [ '$rbasis' = seq-range ]"

# A program without probes (python3): its write is seen by the send
# syscall alone, tied to the first segment it made, which is part of the
# kernel's GSO skb of the write; every segment of it by range.
"$TUNLAB" trace --lab "$LAB" -w "$DIR/s.pcapng" --duration 4 \
	>/dev/null 2>"$DIR/s.err" &
tracer=$!
pids="$pids $tracer"
sleep 1.5
"$TUNLAB" exec --lab "$LAB" office -- "$TUNLAB" app send --server --tcp \
	--port 9009 --count 1000 --quiet >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.3
"$TUNLAB" exec --lab "$LAB" mobile -- python3 -c '
import socket, time
s = socket.create_connection(("10.8.0.1", 9009), timeout=3)
time.sleep(0.2)
s.sendall(bytes(range(256)) * 23 + bytes(112))
time.sleep(0.5)
s.close()' >/dev/null 2>&1
wait "$tracer"
"$TUNLAB" export --format jsonl "$DIR/s.pcapng" -o "$DIR/s.jsonl"
python3 - "$DIR/s.jsonl" >"$DIR/s.result" <<'PY'
import json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
# The send's unit: its packet, or the super-packet that packet is a
# segment of (the kernel's GSO skb of the write).
sends = [e.get("group") or e["pkt"] for e in ev if e["source"] == "kernel"
         and e["step"] == "1" and e["host"] == "mobile" and e["len"] == 6000
         and e["pkt"]]
def paylen(e):
    return int(re.search(r"Len=(\d+)", e["info"]).group(1))
segs = [e for e in ev if e["source"] == "pcap" and e["step"] == "3"
        and e["host"] == "mobile" and e.get("dport") == 9009 and paylen(e)]
w = sends[0] if sends else 0
own = sum(paylen(e) for e in segs if e["pkt"] == w)
grouped = [e for e in segs if e.get("group") == w and w]
basis = {e.get("group_basis") for e in grouped}
print(len(sends), own + sum(paylen(e) for e in grouped), len(grouped),
      ",".join(sorted(b for b in basis if b)) or "-")
PY
read -r nsends bytes ngrouped sbasis <"$DIR/s.result"
echo "# syscall-only write: $nsends send events of 6000 bytes, $bytes bytes in its segments, $ngrouped segments grouped ($sbasis)"
check "a write seen only by its syscall maps onto all its segments by range" \
	"[ '$nsends' -eq 1 ] && [ '$bytes' -eq 6000 ] && [ '$ngrouped' -ge 2 ] && [ '$sbasis' = seq-range ]"

# The fast mode: TSO super-packets through the tun.
if "$TUNLAB" up --name "${LAB}o" --offload --quiet >"$DIR/upo.log" 2>&1; then
	trace_tcp "${LAB}o" o 60000 3
	python3 - "$DIR/o.jsonl" >"$DIR/o.result" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
pk = {}
for e in ev:
    if e["pkt"]:
        pk.setdefault(e["pkt"], []).append(e)
# A super-packet: the kernel's skb at step 2 on mobile longer than a frame.
sup = [e["pkt"] for e in ev if e["step"] == "2" and e["host"] == "mobile"
       and "gso" in e["flags"] and e["source"] == "kernel"]
best = None
for p in set(sup):
    segs = {e["pkt"] for e in ev if e.get("group") == p and e["host"] == "mobile"}
    steps = {e["step"] for e in pk[p]}
    if best is None or len(segs) > best[1]:
        best = (p, len(segs), steps, segs)
# The tun holds checksums partial (offload), the daemon finishes them:
# still one packet from step 3 to step 4.
split = sum(1 for es in pk.values()
            if any(e["step"] == "3" and e["source"] == "pcap" and
                   e["host"] == "mobile" for e in es)
            and not any(e["step"] == "4" for e in es))
if best is None:
    print(0, 0, "-", "-", "-", 0, 0, "-", split)
    sys.exit(0)
p, nseg, steps, segs = best
basis = sorted({e.get("group_basis") for e in ev if e.get("group") == p})
daemon4 = any(e["step"] == "4" and e["source"] == "daemon" and "gso" in e["flags"]
              for e in pk[p])
# Each segment goes on by itself: encrypted at step 5, and some on the
# wire (with UDP GSO the wire frame shows the first datagram's header).
enc = sum(1 for s in segs if "5" in {e["step"] for e in pk[s]})
# On the wire: the segments' own frames, or one super-datagram that shows
# the first segment's tunnel header and is the super-packet's.
wire = sum(1 for s in segs | {p} if "7" in {e["step"] for e in pk[s]})
out = "yes" if {"2", "3", "4"} <= steps else "no"
supwire = "yes" if "7" in steps else "no"
print(len(set(sup)), nseg, out, ",".join(basis),
      "yes" if daemon4 else "no", enc, wire, supwire, split)
PY
	read -r nsup nseg out basis daemon4 enc wire supwire split <"$DIR/o.result"
	echo "# offload: super-packets at step 2: $nsup; the largest has $nseg segments (basis $basis), steps 2-4 $out, daemon read it whole: $daemon4, segments encrypted $enc, seen on the wire $wire"
	check "--offload: a GSO super-packet at step 2 on mobile" "[ '$nsup' -ge 1 ]"
	check "--offload: it is one packet with several segment packets, each encrypted" \
		"[ '$nseg' -ge 2 ] && [ '$enc' -eq '$nseg' ] && [ '$wire' -ge 1 ]"
	check "--offload: the super-packet has steps 2, 3 and 4 (read whole)" \
		"[ '$out' = yes ] && [ '$daemon4' = yes ]"
	check "--offload: its segments name it (the daemon's parent digest)" \
		"echo '$basis' | grep -q parent"
	check "--offload: the UDP GSO super-datagram on the wire is its too" \
		"[ '$supwire' = yes ]"
	check "--offload: a checksum partial at the tun does not split a packet ($split at step 3 without 4)" \
		"[ '$split' = 0 ]"
	# On office the super-datagram (7', merged by UDP GRO) is office's
	# super-packet too, known once the daemon decrypts its first datagram.
	python3 - "$DIR/o.jsonl" >"$DIR/g.result" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sup = [e for e in ev if e["source"] == "pcap" and e["step"] == "7'"
       and e["host"] == "office" and "gso" in e["flags"]]
good = [e for e in sup if e["basis"] == "parent" and any(
    x.get("group") == e["pkt"] and x["host"] == "office" for x in ev)]
print(len(sup), len(good))
PY
	read -r nsup7 good7 <"$DIR/g.result"
	echo "# office: $nsup7 super-datagrams at 7', $good7 tied to office's super-packet"
	check "--offload: a super-datagram coming in (7') is the receiving host's super-packet" \
		"[ '$nsup7' -ge 1 ] && [ '$good7' -eq '$nsup7' ]"
else
	echo "ok - tunlab up --offload # SKIP $(tail -n 1 "$DIR/upo.log")"
fi
exit $fail
