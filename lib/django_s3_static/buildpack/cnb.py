"""``bin/build``: the Cloud Native Buildpack build (Buildpack API 0.10), for Heroku Fir.

The same work as ``bin/compile`` (``compile``), with the CNB's inputs
(https://github.com/buildpacks/spec/blob/buildpack/v0.10/buildpack.md, "Build"): the app's
directory is the working directory, the config vars are one file per variable in
``$CNB_PLATFORM_DIR/env/`` (as Cedar's ENV_DIR; ``buildpack.toml`` sets ``clear-env``, so they are
not in this process's environment either), and what the build keeps or gives the dyno goes into
layers (``cnb_layers``) instead of CACHE_DIR and ``.profile.d``. ``CNB_EXEC_ENV=test`` (Heroku CI
on Fir; Buildpack API 0.12's execution environments, which the lifecycle sets from 0.21 on) takes
``bin/test-compile``'s path: the static cache checked, nothing uploaded, no layer written.

The cached layer is prepared before the app's process is forked (it holds the names check's
memo); ``cnb_image`` loads while that process reads the settings.
"""

from __future__ import annotations

import os
import tempfile

from .. import output
from . import cnb_layers
from .compile import start_app, start_publishing

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
    env, app, manage_py = start_app(app_dir, env_dir)
    if env.get(COMMIT) and not os.environ.get(COMMIT):
        os.environ[COMMIT] = env[COMMIT]
    timings = output.Timings()
    build_cache = cnb_layers.prepare_cache(layers_dir)
    with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
        publishing = start_publishing(app, env, workdir, build_cache, timings)
        from .cnb_image import build_image  # lazy: loads while the fork works, the bucket listed

        build_image(app_dir, layers_dir, manage_py, publishing)
    timings.lap("clean-up")  # the work folder's removal, counted as the build's own time
    output.info(f"Timings: {timings.line()}")
    return 0
