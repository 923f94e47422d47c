#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tunlab walk, driven in tmux with the right arrow only: it builds a lab,
# types one chat line over TCP through the tunnel, traces it, stops at each of the
# 14 points (7 out on mobile, 7 back in on office), recaps, exports, and
# removes its lab at the end, on q, and when killed (SIGTERM).  TUN and
# TAP.  Every packet stays inside the labs' namespaces.
set -u
. "$(dirname "$0")/../lib.sh"
need_root walk
. "$(dirname "$0")/uilib.sh"
trap ui_cleanup EXIT
trap 'exit 1' INT TERM

# Labs a walk made (its name is tlwalk<pid>): namespaces and run dirs.
walk_labs() {
	{ ip netns list 2>/dev/null | cut -d' ' -f1; ls /run/tunlab 2>/dev/null; } |
		grep '^tlwalk' | sort -u
}

# gone: no walk lab left, waiting at most 10 s (tunlab down's own limit).
gone() {
	i=0
	while [ -n "$(walk_labs)" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -z "$(walk_labs)" ]
}

before=$(walk_labs)
check "no walk lab before the test${before:+ (found: $before)}" "[ -z '$before' ]"

"$TUNLAB" steps | sed -n "s/^step \\([1-7]'*\\) *\\(.*\\)  (.*/\\1|\\2/p" \
	>"$DIR/steps"

for mode in tun tap; do
	start "$mode" 80 24 "'$TUNLAB' walk --dev-type $mode -o '$DIR/w-$mode'"
	check "$mode: the walk opens on its intro" "wait_for $mode 'walk 1/16  intro' 300"
	check "$mode: the intro says which lab and device type" \
		"screen $mode | grep -q 'VPN uses $(echo $mode | tr a-z A-Z) devices'"
	bad="" unseen="" stop=2
	while read -r line; do
		label=${line%%|*}
		name=${line#*|}
		case "$label" in *"'") host=office ;; *) host=mobile ;; esac
		keys "$mode" Right
		if ! wait_for "$mode" "walk $stop/16  step $label "; then
			bad="$bad $label(no stop)"
			break
		fi
		st=$(status "$mode")
		case "$st" in
		*"step $label $name  on $host"*) ;;
		*"(not seen)"*) unseen="$unseen $label" ;;
		*) bad="$bad $label($st)" ;;
		esac
		screen "$mode" | grep -q "What happens at step $label" ||
			bad="$bad $label(no explanation)"
		stop=$((stop + 1))
	done <"$DIR/steps"
	check "$mode: Right stops at each of the 14 points, out on mobile, in on office${bad:+:$bad}" \
		'[ -z "$bad" ]'
	check "$mode: every point of the chat line was seen${unseen:+ (not seen:$unseen)}" \
		'[ -z "$unseen" ]'
	keys "$mode" Right
	check "$mode: then the recap" "wait_for $mode 'walk 16/16  recap'"
	check "$mode: the recap lists the trip with its latency" \
		"screen $mode | grep -q 'From first to last point: [0-9.]* ms; delivered.'"
	keys "$mode" e
	check "$mode: e exports the trace and its narrative" \
		"wait_for $mode 'saved .*w-$mode.pcapng' && [ -s '$DIR/w-$mode.txt' ] &&
		 '$TUNLAB' export --format jsonl '$DIR/w-$mode.pcapng' | grep -q '\"dev\":\"chat\"'"
	keys "$mode" Right
	check "$mode: Right past the recap ends the walk (status 0)" \
		"wait_for $mode 'UI-EXIT=0' 300"
	check "$mode: and its lab is gone (ip netns, /run/tunlab)" gone
done

# Killed in the middle: the terminal back, the lab removed, the signal
# still the cause of death.
start k 80 24 "'$TUNLAB' walk"
wait_for k 'walk 1/16  intro' 300
keys k Right
wait_for k 'walk 2/16'
pid=$(pgrep -f "^$TUNLAB walk\$" | head -1)
[ -n "$pid" ] && kill -TERM "$pid"
check "SIGTERM ends the walk by the signal (status 143)" "wait_for k 'UI-EXIT=143' 150"
check "the terminal was given back" "[ \"\$(tm display -p -t k '#{alternate_on}')\" = 0 ]"
check "and the lab was removed" gone
exit $fail
