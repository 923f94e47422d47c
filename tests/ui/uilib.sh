# SPDX-License-Identifier: GPL-2.0-only
# What the UI tests share (sourced after ../lib.sh): the real binary in a
# tmux server of our own (tmux -L tlui$$), the screen read back with
# capture-pane, and every wait bounded (100 x 0.1 s unless told).

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TUNLAB=${TUNLAB:-$TOP/build/tunlab}
SOCK=tlui$$
DIR=$(mktemp -d /tmp/tunlab-ui.XXXXXX)

ui_cleanup() {
	tmux -L "$SOCK" kill-server >/dev/null 2>&1
	# A killed server leaves its socket file behind.
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	rm -rf "$DIR"
}

tm() {
	tmux -L "$SOCK" "$@"
}

# start NAME COLS ROWS CMD: run CMD in a new session; when it ends, its
# exit status is printed as UI-EXIT=N and the pane stays.
start() {
	tm new-session -d -s "$1" -x "$2" -y "$3" \
		"TERM=xterm-256color $4; echo UI-EXIT=\$?; sleep 120"
}

screen() {
	tm capture-pane -p -t "$1"
}

# wait_for NAME REGEX [TRIES]: poll the screen until REGEX shows.
wait_for() {
	i=0
	while [ "$i" -lt "${3:-100}" ]; do
		screen "$1" | grep -q -e "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# status NAME: the last non-empty line of the screen (the status line).
status() {
	screen "$1" | grep -v '^ *$' | tail -1
}

keys() {
	tm send-keys -t "$1" "$2"
}
