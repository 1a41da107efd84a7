#!/bin/sh
# bin/detect: a Django app is one with a manage.py within three levels of BUILD_DIR, outside hidden
# folders and node_modules below it (test/python/unit/buildpack/test_detect_rule.py checks more trees against the
# helper's find_manage_py).
# shellcheck shell=sh disable=SC1091,SC2154

if [ -n "${BUILDPACK_TEST_RUNNER_HOME:-}" ]; then
	. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
else
	. "${BUILDPACK_HOME}/test/lib/test_utils.sh"
fi

testDetectsManagePyAtTheRoot() {
	touch "${BUILD_DIR}/manage.py"
	detect
	assertAppDetected "django-s3-static"
}

testDetectsManagePyTwoFoldersDown() {
	mkdir -p "${BUILD_DIR}/src/site"
	touch "${BUILD_DIR}/src/site/manage.py"
	detect
	assertAppDetected "django-s3-static"
}

testIgnoresManagePyThreeFoldersDown() {
	mkdir -p "${BUILD_DIR}/a/b/c"
	touch "${BUILD_DIR}/a/b/c/manage.py"
	detect
	assertNoAppDetected
}

testIgnoresAnAppWithoutManagePy() {
	echo "flask" >"${BUILD_DIR}/requirements.txt"
	detect
	assertNoAppDetected
}

testIgnoresManagePyInHiddenFolders() {
	mkdir -p "${BUILD_DIR}/.heroku/python" "${BUILD_DIR}/src/.cache"
	touch "${BUILD_DIR}/.heroku/python/manage.py" "${BUILD_DIR}/src/.cache/manage.py"
	detect
	assertNoAppDetected
}

testIgnoresManagePyInNodeModules() {
	mkdir -p "${BUILD_DIR}/node_modules/pkg" "${BUILD_DIR}/web/node_modules"
	touch "${BUILD_DIR}/node_modules/pkg/manage.py" "${BUILD_DIR}/web/node_modules/manage.py"
	detect
	assertNoAppDetected
}

testDetectsABuildFolderUnderAHiddenFolder() {
	BUILD_DIR="${OUTPUT_DIR}/.hidden/build"
	mkdir -p "${BUILD_DIR}/src/site"
	touch "${BUILD_DIR}/src/site/manage.py"
	detect
	assertAppDetected "django-s3-static"
}

# The Cloud Native Buildpack protocol (Buildpack API 0.10): no BUILD_DIR argument, the app is the
# working directory, CNB_BUILD_PLAN_PATH set; exit 0 passes, 100 fails, nothing in the plan.
cnbDetect() {
	mkdir -p "${OUTPUT_DIR}/platform/env"
	_here="$(pwd)"
	cd "${BUILD_DIR}" || fail "cd ${BUILD_DIR}"
	capture env CNB_BUILD_PLAN_PATH="${OUTPUT_DIR}/plan.toml" \
		CNB_PLATFORM_DIR="${OUTPUT_DIR}/platform" CNB_BUILDPACK_DIR="${BUILDPACK_HOME}" \
		"${BUILDPACK_HOME}/bin/detect" "$@"
	cd "${_here}" || fail "cd ${_here}"
}

assertCnbPassed() {
	assertEquals "exit code" "0" "${RETURN}"
	assertEquals "" "$(cat "${STD_OUT}")"
	assertEquals "" "$(cat "${STD_ERR}")"
	assertFalse "nothing written to the build plan" "[ -e '${OUTPUT_DIR}/plan.toml' ]"
}

assertCnbFailed() {
	assertEquals "exit code" "100" "${RETURN}"
	assertCaptured "no manage.py within three levels of the app"
	assertEquals "" "$(cat "${STD_ERR}")"
}

testCnbDetectsManagePyInTheWorkingDirectory() {
	touch "${BUILD_DIR}/manage.py"
	cnbDetect
	assertCnbPassed
}

testCnbDetectsManagePyTwoFoldersDown() {
	mkdir -p "${BUILD_DIR}/src/site"
	touch "${BUILD_DIR}/src/site/manage.py"
	cnbDetect
	assertCnbPassed
}

testCnbFailsWith100WithoutManagePy() {
	echo "flask" >"${BUILD_DIR}/requirements.txt"
	cnbDetect
	assertCnbFailed
}

testCnbFailsWith100ForManagePyInHiddenFoldersOrTooDeep() {
	mkdir -p "${BUILD_DIR}/.venv/lib" "${BUILD_DIR}/a/b/c"
	touch "${BUILD_DIR}/.venv/lib/manage.py" "${BUILD_DIR}/a/b/c/manage.py"
	cnbDetect
	assertCnbFailed
}

testCnbReadsTheWorkingDirectoryNotDeprecatedPositionalArguments() {
	mkdir -p "${OUTPUT_DIR}/platform"
	touch "${OUTPUT_DIR}/platform/manage.py"
	cnbDetect "${OUTPUT_DIR}/platform" "${OUTPUT_DIR}/plan.toml"
	assertCnbFailed
}
