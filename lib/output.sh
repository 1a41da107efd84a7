#!/usr/bin/env bash
# Build log helpers in Heroku's style. Everything goes to stdout: the build log.

output::step() {
	echo "-----> $*"
}

output::info() {
	echo "       $*"
}

output::error() {
	echo
	local line
	for line in "$@"; do
		echo " !     ${line}"
	done
	echo
}
