#!/usr/bin/env bash
# Finding the app's Python and giving the build helper its dependencies.

# The app's Python as heroku/python leaves it, else the stack's python3.
python::find() {
	local build_dir="$1"
	if [[ -x "${build_dir}/.heroku/python/bin/python" ]]; then
		echo "${build_dir}/.heroku/python/bin/python"
	elif command -v python3 >/dev/null 2>&1; then
		command -v python3
	else
		return 1
	fi
}

# Sets HELPER_DEPS to a folder holding boto3 for the helper, or to "" when the app has it.
# The folder lives in CACHE_DIR, keyed by Python version and requirements, so later builds reuse it.
python::ensure_deps() {
	local python="$1" cache_dir="$2" buildpack_dir="$3"
	HELPER_DEPS=""
	# find_spec looks boto3 up without importing it (an import costs a few tenths of a second).
	if "${python}" -c "import importlib.util as u, sys; sys.exit(u.find_spec('boto3') is None)" \
		>/dev/null 2>&1; then
		return 0
	fi
	local requirements="${buildpack_dir}/vendor/requirements.txt" version key
	version="$("${python}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
	key="$(sha256sum <"${requirements}" | cut -c1-12)"
	HELPER_DEPS="${cache_dir}/django-s3-static/deps-py${version}-${key}"
	if [[ -f "${HELPER_DEPS}/.complete" ]]; then
		return 0
	fi
	output::info "Installing the build helper's dependencies (boto3) into the build cache"
	rm -rf "${HELPER_DEPS}"
	if ! "${python}" -m pip install --quiet --disable-pip-version-check --no-input \
		--target "${HELPER_DEPS}" -r "${requirements}" 2>&1 | sed -e 's/^/       /'; then
		return 1
	fi
	touch "${HELPER_DEPS}/.complete"
}
