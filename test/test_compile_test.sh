#!/bin/sh
# bin/test-compile, as Heroku CI runs it before the tests: the committed static cache checked
# against the sources with no S3 config var, nothing uploaded, nothing written into the app. A
# stale or absent cache is not a failure; a malformed cache or broken settings are.
# shellcheck shell=sh disable=SC1091,SC2154,SC2119

if [ -n "${BUILDPACK_TEST_RUNNER_HOME:-}" ]; then
	. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
else
	. "${BUILDPACK_HOME}/test/lib/test_utils.sh"
fi
. "${BUILDPACK_HOME}/test/lib/fixtures.sh"

oneTimeSetUp() {
	fixtures_start
}

oneTimeTearDown() {
	fixtures_stop
}

afterSetUp() {
	fixtures_app example_app
	fixtures_config SECRET_KEY "django-secret-for-tests"
}

testCompile() {
	capture "${BUILDPACK_HOME}/bin/test-compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
}

# deployedCache: a deploy (bin/compile, with the S3 config vars) writes the static cache, which
# is committed: BUILD_DIR becomes a fresh checkout holding it, with the CI's config vars only.
deployedCache() {
	fixtures_s3_config
	compile
	assertCapturedSuccess
	mv "${BUILD_DIR}/static_cache" "${OUTPUT_DIR}/static_cache"
	rm -rf "${BUILD_DIR}" "${ENV_DIR}"
	mkdir -p "${BUILD_DIR}" "${ENV_DIR}"
	fixtures_app example_app
	fixtures_config SECRET_KEY "django-secret-for-tests"
	mv "${OUTPUT_DIR}/static_cache" "${BUILD_DIR}/static_cache"
}

testNoCommittedCacheIsNotAFailure() {
	testCompile
	assertCapturedSuccess
	assertCaptured "-----> Django static files on S3 (django-s3-static): Heroku CI, nothing uploaded"
	assertCaptured "No committed static cache (static_cache/manifest.json). Not a test failure"
	assertFalse "no .profile.d: the tests see the app's own settings" "[ -e '${BUILD_DIR}/.profile.d' ]"
}

testFreshCacheNeedsNoS3ConfigVar() {
	deployedCache
	testCompile
	assertCapturedSuccess
	assertCaptured "Static cache fresh: static_cache/manifest.json matches the 134 static sources"
	assertCaptured "No S3 request, nothing uploaded, nothing written into the app"
	assertFalse "no .profile.d" "[ -e '${BUILD_DIR}/.profile.d' ]"
	assertFalse "no runtime package" "[ -e '${BUILD_DIR}/.heroku/django-s3-static' ]"
}

testStaleCacheSaysWhatChangedAndPasses() {
	deployedCache
	printf '.ci { color: red; }\n' >>"${BUILD_DIR}/exampleapp/static/css/site.css"
	testCompile
	assertCapturedSuccess
	assertCaptured "Warning: static_cache/manifest.json is stale: 1 changed (css/site.css). Not a test failure"
	assertCaptured "python manage.py publish_static && git add static_cache"
}

testMalformedCacheFails() {
	mkdir -p "${BUILD_DIR}/static_cache"
	echo "{ not json" >"${BUILD_DIR}/static_cache/manifest.json"
	testCompile
	assertCapturedError 1 "The committed static cache static_cache/manifest.json cannot be used: the static cache is not valid JSON"
	assertCaptured "Run 'python manage.py publish_static' and commit the result"
}

testSettingsThatCannotLoadFail() {
	rm "${ENV_DIR}/SECRET_KEY"
	testCompile
	assertCapturedError 1 "The settings module 'exampleapp.settings' failed to load: KeyError: 'SECRET_KEY'"
	assertCaptured "heroku ci:config:set NAME=value"
}

testNoManagePy() {
	rm "${BUILD_DIR}/manage.py"
	testCompile
	assertCapturedError 1 "No manage.py found in the app"
}

testNoPythonAtAll() {
	rm "${BUILD_DIR}/.heroku/python"
	mkdir -p "${OUTPUT_DIR}/bin"
	ln -s "$(command -v dirname)" "${OUTPUT_DIR}/bin/"
	capture env PATH="${OUTPUT_DIR}/bin" /bin/bash "${BUILDPACK_HOME}/bin/test-compile" \
		"${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	assertCapturedError 1 "no Python found for the build"
	assertCaptured "for Heroku CI, list it first in app.json's \"buildpacks\""
}
