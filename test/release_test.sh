#!/usr/bin/env bash
# bin/release: valid YAML with addons and default_process_types only.
# shellcheck disable=SC1091,SC2154

if [[ -n "${BUILDPACK_TEST_RUNNER_HOME:-}" ]]; then
	source "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
else
	source "${BUILDPACK_HOME}/test/lib/test_utils.sh"
fi

testReleaseYaml() {
	release
	assertCapturedSuccess
	assertCapturedEquals "$(printf -- '---\naddons: []\ndefault_process_types: {}')"
}

testReleaseHasNoConfigVars() {
	release
	assertNotCaptured "config_vars"
}
