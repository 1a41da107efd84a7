"""The build once the app's process is running: publish, report, and install the dyno's pieces."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .. import output
from ..collect import heroku_collectstatic
from ..publish import deps
from ..publish.app_process import AppProcess, Inspecting
from ..publish.publish import Outcome, publish
from .install import install_dyno_pieces


def build_slug(
    build_dir: str,
    build_cache: str,
    app: AppProcess,
    env: Mapping[str, str],
    timings: output.Timings,
    inspecting: Inspecting,
) -> None:
    deps.ensure(build_cache, deps.HOT_PATH, app.app_dir)
    outcome = publish(app, env, timings, inspecting, build_cache=build_cache)
    report(outcome, timings, build_dir)
    heroku_collectstatic.warn_if_it_ran(build_dir, env, outcome.heroku_python)
    install_dyno_pieces(build_dir, app, outcome.config)
    output.info(f"Timings: {timings.line()}")


def report(outcome: Outcome, timings: output.Timings, build_dir: str) -> None:
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
