#!/usr/bin/env bash
# Finding the app's Python, and running the build helper with it.

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

# python::helper VERB BUILD_DIR CACHE_DIR ENV_DIR: `python -m django_s3_static.buildpack` (lib/)
# with the app's Python, its stderr in the build log too. Needs output.sh and BUILDPACK_DIR. The helper
# reads ENV_DIR itself: config vars reach the app's processes only, never this shell.
python::helper() {
	local build_dir="$2" python
	if ! python="$(python::find "${build_dir}")"; then
		output::error "Error: no Python found for the build." \
			"Add heroku/python before this buildpack: heroku buildpacks:add --index 1 heroku/python" \
			"(for Heroku CI, list it first in app.json's \"buildpacks\")."
		exit 1
	fi
	PYTHONPATH="${BUILDPACK_DIR}/lib" PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
		"${python}" -m django_s3_static.buildpack "$@" 2>&1
}
