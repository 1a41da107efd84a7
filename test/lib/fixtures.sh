#!/usr/bin/env bash
# This project's own suite helpers: an app from test/fixtures with heroku/python's Python in place,
# config vars in ENV_DIR, a fresh bucket on the local S3 server started by test/run.
# shellcheck disable=SC2154 # BUILD_DIR, ENV_DIR, CACHE_DIR come from test_utils.sh's setUp

fixtures::require_server() {
	if [[ -z "${DSS_TEST_S3_ENDPOINT:-}" || -z "${DSS_TEST_APP_PYTHON_HOME:-}" ]]; then
		echo "These suites need the local S3 server: run them with 'make test' (test/run)," >&2
		echo "which starts it and exports DSS_TEST_S3_ENDPOINT and DSS_TEST_APP_PYTHON_HOME." >&2
		exit 1
	fi
}

# fixtures::app NAME: copy test/fixtures/NAME into BUILD_DIR, with .heroku/python in place.
fixtures::app() {
	cp -R "${BUILDPACK_HOME}/test/fixtures/$1/." "${BUILD_DIR}/"
	mkdir -p "${BUILD_DIR}/.heroku"
	ln -s "${DSS_TEST_APP_PYTHON_HOME}" "${BUILD_DIR}/.heroku/python"
}

# fixtures::config KEY VALUE: heroku config:set KEY=VALUE.
fixtures::config() {
	printf '%s' "$2" >"${ENV_DIR}/$1"
}

# fixtures::bucket [--private]: a new bucket, named in BUCKET.
fixtures::bucket() {
	BUCKET="t-$(date +%s%N | tail -c 10)-${RANDOM}"
	"${DSS_TEST_PYTHON}" "${BUILDPACK_HOME}/test/python/support/s3server.py" bucket "${BUCKET}" "$@"
}

# fixtures::s3_config: the config vars of a working deploy to a fresh public bucket.
fixtures::s3_config() {
	fixtures::bucket "$@"
	fixtures::config AWS_STORAGE_BUCKET_NAME "${BUCKET}"
	fixtures::config AWS_ACCESS_KEY_ID "${DSS_TEST_S3_ACCESS_KEY}"
	fixtures::config AWS_SECRET_ACCESS_KEY "${DSS_TEST_S3_SECRET_KEY}"
	fixtures::config AWS_S3_ENDPOINT_URL "${DSS_TEST_S3_ENDPOINT}"
	fixtures::config SECRET_KEY "django-secret-for-tests"
	fixtures::config DISABLE_COLLECTSTATIC 1
}
