"""The build once the app's process is running: publish, report, and install the dyno's pieces."""

from __future__ import annotations

import os
from concurrent import futures

from .. import output
from ..collect import heroku_collectstatic, post_compile
from ..format import dyno_form
from ..publish.app_process import Publishing
from ..publish.publish import Outcome, publish
from .install import Copied, install_dyno_pieces, remove_slug_runtime


def build_slug(build_dir: str, publishing: Publishing, copying: futures.Future[Copied]) -> None:
    """Publish, report and install the dyno's pieces. ``copying``: the runtime's files being
    copied into the slug (``install.copy_slug_runtime``)."""
    try:
        outcome = publish_build(build_dir, publishing)
        copied = copying.result()
    except BaseException:
        futures.wait([copying])  # every file it copies is in place before they are removed
        remove_slug_runtime(build_dir)  # a failed build releases nothing
        raise
    heroku_collectstatic.warn_if_it_ran(build_dir, publishing.env, outcome.heroku_python)
    post_compile.report(build_dir, outcome.heroku_python)
    app, build_cache = publishing.app, publishing.build_cache
    install_dyno_pieces(build_dir, app, outcome.config, build_cache, copied)
    publishing.timings.lap("record and install")


def publish_build(build_dir: str, publishing: Publishing, where: str = "the slug") -> Outcome:
    """Publish, say what was done, and write the dyno's form beside the static cache: what a
    Cedar and a Fir build do alike. ``where``: what ``build_dir`` becomes (``report``)."""
    p = publishing
    outcome = publish(
        p.app, p.env, p.timings, p.inspecting, build_cache=p.build_cache, early=p.early
    )
    report(outcome, p.timings, build_dir, where)
    dyno_form.write(outcome.cache, outcome.cache_file)  # from the cache just verified
    return outcome


def report(
    outcome: Outcome, timings: output.Timings, build_dir: str, where: str = "the slug"
) -> None:
    """What the build did with the static cache, and what the developer should do next.

    ``where``: what the build's app directory becomes (the slug; the image for a CNB build)."""
    cache_rel = os.path.relpath(outcome.cache_file, build_dir)
    if outcome.reason is not None and outcome.stale_setting:
        name = outcome.stale_setting
        output.info(f"Wrote {cache_rel} into {where}")
        output.info(
            f"The committed cache was published with another {name} than these settings': "
            f"publish_static where {name} is as deployed (or make it the same in both), and "
            "commit the static cache, so the next build skips collectstatic"
        )
        return
    if outcome.reason is not None:
        output.info(f"Wrote {cache_rel} into {where}")
        output.info("Refresh the committed cache so the next build skips collectstatic:")
        output.info(
            f"  python manage.py publish_static && git add {os.path.dirname(cache_rel) or '.'}"
        )
        return
    output.info(
        f"Static files unchanged, {len(outcome.cache.objects)} objects verified in "
        f"{timings.last - timings.started:.2f} s (no collectstatic, nothing uploaded)"
    )
    if outcome.record_gap:
        output.info(
            f"Django was started to check the sources: the finders record in {cache_rel} does "
            f"not vouch for these settings ({outcome.record_gap['why']})"
        )
        if outcome.record_gap.get("fix"):
            output.info(f"To check them with the settings alone, {outcome.record_gap['fix']}")
    elif outcome.record_outdated and outcome.cache.finders is None:
        output.info(
            f"{cache_rel} has no finders record, so Django was started to check the sources;"
        )
        output.info(
            "run 'python manage.py publish_static' and commit it to check them with the "
            "settings alone"
        )
