#!/bin/sh
# This project's own suite helpers: a Python with the test requirements, a local S3 server, an app
# from test/fixtures with that Python as heroku/python's, config vars in ENV_DIR, a fresh bucket per
# test. POSIX sh, like shunit2.
# shellcheck disable=SC2154 # BUILD_DIR, ENV_DIR come from test_utils.sh's setUp

# fixtures_start: for a suite's oneTimeSetUp. Exports DSS_TEST_PYTHON, DSS_TEST_APP_PYTHON_HOME and
# the DSS_TEST_S3_* values. test/run sets them all and its server is reused; otherwise (under
# heroku-buildpack-testrunner, say) the Python is the buildpack's .venv, which the testrunner's
# copy of the buildpack includes, and a server is started here until fixtures_stop.
fixtures_start() {
	DSS_TEST_PYTHON="${DSS_TEST_PYTHON:-${BUILDPACK_HOME}/.venv/bin/python}"
	if ! "${DSS_TEST_PYTHON}" -c 'import sys, boto3, django; sys.exit(sys.version_info < (3, 12))' \
		>/dev/null 2>&1; then
		{
			echo "No Python for the compile suite: ${DSS_TEST_PYTHON} is missing, older than 3.12"
			echo "or lacks the test requirements (test/requirements.txt)."
			echo "Run 'make venv' in the buildpack's checkout (it creates .venv, which the testrunner"
			echo "copies along), or set DSS_TEST_PYTHON to a Python 3.12+ that has them."
		} >&2
		return 1
	fi
	if [ -z "${DSS_TEST_APP_PYTHON_HOME:-}" ]; then
		DSS_TEST_APP_PYTHON_HOME="$("${DSS_TEST_PYTHON}" -c 'import sys; print(sys.prefix)')"
	fi
	export DSS_TEST_PYTHON DSS_TEST_APP_PYTHON_HOME
	if [ -n "${DSS_TEST_S3_ENDPOINT:-}" ]; then
		return 0
	fi
	FIXTURES_S3_STATE="$(mktemp -d "${TMPDIR:-/tmp}/dss-s3.XXXXXX")"
	if ! _exports="$("${DSS_TEST_PYTHON}" "${BUILDPACK_HOME}/test/python/support/s3server.py" \
		start "${FIXTURES_S3_STATE}")"; then
		echo "The local S3 server did not start. The end of its log:" >&2
		tail -n 20 "${FIXTURES_S3_STATE}/weed.log" >&2 2>/dev/null || true
		return 1
	fi
	eval "${_exports}"
}

# fixtures_stop: for a suite's oneTimeTearDown; stops the server fixtures_start started, if any.
# Safe to call twice (shunit2 2.1.8 runs oneTimeTearDown again from its exit trap).
fixtures_stop() {
	if [ -n "${FIXTURES_S3_STATE:-}" ]; then
		if [ -f "${FIXTURES_S3_STATE}/pid" ]; then
			"${DSS_TEST_PYTHON}" "${BUILDPACK_HOME}/test/python/support/s3server.py" \
				stop "${FIXTURES_S3_STATE}"
		fi
		rm -rf "${FIXTURES_S3_STATE}"
		FIXTURES_S3_STATE=""
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

# fixtures_s3_config [--private]: the config vars of a working deploy to a fresh bucket.
fixtures_s3_config() {
	BUCKET="t-$(date +%s%N | tail -c 10)-$$"
	"${DSS_TEST_PYTHON}" "${BUILDPACK_HOME}/test/python/support/s3server.py" bucket "${BUCKET}" "$@"
	fixtures_config AWS_STORAGE_BUCKET_NAME "${BUCKET}"
	fixtures_config AWS_ACCESS_KEY_ID "${DSS_TEST_S3_ACCESS_KEY}"
	fixtures_config AWS_SECRET_ACCESS_KEY "${DSS_TEST_S3_SECRET_KEY}"
	fixtures_config AWS_S3_ENDPOINT_URL "${DSS_TEST_S3_ENDPOINT}"
	fixtures_config SECRET_KEY "django-secret-for-tests"
	fixtures_config DISABLE_COLLECTSTATIC 1
}
