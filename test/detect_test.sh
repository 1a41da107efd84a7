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
