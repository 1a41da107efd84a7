#!/bin/sh
# The helpers of heroku-buildpack-testrunner's lib/test_utils.sh that the suites use, with the same
# names and meanings, for running the suites without the testrunner (test/run). POSIX sh, like
# shunit2.

# Hooks the suites override.
beforeSetUp() { :; }
afterSetUp() { :; }
beforeTearDown() { :; }
afterTearDown() { :; }

setUp() {
	beforeSetUp
	OUTPUT_DIR="$(mktemp -d "${SHUNIT_TMPDIR:-/tmp}/output.XXXXXX")"
	STD_OUT="${OUTPUT_DIR}/stdout"
	STD_ERR="${OUTPUT_DIR}/stderr"
	BUILD_DIR="${OUTPUT_DIR}/build"
	CACHE_DIR="${OUTPUT_DIR}/cache"
	ENV_DIR="${OUTPUT_DIR}/env"
	mkdir -p "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	afterSetUp
}

tearDown() {
	beforeTearDown
	rm -rf "${OUTPUT_DIR}"
	afterTearDown
}

capture() {
	rm -f "${STD_OUT}" "${STD_ERR}"
	"$@" >"${STD_OUT}" 2>"${STD_ERR}"
	RETURN=$?
}

detect() {
	capture "${BUILDPACK_HOME}/bin/detect" "${BUILD_DIR}"
}

compile() {
	capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
}

release() {
	capture "${BUILDPACK_HOME}/bin/release" "${BUILD_DIR}"
}

# _assertFileContains [MESSAGE] NEEDLE FILE EXPECTATION (0: found, 1: absent)
_assertFileContains() {
	_message=""
	if [ $# -eq 4 ]; then
		_message="$1"
		shift
	fi
	grep -q -F -e "$1" "$2"
	_found=$?
	if [ "${_found}" = "$3" ]; then
		return 0
	fi
	if [ "$3" = 0 ]; then
		fail "${_message:+${_message} }Expected <$(cat "$2")> to contain <$1>"
	else
		fail "${_message:+${_message} }Did not expect <$(cat "$2")> to contain <$1>"
	fi
}

assertFileContains() { _assertFileContains "$@" 0; }
assertFileNotContains() { _assertFileContains "$@" 1; }
assertCaptured() { assertFileContains "$@" "${STD_OUT}"; }
assertNotCaptured() { assertFileNotContains "$@" "${STD_OUT}"; }
assertCapturedEquals() { assertEquals "$@" "$(cat "${STD_OUT}")"; }

assertCapturedSuccess() {
	assertEquals "Expected captured exit code to be 0; was <${RETURN}>" "0" "${RETURN}"
	assertEquals "Expected STD_ERR to be empty; was <$(cat "${STD_ERR}")>" "" "$(cat "${STD_ERR}")"
}

# assertCapturedError [[CODE] TEXT]: a non-zero exit (CODE if given), TEXT on stdout, no stderr.
assertCapturedError() {
	_code=""
	if [ $# -gt 1 ]; then
		_code="$1"
		shift
	fi
	if [ -z "${_code}" ]; then
		assertTrue "Expected captured exit code to be greater than 0; was <${RETURN}>" \
			"[ ${RETURN} -gt 0 ]"
	else
		assertEquals "Expected captured exit code to be <${_code}>; was <${RETURN}>" \
			"${_code}" "${RETURN}"
	fi
	assertFileContains "Expected STD_OUT to contain error <${1:-}>" "${1:-}" "${STD_OUT}"
	assertEquals "STD_ERR should always be empty" "" "$(cat "${STD_ERR}")"
}

assertAppDetected() {
	assertCapturedSuccess
	assertEquals "$1" "$(cat "${STD_OUT}")"
}

assertNoAppDetected() {
	assertEquals "1" "${RETURN}"
	assertEquals "no" "$(cat "${STD_OUT}")"
	assertEquals "" "$(cat "${STD_ERR}")"
}
