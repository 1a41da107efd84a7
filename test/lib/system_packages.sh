#!/usr/bin/env bash
# Installs the Debian packages the suites, the demo and the benchmarks need, when missing.
# Used by `make venv` and by .ci/run, so a fresh machine gets the same set either way.
set -euo pipefail

# ceph-mon, ceph-osd and radosgw: a throw-away one-node Ceph RADOS Gateway, the second S3 server.
# gettext: msgfmt, for compilemessages in the cookiecutter app's bin/post_compile.
# valgrind: the instructions a Python start executes (test/bench/hook_start_bench.py).
packages=(shunit2 shellcheck make sassc gettext redis-server postgresql chromium ceph-mon ceph-osd radosgw valgrind)
missing=()
for package in "${packages[@]}"; do
	dpkg -s "${package}" >/dev/null 2>&1 || missing+=("${package}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "Installing Debian packages: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
