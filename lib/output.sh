#!/usr/bin/env bash
# Build log messages in Heroku's style. Everything goes to stdout: the build log.

# output::error LINE...: an error block, each line marked ' !     '.
output::error() {
	echo
	local line
	for line in "$@"; do
		echo " !     ${line}"
	done
	echo
}
