#!/usr/bin/env bash
# Finding the app's Python.

# The app's Python as heroku/python leaves it, else the stack's python3.
python::find() {
	local build_dir="$1"
	if [[ -x "${build_dir}/.heroku/python/bin/python" ]]; then
		echo "${build_dir}/.heroku/python/bin/python"
	elif command -v python3 >/dev/null 2>&1; then
		command -v python3
	else
		return 1
	fi
}
