"""The build: verify the committed static cache, or collect and upload, then install the dyno.

The fast path costs the app's settings (the sources are checked against the finders record in the
committed cache, or with a full Django start-up when that record does not hold) and one paged
listing of the bucket prefix, made while the settings load. Only when the committed cache is
absent, stale or incomplete does it run collectstatic and upload the objects the bucket lacks.
The slug never references an object that is not in the bucket: the cache is written into the
slug only after every upload succeeded.

This module imports only what the app's process needs before it is forked: the rest of the
build (``slug``) loads while that process reads the settings.
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
    return 0
