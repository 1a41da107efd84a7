#!/bin/sh
# bin/compile against the local S3 server: the example app built and uploaded, and every error
# case ending the build with a message that names the problem and the fix.
# shellcheck shell=sh disable=SC1091,SC2154

if [ -n "${BUILDPACK_TEST_RUNNER_HOME:-}" ]; then
	. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
else
	. "${BUILDPACK_HOME}/test/lib/test_utils.sh"
fi
. "${BUILDPACK_HOME}/test/lib/fixtures.sh"

# These replace the testrunner's, which only make a TEST_SUITE_CACHE folder the suites do not use.
oneTimeSetUp() {
	fixtures_start
}

oneTimeTearDown() {
	fixtures_stop
}

afterSetUp() {
	fixtures_app example_app
	fixtures_s3_config
}

testCompileUploadsAndInstallsTheSnippet() {
	compile
	assertCapturedSuccess
	assertCaptured "-----> Django static files on S3 (django-s3-static)"
	assertCaptured "Collecting: no committed static cache"
	assertCaptured "Public access checked"
	assertCaptured "Installed the dyno settings snippet"
	assertCaptured "Timings: inspect"
	assertTrue "static cache in the slug" "[ -f '${BUILD_DIR}/static_cache/manifest.json' ]"
	assertTrue ".profile.d script" "[ -f '${BUILD_DIR}/.profile.d/django-s3-static.sh' ]"
	assertTrue "package in the slug" \
		"[ -f '${BUILD_DIR}/.heroku/django-s3-static/lib/django_s3_static/storage.py' ]"
	assertTrue "settings hook in the slug" \
		"[ -f '${BUILD_DIR}/.heroku/django-s3-static/site/sitecustomize.py' ]"
	assertFileContains '"css/site.css": "css/site.' "${BUILD_DIR}/static_cache/manifest.json"
	assertFileNotContains "${DSS_TEST_S3_SECRET_KEY}" "${STD_OUT}"
	assertEquals "no secret or config var in the slug" "" \
		"$(grep -rlF -e "${DSS_TEST_S3_SECRET_KEY}" -e django-secret-for-tests "${BUILD_DIR}")"
}

testSecondCompileTakesTheFastPath() {
	compile
	assertCapturedSuccess
	compile
	assertCapturedSuccess
	assertCaptured "Static files unchanged"
	assertNotCaptured "Collecting"
	assertNotCaptured "Uploaded"
}

testConfigVarsReachTheSettingsButNotTheSlug() {
	rm "${ENV_DIR}/SECRET_KEY"
	compile
	assertCapturedError 1 "KeyError: 'SECRET_KEY'"
	assertCaptured "set the missing one with heroku config:set NAME=value"
}

testUnsafeConfigVarsAreNotExported() {
	fixtures_config PYTHONPATH "/nonexistent/evil"
	fixtures_config LD_PRELOAD "/nonexistent/evil.so"
	compile
	assertCapturedSuccess
	assertNotCaptured "evil"
}

testWarnsWhenHerokuPythonCollectstaticIsOn() {
	rm "${ENV_DIR}/DISABLE_COLLECTSTATIC"
	compile
	assertCapturedSuccess
	assertCaptured "Warning: heroku/python ran its own collectstatic before this buildpack (DISABLE_COLLECTSTATIC is not set)."
	assertCaptured "It costs every build a second collectstatic"
	assertCaptured "Turn it off: heroku config:set DISABLE_COLLECTSTATIC=1"
}

testWarningCountsWhatHerokuPythonsCollectstaticLeftInTheSlug() {
	rm "${ENV_DIR}/DISABLE_COLLECTSTATIC"
	# What heroku/python runs first: python manage.py collectstatic --noinput, in BUILD_DIR.
	(cd "${BUILD_DIR}" && SECRET_KEY=x .heroku/python/bin/python manage.py collectstatic --noinput) \
		>/dev/null
	compile
	assertCapturedSuccess
	assertCaptured "It left 134 files (1.6 MiB) in staticfiles/ (STATIC_ROOT): the slug carries them"
}

testCommittedCollectstaticDisabledFileCountsLikeTheConfigVar() {
	rm "${ENV_DIR}/DISABLE_COLLECTSTATIC"
	touch "${BUILD_DIR}/.heroku/collectstatic_disabled"
	compile
	assertCapturedSuccess
	assertNotCaptured "collectstatic before this buildpack"
}

testDisableCollectstaticAt0IsNotSet() {
	fixtures_config DISABLE_COLLECTSTATIC 0
	compile
	assertCapturedSuccess
	assertCaptured "heroku/python ran its own collectstatic before this buildpack (DISABLE_COLLECTSTATIC=0)."
}

testNoBucketConfigured() {
	rm "${ENV_DIR}/AWS_STORAGE_BUCKET_NAME"
	compile
	assertCapturedError 1 "No bucket configured: AWS_STORAGE_BUCKET_NAME is not set."
	assertCaptured "heroku config:set AWS_STORAGE_BUCKET_NAME=my-bucket"
	assertFalse "no .profile.d after a failed build" "[ -e '${BUILD_DIR}/.profile.d' ]"
}

testWrongCredentialsFailFast() {
	fixtures_config AWS_SECRET_ACCESS_KEY "wrong-secret-value-1234567890"
	capture timeout 15 "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	assertCapturedError 1 "S3 refused the credentials (SignatureDoesNotMatch)"
	assertCaptured "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	assertNotCaptured "wrong-secret-value-1234567890"
}

testBucketDoesNotExist() {
	fixtures_config AWS_STORAGE_BUCKET_NAME "no-such-bucket-here"
	compile
	assertCapturedError 1 "The bucket 'no-such-bucket-here' at ${DSS_TEST_S3_ENDPOINT} does not exist."
	assertCaptured "Create it, or fix AWS_STORAGE_BUCKET_NAME"
}

testEndpointUnreachable() {
	fixtures_config AWS_S3_ENDPOINT_URL "http://127.0.0.1:9"
	capture timeout 30 "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	assertCapturedError 1 "Cannot reach http://127.0.0.1:9"
	assertCaptured "Check AWS_S3_ENDPOINT_URL"
}

testCollectstaticRaises() {
	printf '.broken { background: url("../img/missing.png"); }\n' \
		>"${BUILD_DIR}/exampleapp/static/css/broken.css"
	fixtures_config DJANGO_S3_STATIC_STRICT_REFERENCES 1
	compile
	assertCapturedError 1 "collectstatic failed: ValueError"
	assertCaptured "Traceback (most recent call last)"
	assertCaptured "img/missing.png"
	assertFalse "no cache in the slug" "[ -e '${BUILD_DIR}/static_cache/manifest.json' ]"
}

testMissingReferenceIsAWarningByDefault() {
	printf '.broken { background: url("../img/missing.png"); }\n' \
		>"${BUILD_DIR}/exampleapp/static/css/broken.css"
	compile
	assertCapturedSuccess
	assertCaptured "url() references point at files that do not exist"
	assertCaptured "css/broken.css: ../img/missing.png"
}

testNoManagePy() {
	rm "${BUILD_DIR}/manage.py"
	compile
	assertCapturedError 1 "No manage.py found in the app"
}

testSettingsModuleNotImportable() {
	fixtures_config DJANGO_SETTINGS_MODULE "exampleapp.no_such_settings"
	compile
	assertCapturedError 1 "The settings module 'exampleapp.no_such_settings' cannot be imported"
	assertCaptured "heroku config"
}

testPrivateBucketFailsWithThePolicyToAdd() {
	fixtures_s3_config --private
	compile
	assertCapturedError 1 "Browsers cannot read the static files"
	assertCaptured '"Principal": "*", "Action": "s3:GetObject"'
	assertCaptured "DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK=1"
	assertFalse "no cache in the slug" "[ -e '${BUILD_DIR}/static_cache/manifest.json' ]"
}

testPublicCheckCanBeSkipped() {
	fixtures_s3_config --private
	fixtures_config DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK 1
	compile
	assertCapturedSuccess
	assertCaptured "Public access check skipped"
}

testNoPythonAtAll() {
	rm "${BUILD_DIR}/.heroku/python"
	mkdir -p "${OUTPUT_DIR}/bin"
	ln -s "$(command -v dirname)" "$(command -v mkdir)" "${OUTPUT_DIR}/bin/"
	capture env PATH="${OUTPUT_DIR}/bin" /bin/bash "${BUILDPACK_HOME}/bin/compile" \
		"${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
	assertCapturedError 1 "no Python found for the build"
}

testMalformedCommittedCacheIsReportedAndNotTrusted() {
	mkdir -p "${BUILD_DIR}/static_cache"
	cat >"${BUILD_DIR}/static_cache/manifest.json" <<'JSON'
{"version": 1, "fingerprint": "sha256:x", "location": {"bucket": "b", "prefix": ""},
 "objects": {"../../etc/passwd": {"size": 1, "md5": "d41d8cd98f00b204e9800998ecf8427e"}},
 "paths": {}}
JSON
	compile
	assertCapturedSuccess
	assertCaptured "Collecting: the static cache names a path that has an empty, '.' or '..' segment"
	assertFileNotContains "etc/passwd" "${BUILD_DIR}/static_cache/manifest.json"
}

testInvalidJsonCommittedCacheIsReportedAndNotTrusted() {
	mkdir -p "${BUILD_DIR}/static_cache"
	echo "{ not json" >"${BUILD_DIR}/static_cache/manifest.json"
	compile
	assertCapturedSuccess
	assertCaptured "Collecting: the static cache is not valid JSON"
}
