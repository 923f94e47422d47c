#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The command line: every command in the table has help, the man page lists
# them all, and bad input gives a clear message with exit status 2.
set -u
TUNLAB=${TUNLAB:-build/tunlab}
MAN=${BUILD:-build}/tunlab.1
n=0 fail=0

# check DESCRIPTION EXPECTED_STATUS PATTERN CMD...: run CMD, compare its
# exit status, and grep its combined output for PATTERN.
check() {
	desc=$1 want=$2 pattern=$3
	shift 3
	n=$((n + 1))
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "not ok $n - $desc: exit status $got, expected $want"
		echo "$out" | head -5 | sed 's/^/# /'
		fail=1
	elif ! printf '%s\n' "$out" | grep -q -e "$pattern"; then
		echo "not ok $n - $desc: output lacks '$pattern'"
		echo "$out" | head -5 | sed 's/^/# /'
		fail=1
	else
		echo "ok $n - $desc"
	fi
}

check "no arguments prints usage, status 2" 2 "usage: tunlab COMMAND" "$TUNLAB"
check "--version" 0 "^tunlab [0-9]" "$TUNLAB" --version
check "version shows the data directory of a source tree" 0 \
	"^data: $(cd "$(dirname "$TUNLAB")/.." && pwd)\$" "$TUNLAB" version
check "TUNLAB_DATADIR overrides it" 0 "^data: /srv/tl\$" \
	env TUNLAB_DATADIR=/srv/tl "$TUNLAB" version
check "unknown command" 2 "unknown command 'frobnicate'" "$TUNLAB" frobnicate
check "unknown option" 2 "unknown option '--bogus'" "$TUNLAB" dissect --bogus x
check "option without its value" 2 "needs a value" "$TUNLAB" export --format
check "missing file argument" 2 "FILE is missing" "$TUNLAB" dissect
check "bad export format" 2 "unknown format 'xml'" \
	"$TUNLAB" export --format xml x.pcapng
check "a file that does not exist" 1 "No such file" \
	"$TUNLAB" export --format text /nonexistent/trace.pcapng
check "a file that is not a capture" 1 "not a pcapng file" \
	"$TUNLAB" dissect "$0"
check "help of an unknown command" 2 "no command 'nope'" "$TUNLAB" help nope
check "steps explains step 5'" 0 "receive + decrypt" "$TUNLAB" steps "5'"
check "steps rejects step 8" 2 "no step '8'" "$TUNLAB" steps 8
# (tunnel checks root before its options.)
if [ "$(id -u)" -eq 0 ]; then
	check "tunnel rejects --busy-poll out of range" 2 \
		"busy-poll: 0..10000 microseconds" \
		"$TUNLAB" tunnel --server --busy-poll 20000
fi

# Every command of the table: in `tunlab help`, with its own --help, and in
# the man page.
cmds=$("$TUNLAB" help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || { echo "not ok - tunlab help lists no commands"; exit 1; }
for c in $cmds; do
	check "tunlab $c --help" 0 "^usage: tunlab $c" "$TUNLAB" "$c" --help
	n=$((n + 1))
	if grep -q "^\.SS \"tunlab $c" "$MAN"; then
		echo "ok $n - man page documents $c"
	else
		echo "not ok $n - man page lacks $c"
		fail=1
	fi
done
n=$((n + 1))
if ! command -v man >/dev/null 2>&1; then
	echo "ok $n - man page renders # SKIP man is not installed"
elif MANWIDTH=80 man -l "$MAN" 2>&1 | grep -q "tunlab dissect"; then
	echo "ok $n - man page renders"
else
	echo "not ok $n - man -l $MAN does not render the commands"
	fail=1
fi
exit $fail
