#!/usr/bin/env bash
# Usage: test/lib/run_suites.sh BUILDPACK_DIR
# Runs every test/*_test.sh with shunit2 the way heroku-buildpack-testrunner's bin/run does: on a
# copy of the buildpack (BUILDPACK_HOME), from an empty working directory. Prints ALL OK or FAILURES.
# The testrunner copies .venv too; here it is linked, which is quicker and the same to the suites.
set -euo pipefail

SOURCE="$(cd "${1:?usage: run_suites.sh BUILDPACK_DIR}" && pwd)"
SHUNIT2="${SHUNIT_HOME:+${SHUNIT_HOME}/src/shunit2}"
SHUNIT2="${SHUNIT2:-$(command -v shunit2 || echo /usr/share/shunit2/shunit2)}"
if [[ ! -f "${SHUNIT2}" ]]; then
	echo "shunit2 not found: apt-get install shunit2 (make venv does it)" >&2
	exit 1
fi

WORK="$(mktemp -d /tmp/dss-suites.XXXXXX)"
trap 'rm -rf "${WORK}"' EXIT
export BUILDPACK_HOME="${WORK}/buildpack"
mkdir -p "${BUILDPACK_HOME}" "${WORK}/cwd"
tar -C "${SOURCE}" --exclude=./.venv --exclude=./.git --exclude=./test/.cache -cf - . |
	tar -C "${BUILDPACK_HOME}" -xf -
if [[ -d "${SOURCE}/.venv" ]]; then
	ln -s "${SOURCE}/.venv" "${BUILDPACK_HOME}/.venv"
fi

failed=0
for suite in "${BUILDPACK_HOME}"/test/*_test.sh; do
	echo "Running test suite: ${suite#"${BUILDPACK_HOME}/"}"
	if ! (cd "${WORK}/cwd" && sh "${SHUNIT2}" "${suite}"); then
		failed=$((failed + 1))
	fi
done

if [[ "${failed}" -eq 0 ]]; then
	echo "ALL OK"
else
	echo "FAILURES: ${failed} suite(s)"
	exit 1
fi
