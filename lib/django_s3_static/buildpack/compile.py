"""``bin/compile``: verify the static cache, or collect and upload, then install the dyno's part.

Imports only what the app's process needs before it is forked; ``slug`` loads meanwhile.
"""

from __future__ import annotations

import os
import tempfile

from .. import output
from ..publish.app_process import AppProcess, require_manage_py, settings_module
from ..publish.environment import export_for_sdk, read_env_dir, secret_values


def compile_app(build_dir: str, build_cache: str, env_dir: str) -> int:
    env = read_env_dir(env_dir)
    for value in secret_values(env):
        output.register_secret(value)
    export_for_sdk(env)
    output.step("Django static files on S3 (django-s3-static)")
    manage_py = require_manage_py(build_dir)
    app = AppProcess(
        os.path.dirname(manage_py),
        settings_module(manage_py, env.get("DJANGO_SETTINGS_MODULE")),
        env,
    )
    output.info(f"App: {os.path.relpath(manage_py, build_dir)}, settings {app.settings}")
    timings = output.Timings()
    with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
        inspecting = app.inspect(env, workdir, fork=True)
        from .slug import build_slug  # lazy: loads while the forked app process reads settings

        build_slug(build_dir, build_cache, app, env, timings, inspecting)
    timings.lap("clean-up")  # the work folder's removal, counted as the build's own time
    output.info(f"Timings: {timings.line()}")
    return 0
