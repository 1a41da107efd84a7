#!/bin/sh
# bin/release: valid YAML with addons and default_process_types only.
# shellcheck shell=sh disable=SC1091,SC2154

if [ -n "${BUILDPACK_TEST_RUNNER_HOME:-}" ]; then
	. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
else
	. "${BUILDPACK_HOME}/test/lib/test_utils.sh"
fi

testReleaseYaml() {
	release
	assertCapturedSuccess
	assertCapturedEquals "$(printf '%s\n%s\n%s' '---' 'addons: []' 'default_process_types: {}')"
}

testReleaseHasNoConfigVars() {
	release
	assertNotCaptured "config_vars"
}
