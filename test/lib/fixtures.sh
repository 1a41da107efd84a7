#!/bin/sh
# This project's own suite helpers: an app from test/fixtures with heroku/python's Python in place,
# config vars in ENV_DIR, a fresh bucket on the local S3 server started by test/run. POSIX sh.
# shellcheck disable=SC2154 # BUILD_DIR, ENV_DIR, CACHE_DIR come from test_utils.sh's setUp

fixtures_require_server() {
	if [ -z "${DSS_TEST_S3_ENDPOINT:-}" ] || [ -z "${DSS_TEST_APP_PYTHON_HOME:-}" ]; then
		echo "These suites need the local S3 server: run them with 'make test' (test/run), which" >&2
		echo "starts it and exports DSS_TEST_S3_ENDPOINT and DSS_TEST_APP_PYTHON_HOME; under the" >&2
		echo "testrunner, start it first: eval \"\$(python test/python/support/s3server.py start DIR)\"" >&2
		exit 1
	fi
}

# fixtures_app NAME: copy test/fixtures/NAME into BUILD_DIR, with .heroku/python in place.
fixtures_app() {
	cp -R "${BUILDPACK_HOME}/test/fixtures/$1/." "${BUILD_DIR}/"
	mkdir -p "${BUILD_DIR}/.heroku"
	ln -s "${DSS_TEST_APP_PYTHON_HOME}" "${BUILD_DIR}/.heroku/python"
}

# fixtures_config KEY VALUE: heroku config:set KEY=VALUE.
fixtures_config() {
	printf '%s' "$2" >"${ENV_DIR}/$1"
}

# fixtures_bucket [--private]: a new bucket, named in BUCKET.
fixtures_bucket() {
	BUCKET="t-$(date +%s%N | tail -c 10)-$$"
	"${DSS_TEST_PYTHON}" "${BUILDPACK_HOME}/test/python/support/s3server.py" bucket "${BUCKET}" "$@"
}

# fixtures_s3_config [--private]: the config vars of a working deploy to a fresh bucket.
fixtures_s3_config() {
	fixtures_bucket "$@"
	fixtures_config AWS_STORAGE_BUCKET_NAME "${BUCKET}"
	fixtures_config AWS_ACCESS_KEY_ID "${DSS_TEST_S3_ACCESS_KEY}"
	fixtures_config AWS_SECRET_ACCESS_KEY "${DSS_TEST_S3_SECRET_KEY}"
	fixtures_config AWS_S3_ENDPOINT_URL "${DSS_TEST_S3_ENDPOINT}"
	fixtures_config SECRET_KEY "django-secret-for-tests"
	fixtures_config DISABLE_COLLECTSTATIC 1
}
