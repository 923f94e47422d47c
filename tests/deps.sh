#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages given as arguments that are not installed yet
# (make deps).  As root it uses apt-get directly, otherwise sudo if present.
set -eu

missing=""
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
	     grep -q 'ok installed'; then
		missing="$missing $pkg"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all $# packages present"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing:$missing" >&2
	echo "deps: this is not a Debian-like system; install them by hand" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: missing:$missing" >&2
	echo "deps: run as root (or install sudo) so apt-get can install them" >&2
	exit 1
fi

echo "deps: installing:$missing"
# tshark asks whether non-root users may capture; keep the default (no).
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
