#!/usr/bin/env bash
# The helpers heroku-buildpack-testrunner's lib/test_utils.sh provides, with the same names and
# meanings, for running the suites without the testrunner (make test). Sourced by shunit2 suites.
# shellcheck disable=SC2034 # the variables are the suites' interface

setUp() {
	if declare -F beforeSetUp >/dev/null; then beforeSetUp; fi
	OUTPUT_DIR="$(mktemp -d "${SHUNIT_TMPDIR:-/tmp}/output.XXXXXX")"
	STD_OUT="${OUTPUT_DIR}/stdout"
	STD_ERR="${OUTPUT_DIR}/stderr"
	BUILD_DIR="${OUTPUT_DIR}/build"
	CACHE_DIR="${OUTPUT_DIR}/cache"
	ENV_DIR="${OUTPUT_DIR}/env"
	mkdir -p "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	: >"${STD_OUT}"
	: >"${STD_ERR}"
	if declare -F afterSetUp >/dev/null; then afterSetUp; fi
}

tearDown() {
	if declare -F beforeTearDown >/dev/null; then beforeTearDown; fi
	rm -rf "${OUTPUT_DIR}"
	if declare -F afterTearDown >/dev/null; then afterTearDown; fi
}

capture() {
	LAST_COMMAND="$*"
	"$@" >"${STD_OUT}" 2>"${STD_ERR}"
	RETURN=$?
	rtrn=${RETURN}
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

assertContains() {
	local message="" needle haystack
	if [[ $# -eq 3 ]]; then message="$1 "; shift; fi
	needle="$1"
	haystack="$2"
	if ! grep -q -F -e "${needle}" <<<"${haystack}"; then
		fail "${message}Expected <${haystack}> to contain <${needle}>"
	fi
}

assertNotContains() {
	local message="" needle haystack
	if [[ $# -eq 3 ]]; then message="$1 "; shift; fi
	needle="$1"
	haystack="$2"
	if grep -q -F -e "${needle}" <<<"${haystack}"; then
		fail "${message}Did not expect <${haystack}> to contain <${needle}>"
	fi
}

assertCaptured() {
	assertFileContains "$@" "${STD_OUT}"
}

assertNotCaptured() {
	assertFileNotContains "$@" "${STD_OUT}"
}

assertCapturedEquals() {
	assertEquals "$@" "$(cat "${STD_OUT}")"
}

assertCapturedSuccess() {
	assertEquals "Expected captured exit code to be 0; was <${RETURN}>" "0" "${RETURN}"
	assertEquals "Expected STD_ERR to be empty; was <$(cat "${STD_ERR}")>" "" "$(cat "${STD_ERR}")"
}

# assertCapturedError [CODE] [TEXT]: a non-zero exit (CODE if given), TEXT on stdout, no stderr.
assertCapturedError() {
	local code="" text=""
	if [[ $# -gt 1 ]]; then code="$1"; shift; fi
	text="${1:-}"
	if [[ -n "${code}" ]]; then
		assertEquals "Expected captured exit code to be ${code}; was <${RETURN}>" "${code}" "${RETURN}"
	else
		assertNotEquals "Expected captured exit code to be non-zero" "0" "${RETURN}"
	fi
	if [[ -n "${text}" ]]; then
		assertContains "Expected STD_OUT to contain the error." "${text}" "$(cat "${STD_OUT}")"
	fi
	assertEquals "Expected STD_ERR to be empty; was <$(cat "${STD_ERR}")>" "" "$(cat "${STD_ERR}")"
}

assertAppDetected() {
	assertEquals "Expected the app to be detected; exit <${RETURN}>" "0" "${RETURN}"
	assertEquals "$1" "$(cat "${STD_OUT}")"
}

assertNoAppDetected() {
	assertEquals "Expected no app to be detected" "1" "${RETURN}"
	assertEquals "no" "$(cat "${STD_OUT}")"
}

assertFileContains() {
	local message="" needle file
	if [[ $# -eq 3 ]]; then message="$1 "; shift; fi
	needle="$1"
	file="$2"
	if ! grep -q -F -e "${needle}" "${file}"; then
		fail "${message}Expected <$(cat "${file}")> to contain <${needle}>"
	fi
}

assertFileNotContains() {
	local message="" needle file
	if [[ $# -eq 3 ]]; then message="$1 "; shift; fi
	needle="$1"
	file="$2"
	if grep -q -F -e "${needle}" "${file}"; then
		fail "${message}Did not expect <$(cat "${file}")> to contain <${needle}>"
	fi
}

assertFileMD5() {
	local expected="$1" file="$2"
	assertEquals "${expected}  ${file}" "$(md5sum "${file}")"
}
