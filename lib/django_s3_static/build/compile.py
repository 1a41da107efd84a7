"""The build: verify the committed static cache, or collect and upload, then install the dyno.

The fast path costs the app's settings (the sources are checked against the finders record in the
committed cache, or with a full Django start-up when that record does not hold) and one paged
listing of the bucket prefix, made while the settings load. Only when the committed cache is
absent, stale or incomplete does it run collectstatic and upload the objects the bucket lacks.
The slug never references an object that is not in the bucket: the cache is written into the
slug only after every upload succeeded.
"""

from __future__ import annotations

import os

from . import deps, output
from .app_process import AppProcess, require_manage_py, settings_module
from .environment import read_env_dir, secret_values
from .install import install_dyno_pieces
from .publish import Outcome, Timings, publish


def compile_app(build_dir: str, cache_dir: str, env_dir: str) -> int:
    env = read_env_dir(env_dir)
    for value in secret_values(env):
        output.register_secret(value)
    output.step("Django static files on S3 (django-s3-static)")
    deps.ensure(cache_dir, deps.HOT_PATH)
    manage_py = require_manage_py(build_dir)
    app = AppProcess(
        os.path.dirname(manage_py),
        settings_module(manage_py, env.get("DJANGO_SETTINGS_MODULE")),
        env,
    )
    output.info(f"App: {os.path.relpath(manage_py, build_dir)}, settings {app.settings}")
    if env.get("DISABLE_COLLECTSTATIC", "0") in ("", "0"):
        output.warn(
            "DISABLE_COLLECTSTATIC is not set, so heroku/python also ran collectstatic.",
            [
                "That work is wasted: this buildpack collects and uploads the static files itself.",
                "Turn it off with: heroku config:set DISABLE_COLLECTSTATIC=1",
            ],
        )
    timings = Timings()
    outcome = publish(app, env, timings, fork=True, cache_dir=cache_dir)
    report(outcome, timings, build_dir)
    install_dyno_pieces(build_dir, app, outcome.config)
    output.info(f"Timings: {timings.line()}")
    return 0


def report(outcome: Outcome, timings: Timings, build_dir: str) -> None:
    """What the build did with the committed cache, and what the developer should do next."""
    cache_rel = os.path.relpath(outcome.cache_file, build_dir)
    if outcome.reason is not None:
        output.info(f"Wrote {cache_rel} into the slug")
        output.info("Refresh the committed cache so the next build skips collectstatic:")
        output.info(
            f"  python manage.py publish_static && git add {os.path.dirname(cache_rel) or '.'}"
        )
        return
    output.info(
        f"Static files unchanged, {len(outcome.cache.objects)} objects verified in "
        f"{timings.last - timings.started:.2f} s (no collectstatic, nothing uploaded)"
    )
    if outcome.record_outdated:
        output.info(
            f"{cache_rel} has no finders record for these settings, so Django was started "
            "to check the sources;"
        )
        output.info(
            "run 'python manage.py publish_static' and commit it to check them with the "
            "settings alone"
        )
