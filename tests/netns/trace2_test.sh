#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Two clients sending unique payloads at once, and a second lab busy beside
# them: every packet the tracer put together agrees with the apps' own
# records (one send and one receive of the same payload digest, from the
# client that sent it), and nothing of the other lab gets in.  Every packet
# stays inside the labs' namespaces.
set -u
. "$(dirname "$0")/../lib.sh"
need_root "two-lab trace"
TUNLAB=${TUNLAB:-build/tunlab}
A=tlT$$a B=tlT$$b
DIR=$(mktemp -d /tmp/tunlab-trace2.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$TUNLAB" down --lab "$A" --quiet >/dev/null 2>&1
	"$TUNLAB" down --lab "$B" --quiet >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$TUNLAB" up --name "$A" --clients 2 --quiet >/dev/null 2>&1 &&
"$TUNLAB" up --name "$B" --quiet >/dev/null 2>&1 ||
	{ echo "not ok 1 - two labs up"; exit 1; }
prefix_b=$(sed -n 's/^id //p' "/run/tunlab/$B/state")

"$TUNLAB" trace --lab "$A" -w "$DIR/t.pcapng" --duration 5 --quiet \
	>/dev/null 2>"$DIR/trace.err" &
tracer=$!
pids="$pids $tracer"
sleep 1.5
for lab in "$A" "$B"; do
	"$TUNLAB" exec --lab "$lab" office -- "$TUNLAB" app send --server \
		--count 10000 --quiet >/dev/null 2>&1 &
	pids="$pids $!"
done
sleep 0.3
"$TUNLAB" exec --lab "$B" mobile -- "$TUNLAB" app send --count 400 \
	--rate 200 10.8.0.1 >/dev/null 2>&1 &
pids="$pids $!"
"$TUNLAB" exec --lab "$A" mobile -- "$TUNLAB" app send --count 200 \
	--rate 100 10.8.0.1 >/dev/null 2>&1 &
m1=$!
"$TUNLAB" exec --lab "$A" mobile2 -- "$TUNLAB" app send --count 200 \
	--rate 100 10.8.0.1 >/dev/null 2>&1
wait "$m1"
wait "$tracer"
check "the trace of lab A ends cleanly" "[ $? -eq 0 ]"
"$TUNLAB" export --format jsonl "$DIR/t.pcapng" -o "$DIR/t.jsonl"
python3 - "$DIR/t.jsonl" >"$DIR/result" <<'PY'
import json, re, sys
pk = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["source"] == "app" and e["pkt"]:
        d = re.search(r"digest ([0-9a-f]+)", e["detail"]).group(1)
        pk.setdefault(e["pkt"], []).append((e["step"], e["host"], d))
sends = sum(1 for v in pk.values() for s in v if s[0] == "1")
agree = bad = 0
for p, v in pk.items():
    s = [x for x in v if x[0] == "1"]
    r = [x for x in v if x[0] == "1'"]
    if len(s) == 1 and len(r) == 1 and s[0][2] == r[0][2] and \
       s[0][1].startswith("mobile") and r[0][1] == "office":
        agree += 1
    else:
        bad += 1
hosts = {x[1] for v in pk.values() for x in v if x[0] == "1"}
print(sends, agree, bad, " ".join(sorted(hosts)))
PY
read -r sends agree bad hosts <"$DIR/result"
echo "# app sends $sends, packets that agree with the apps $agree, disagree $bad, senders: $hosts"
check "400 sends from the two clients" "[ '$sends' -eq 400 ]"
check "both clients' packets are in it" "[ '$hosts' = 'mobile mobile2' ]"
check "every packet joins one send and one receive of the same payload" \
	"[ '$agree' -eq 400 ] && [ '$bad' -eq 0 ]"
check "nothing of lab B's devices is in lab A's trace" \
	"! grep -q '\"dev\":\"tl$prefix_b' '$DIR/t.jsonl'"
exit $fail
