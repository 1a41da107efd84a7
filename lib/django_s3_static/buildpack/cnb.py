"""``bin/build``: the Cloud Native Buildpack build (Buildpack API 0.10), for Heroku Fir.

The same work as ``bin/compile`` (``compile``), with the CNB's inputs
(https://github.com/buildpacks/spec/blob/buildpack/v0.10/buildpack.md, "Build"): the app's
directory is the working directory, the config vars are one file per variable in
``$CNB_PLATFORM_DIR/env/`` (as Cedar's ENV_DIR; ``buildpack.toml`` sets ``clear-env``, so they are
not in this process's environment either), and what the build keeps or gives the dyno goes into
layers (``cnb_layers``) instead of CACHE_DIR and ``.profile.d``. ``CNB_EXEC_ENV=test`` (Heroku CI
on Fir; Buildpack API 0.12's execution environments, which the lifecycle sets from 0.21 on) takes
``bin/test-compile``'s path: the static cache checked, nothing uploaded, no layer written.

Imports only what the app's process needs before it is forked; ``cnb_image`` loads meanwhile.
"""

from __future__ import annotations

import os
import tempfile

from .. import output
from ..publish.app_process import AppProcess, require_manage_py, settings_module
from ..publish.environment import export_for_sdk, read_env_dir, secret_values

#: The execution environment Heroku CI builds in; any other value is a deploy's build.
TEST = "test"
#: The commit being built, when the platform gives it as a config var file
#: (``publish.release`` reads it from the environment, as Cedar sets it there).
COMMIT = "SOURCE_VERSION"


def platform_env_dir(platform_dir: str) -> str:
    return os.path.join(platform_dir, "env")


def cnb_build(app_dir: str, layers_dir: str, platform_dir: str, exec_env: str = "") -> int:
    """Publish (or verify) the static files and write this buildpack's layers."""
    env_dir = platform_env_dir(platform_dir)
    if exec_env == TEST:
        from .ci import ci_compile  # lazy: only Heroku CI's build runs it

        return ci_compile(app_dir, "", env_dir)
    env = read_env_dir(env_dir)
    for value in secret_values(env):
        output.register_secret(value)
    export_for_sdk(env)
    if env.get(COMMIT) and not os.environ.get(COMMIT):
        os.environ[COMMIT] = env[COMMIT]
    output.step("Django static files on S3 (django-s3-static)")
    manage_py = require_manage_py(app_dir)
    app = AppProcess(
        os.path.dirname(manage_py),
        settings_module(manage_py, env.get("DJANGO_SETTINGS_MODULE")),
        env,
    )
    output.info(f"App: {os.path.relpath(manage_py, app_dir)}, settings {app.settings}")
    timings = output.Timings()
    with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
        inspecting = app.inspect(env, workdir, fork=True)
        from .cnb_image import build_image  # lazy: loads while the app's process reads settings

        build_image(app_dir, layers_dir, manage_py, app, env, timings, inspecting)
    return 0
