#!/bin/sh
# bin/detect: a Django app is one with a manage.py within three levels.
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
	mkdir -p "${BUILD_DIR}/.heroku/python"
	touch "${BUILD_DIR}/.heroku/python/manage.py"
	detect
	assertNoAppDetected
}
