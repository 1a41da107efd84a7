"""``bin/test-compile``: Heroku CI's build, which checks the static cache and nothing more.

It replaces ``bin/compile`` in CI and a non-zero exit errors the run
(https://devcenter.heroku.com/articles/heroku-ci-technical-detail-on-ci-lifecycle); it skips what
prepares production (https://devcenter.heroku.com/articles/testpack-api): a test build must never
publish. A stale static cache is not a test failure; a malformed one, or one whose hashed names
are not the sources' (an edited manifest), is.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Mapping

from .. import output
from ..config import Config, static_cache_dir
from ..errors import S3StaticError
from ..format import hashed_names, static_cache
from ..format.static_cache import StaticCache
from ..publish.publish import check_static_cache_dir, names_checked, problems
from .compile import STEP, start_app
from .source_diff import describe, source_diff

#: ``publish.problems``' reason when the fingerprint differs and nothing more is known.
SOURCES_CHANGED = "stale: the static sources changed since the cache was published"
NOT_A_FAILURE = "Not a test failure: the deploy build will collect and upload the static files."


def ci_compile(build_dir: str, build_cache: str, env_dir: str) -> int:
    """Check the static cache's sources; exit 0 unless it or the settings are broken."""
    started = time.monotonic()
    env, app, _ = start_app(build_dir, env_dir, f"{STEP}: Heroku CI, nothing uploaded", sdk=False)
    app = dataclasses.replace(app, module="django_s3_static.collect.ci_app")
    committed = static_cache.path_in(app.app_dir, static_cache_dir(env))
    with tempfile.TemporaryDirectory(prefix="django-s3-static-ci-") as workdir:
        report = app.run(os.path.join(workdir, "ci.json"), committed=committed)
    Config.check_values({**env, **report["settings"]})  # what would fail the deploy fails here
    check_static_cache_dir({**env, **report["settings"]})
    cache_file = report["cache_file"]
    shown = os.path.relpath(cache_file, build_dir)
    folder = os.path.dirname(shown) or "."
    if not os.path.lexists(cache_file):
        output.info(f"No committed static cache ({shown}). {NOT_A_FAILURE}")
        _refresh(folder, "Commit one so deploys skip collectstatic:")
    else:
        cache = _load(cache_file, shown)
        location = _location(env, report["settings"], cache)
        untied = names_checked(report, cache_file)
        if cache.fingerprint == report["fingerprint"] and untied:
            _untrusted(shown, untied)
        found = problems(cache, report["fingerprint"], location, None)
        if found:
            _warn_stale(shown, found, cache, report, folder)
        else:
            how = ", settings only" if report.get("settings_only") else ""
            output.info(
                f"Static cache fresh: {shown} matches the {report['sources']} static sources "
                f"(checked in {time.monotonic() - started:.2f} s{how})"
            )
    output.info(
        "No S3 request, nothing uploaded, nothing written into the app: "
        "the tests run with the app's own settings"
    )
    return 0


def _load(cache_file: str, shown: str) -> StaticCache:
    try:
        return static_cache.load(cache_file)
    except static_cache.CacheError as exc:
        raise S3StaticError(
            f"The committed static cache {shown} cannot be used: {exc}.",
            "A deploy would not trust it either, and would collect and upload every static file.",
            "Run 'python manage.py publish_static' and commit the result (or delete the file);",
            "after a merge conflict, publishing again rewrites it.",
        ) from None


def _untrusted(shown: str, untied: list[str]) -> None:
    """Hashed names that are not the sources': the deploy would not trust the cache either."""
    raise S3StaticError(
        f"The committed static cache {shown} cannot be trusted: "
        f"{hashed_names.describe(untied).removeprefix('untrusted: ')}.",
        "Pages would link to objects other than the sources. A deploy would not trust it, and",
        "would collect and upload every static file. Run 'python manage.py publish_static' and",
        "commit the result; after a merge conflict, publishing again rewrites it.",
    )


def _location(env: Mapping[str, str], settings: Mapping[str, str], cache: StaticCache) -> Config:
    """The bucket and prefix the app names (as verify_static checks), else the static cache's."""
    values = {**env, **settings}
    if (values.get("AWS_STORAGE_BUCKET_NAME") or "").strip():
        return Config.from_values(values)
    return Config(bucket=cache.bucket, location=cache.prefix, endpoint_url=cache.endpoint or None)


def _warn_stale(
    shown: str, found: list[str], cache: StaticCache, report: dict, folder: str
) -> None:
    reasons = [_with_files(problem, cache, report) for problem in found]
    lines = [
        f"{shown} is {reason}." if reason.startswith("stale:") else f"{shown}: {reason}."
        for reason in reasons
    ]
    output.warn(f"{lines[0]} {NOT_A_FAILURE}", lines[1:])
    _refresh(folder, "Refresh the committed cache so deploys skip collectstatic:")


def _with_files(problem: str, cache: StaticCache, report: dict) -> str:
    """A staleness reason with the files that changed, when the app's process listed them."""
    if not problem.startswith("stale:") or "digests" not in report:
        return problem
    diff = source_diff(cache, report["digests"], report.get("generated"), report.get("integrities"))
    if problem == SOURCES_CHANGED:  # the fingerprint alone: the files say what
        return f"stale: {describe(diff)}"
    return f"{problem}; {describe(diff)}" if diff else problem


def _refresh(folder: str, why: str) -> None:
    output.info(f"{why} python manage.py publish_static && git add {folder}")
