#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tunlab view, driven in tmux: the sample trace opens without root, the
# right arrow walks the events in the order tunlab export lists them (the
# status line and the highlighted box say which step on which host), the
# left arrow undoes it, the detail pane shows the tunnel header at step 5,
# ? lists the keys, a bad filter says why in place, the screens fit 80x24
# and 200x60, a truncated trace opens with a warning, the stats say what
# the sources lost (or that the trace did not record it), and the terminal
# is given back on every exit, a crash included.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/uilib.sh"
trap ui_cleanup EXIT
trap 'exit 1' INT TERM

T=$TOP/labs/samples/tun.pcapng
"$TUNLAB" export --format jsonl "$T" -o "$DIR/tun.jsonl" ||
	{ echo "not ok 1 - export the sample"; exit 1; }
N=$(wc -l <"$DIR/tun.jsonl")

# jsonl K FIELD: field FIELD (string or null) of the K-th event.
jfield() {
	sed -n "${1}p" "$DIR/tun.jsonl" |
		sed -n "s/.*\"$2\":\\(null\\|\"[^\"]*\"\\).*/\\1/p" | tr -d '"'
}

start v 80 24 "'$TUNLAB' view '$T'"
check "view opens the sample at 80x24: event 0/$N" \
	"wait_for v 'event 0/$N'"
screen v >"$DIR/first"
check "the packet list is shown, packet 1 first" \
	"grep -q 'pkt  time' '$DIR/first' && grep -q '^ *1  *0\\.0000 ' '$DIR/first'"
for short in "1 app" "2 route" "3 tun" "4 read" "5 encry" "6 route" "7 NIC"; do
	check "80x24: the path view has box '$short'" "grep -q '$short' '$DIR/first'"
done

# The k-th press of Right selects the k-th event of the export: its step
# and host on the status line, and its box (">N") on the host's side.
K=30
[ "$N" -lt "$K" ] && K=$N
bad=""
k=1
while [ "$k" -le "$K" ]; do
	keys v Right
	if ! wait_for v "event $k/$N"; then
		bad="$bad $k(no-status)"
		break
	fi
	st=$(status v)
	step=$(jfield "$k" step)
	host=$(jfield "$k" host)
	[ "$step" = null ] && step=-
	case "$st" in
	*"step $step "*"on $host "*) ;;
	*) bad="$bad $k(status:$st want step $step on $host)" ;;
	esac
	if [ "$step" != - ]; then
		num=$(printf %s "$step" | cut -c1)
		col=$(screen v | sed -n '2,8p' |
			awk -v p=">$num " 'index($0, p) { print index($0, p) - 1; exit }')
		col=${col:-9999}
		if [ "$host" = office ]; then side=$((col >= 40)); else side=$((col < 40)); fi
		[ "$side" -eq 1 ] || bad="$bad $k(box $num at col $col for $host)"
	fi
	k=$((k + 1))
done
check "Right x$K follows the export event by event (status and box)${bad:+:$bad}" \
	"[ -z '$bad' ]"
keys v Left
check "Left goes back one: event $((K - 1))/$N" "wait_for v 'event $((K - 1))/$N '"
st=$(status v)
step=$(jfield $((K - 1)) step)
check "and shows that event's step again ($step)" \
	"case '$st' in *'step $step '*) true ;; *) false ;; esac"
k=1
while [ "$k" -lt "$K" ]; do keys v Left; k=$((k + 1)); done
check "Left x$K undoes every step: event 0/$N" "wait_for v 'event 0/$N '"

# Step 5 on the way out: the daemon's tunnel header and tag.
s5=$(grep -n '"step":"5",' "$DIR/tun.jsonl" | grep '"link":"tunnel"' |
	head -1 | cut -d: -f1)
k=0
while [ "$k" -lt "$s5" ]; do keys v Right; k=$((k + 1)); done
wait_for v "event $s5/$N"
screen v >"$DIR/s5"
check "event $s5 is step 5 (encrypt + UDP send)" \
	"grep -q 'step 5 encrypt' '$DIR/s5'"
check "the detail pane shows the tunnel header at step 5" \
	"grep -q 'tunlab VPN, DATA_V2' '$DIR/s5' && grep -q 'Peer ID' '$DIR/s5'"
check "and says which bytes the step added" \
	"grep -q 'added the tunnel header and tag: bytes 0-23' '$DIR/s5'"
# The hex dump: Tab to the detail pane, page down to it; bytes 0-23 are
# written in upper case (and highlighted), the ciphertext after them not.
keys v Tab
i=0
while ! screen v | grep -q '^0010  ' && [ "$i" -lt 10 ]; do
	keys v NPage
	sleep 0.1
	i=$((i + 1))
done
hex=$(screen v | grep '^0010  ' | cut -c7-54)
added=$(printf %s "$hex" | cut -c1-24)
rest=$(printf %s "$hex" | cut -c25-)
check "the hex dump marks bytes 16-23 as added, not 24-31: '$hex'" \
	"printf %s '$added' | grep -q '[A-F]' && ! printf %s '$added' | grep -q '[a-f]' &&
	 ! printf %s '$rest' | grep -q '[A-F]'"
keys v Tab

# Help: every key the issue asks for, from the key table.
keys v '?'
wait_for v 'Keys  (q back'
screen v >"$DIR/help"
i=0
while ! grep -q 'Progress column' "$DIR/help" && [ "$i" -lt 10 ]; do
	keys v NPage
	sleep 0.2
	screen v >>"$DIR/help"
	i=$((i + 1))
done
miss=""
for k in "Right l" "Left h" "Down j" "Up k" "Space" "+ =" "-" "/" "n" "N" \
	 "Tab S-Tab" "Enter" "F1 ?" "F2 v" "F3 z" "F4 s" "g :" "Home" "End G" \
	 "q Esc" "Q F10" "Mouse"; do
	grep -q "^ $k " "$DIR/help" || miss="$miss '$k'"
done
check "? lists every binding${miss:+ (missing:$miss)}" "[ -z \"$miss\" ]"
keys v q
wait_for v 'event '

# Filter: a bad one says why where it was typed; a good one filters.
keys v /
wait_for v 'filter (pcap syntax'
tm send-keys -t v -l 'port nonsense(('
keys v Enter
check "a bad filter shows pcap's error in place" \
	"wait_for v 'bad filter .port nonsense((.: '"
check "and the prompt stays open to fix it" "screen v | grep -q 'filter (pcap syntax'"
keys v C-u
tm send-keys -t v -l 'icmp'
keys v Enter
want=$(grep '"proto":"ICMP"' "$DIR/tun.jsonl" | grep -e '"link":"ip"' -e '"link":"eth"' |
	sed 's/.*"pkt":\([0-9]*\),.*/\1/' | grep -v '^0$' | sort -u | wc -l)
check "filter icmp keeps the $want packets with an ICMP observation" \
	"wait_for v '$want of [0-9]* packets match .icmp.'"
keys v /
keys v C-u
keys v Enter
wait_for v 'filter cleared'

# Stats: every step with its latency.
keys v s
wait_for v 'Statistics'
screen v >"$DIR/stats"
miss=""
"$TUNLAB" steps | sed -n "s/^step \\([1-7]'*\\) *\\(.*\\)  (.*/\\2/p" >"$DIR/names"
while read -r name; do
	grep -qF "$name" "$DIR/stats" || miss="$miss '$name'"
done <"$DIR/names"
check "stats lists all 14 steps by name${miss:+ (missing:$miss)}" \
	"[ -z \"$miss\" ] && [ \"\$(wc -l <'$DIR/names')\" -eq 14 ]"
keys v q

# Q quits with status 0, and the terminal leaves the alternate screen.
keys v Q
check "Q quits with status 0" "wait_for v 'UI-EXIT=0'"
check "the terminal is given back (no alternate screen)" \
	"[ \"\$(tm display -p -t v '#{alternate_on}')\" = 0 ]"

# 200x60: the boxes carry the full step names, and the whole list fits.
start w 200 60 "'$TUNLAB' view '$T'"
wait_for w "event 0/$N"
screen w >"$DIR/wide"
miss=""
head -7 "$DIR/names" >"$DIR/out-names"
while read -r name; do
	grep -qF "$name" "$DIR/wide" || miss="$miss '$name'"
done <"$DIR/out-names"
check "200x60: the seven boxes show their full names${miss:+ (missing:$miss)}" \
	"[ -z \"$miss\" ]"
npk=$(grep -o '"pkt":[0-9]*' "$DIR/tun.jsonl" | sort -u | grep -vc '"pkt":0$')
check "200x60: all $npk packets are listed, with full verdicts" \
	"grep -q '^ *$npk  *[0-9.]* ' '$DIR/wide' && grep -q 'taken by the far kernel' '$DIR/wide'"
tm resize-window -t w -x 80 -y 24
check "a resize redraws for 80x24 (KEY_RESIZE)" \
	"wait_for w '^ event 0/$N' && [ \"\$(screen w | head -1 | cut -c1-14)\" = ' tunlab view: ' ]"

# A crash signal: the terminal comes back, the signal still kills.
start c 80 24 "'$TUNLAB' view '$T'"
wait_for c "event 0/$N"
pid=$(pgrep -f "tunlab view $T" | while read -r p; do
	tr '\0' ' ' </proc/"$p"/cmdline | grep -q "^$TUNLAB view" && echo "$p"; done | tail -1)
[ -n "$pid" ] && kill -SEGV "$pid"
check "SIGSEGV: the process dies of it (status 139)" "wait_for c 'UI-EXIT=139'"
check "and the terminal was restored first" \
	"[ \"\$(tm display -p -t c '#{alternate_on}')\" = 0 ]"

# A trace cut short opens, with a warning.
head -c 20000 "$T" >"$DIR/cut.pcapng"
start t 80 24 "'$TUNLAB' view '$DIR/cut.pcapng'"
check "a truncated trace opens with a warning" \
	"wait_for t 'warning: trace cut short after [0-9]* events'"

# The stats screen says what the sources lost, as the trace recorded it
# (tracegen's made-up counts), and, for a trace without its losses block
# (the one cut short above), that they were not recorded: never 0.
TRACEGEN=$(dirname "$TUNLAB")/tests/tracegen
"$TRACEGEN" "$DIR/gen.pcapng" 2 >/dev/null 2>&1
start g 200 60 "'$TUNLAB' view '$DIR/gen.pcapng'"
wait_for g 'event 0/'
keys g s
check "stats: the losses the trace recorded, in tunlab trace's words" \
	"wait_for g '3 frames (pcap), 1 malformed probe events, 2 late, 6 without memory, 5 kernel'"
start u 200 60 "'$TUNLAB' view '$DIR/cut.pcapng'"
wait_for u 'event 0/'
keys u s
check "stats: a trace without them says they were not recorded" \
	"wait_for u 'not recorded in this trace' && ! screen u | grep -q 'frames (pcap)'"

# --ascii: nothing but ASCII on the screen.
start a 80 24 "'$TUNLAB' view --ascii '$T'"
wait_for a "event 0/$N"
keys a Right
wait_for a "event 1/$N"
check "--ascii draws ASCII only" \
	"! screen a | LC_ALL=C grep -q '[^ -~]'"
exit $fail
