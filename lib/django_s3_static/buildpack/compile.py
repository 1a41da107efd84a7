"""``bin/compile``: verify the static cache, or collect and upload, then install the dyno's part.

Imports only what the app's process needs before it is forked; the listing starts, and ``slug``
loads, meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from typing import TYPE_CHECKING

from .. import output
from ..publish.app_process import AppProcess, Publishing, require_manage_py, settings_module
from ..publish.environment import export_for_sdk, read_env_dir, secret_values
from . import bytecode

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .install import Copied

STEP = "Django static files on S3 (django-s3-static)"


def start_app(
    build_dir: str, env_dir: str, step: str = STEP, sdk: bool = True
) -> tuple[dict[str, str], AppProcess, str]:
    """The config vars (their secrets kept out of the log), the app's process and its
    ``manage.py``: what a Cedar, a Fir and a Heroku CI build start alike. ``sdk``: give the
    S3 client the config vars it reads from the environment (a CI build reaches no bucket)."""
    env = read_env_dir(env_dir)
    for value in secret_values(env):
        output.register_secret(value)
    if sdk:
        export_for_sdk(env)
    output.step(step)
    manage_py = require_manage_py(build_dir)
    app = AppProcess(
        os.path.dirname(manage_py),
        settings_module(manage_py, env.get("DJANGO_SETTINGS_MODULE")),
        env,
    )
    output.info(f"App: {os.path.relpath(manage_py, build_dir)}, settings {app.settings}")
    return env, app, manage_py


def start_publishing(
    app: AppProcess, env: dict[str, str], workdir: str, build_cache: str, timings: output.Timings
) -> Publishing:
    """Fork the app's process, then, while it reads the settings, start listing the bucket
    (the standard library's HTTP: nothing to install first)."""
    inspecting = app.inspect(env, workdir, fork=True, build_cache=build_cache)
    from ..publish import early_listing  # lazy: while the fork reads the settings

    early = early_listing.start(env, inspecting.committed_file)
    return Publishing(app, env, build_cache, timings, inspecting, early)


def compile_app(
    build_dir: str, build_cache: str, env_dir: str, helper_package: str | None = None
) -> int:
    """The build; ``helper_package``: the helper's own package, when the build cache had no
    bytecode of it (``bytecode``), to compile and keep there."""
    env, app, _ = start_app(build_dir, env_dir)
    timings = output.Timings()
    keeping = None
    with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
        publishing = start_publishing(app, env, workdir, build_cache, timings)
        copying = _copy_runtime(build_dir, build_cache)  # the listing, the longer wait, first
        from .slug import build_slug  # lazy: loads while the fork works and the bucket is listed

        keeping = _keep_bytecode(helper_package, build_cache) if helper_package else None
        build_slug(build_dir, publishing, copying)
    timings.lap("clean-up")  # the work folder's removal, counted as the build's own time
    if keeping is not None:  # a first build of this buildpack: its compile, counted too
        keeping.join()
        timings.lap("helper bytecode")
    output.info(f"Timings: {timings.line()}")
    return 0


def _copy_runtime(build_dir: str, build_cache: str) -> Future[Copied]:
    """The slug's runtime files, copied in a thread while the app's process works: the copy
    mostly waits for the file system, which lets the listing and the imports go on meanwhile."""
    from concurrent.futures import ThreadPoolExecutor  # lazy: after the fork, as below

    from .install import copy_slug_runtime  # lazy: the fork needs none of it

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="runtime-copy")
    copying = executor.submit(copy_slug_runtime, build_dir, build_cache)
    executor.shutdown(wait=False)
    return copying


def _keep_bytecode(package: str, build_cache: str) -> threading.Thread:
    """Compile the helper's package and keep its bytecode for the next build (``bytecode``),
    beside the build; a buildpack folder or build cache that cannot take it only costs the next
    build the compile."""

    def keep() -> None:
        with contextlib.suppress(OSError, RuntimeError):
            bytecode.compile_tree(package, build_cache, checked=True)

    thread = threading.Thread(target=keep, daemon=True)
    thread.start()
    return thread
