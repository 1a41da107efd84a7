"""Publishing: make the bucket and the static cache agree, with as little work as possible.

Shared by the build (``bin/compile``) and ``manage.py publish_static``. The app's own settings and
imports run in a child process (``collect``); this module holds the decisions: whether the
committed cache can be trusted as is, what to collect, what to upload, and when the new cache may
be written (only after every object it names is in the bucket).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import output
from ..collect.fingerprint import why_stale
from ..config import Config
from ..errors import S3StaticError
from ..format import location, static_cache
from ..format.static_cache import StaticCache, StaticObject
from ..s3.compare import describe, differences
from ..s3.errors import RegionMismatch
from ..s3.types import RemoteObject
from . import cors, deps
from .app_process import AppProcess, Inspecting
from .early_listing import EarlyListing, follow_region, list_in_region
from .release import Release, release_of
from .reuse import incremental_cache
from .uploading import check_public, record, report_missing_references, upload_missing


@dataclass
class Outcome:
    config: Config
    cache: StaticCache
    cache_file: str
    reason: str | None  # why the committed cache was not used as is; None on the fast path
    uploaded: int = 0
    #: On the fast path: the sources were checked with the settings alone (no app imported).
    settings_only: bool = False
    #: On the fast path: the cache's finders record is missing or out of date, so builds start
    #: Django to check the sources (publish_static refreshes it).
    record_outdated: bool = False
    #: What the app's settings tell about heroku/python's collectstatic (``heroku_collectstatic``).
    heroku_python: dict = field(default_factory=dict)


@dataclass
class Inspection:
    """What the app's process and the listing told: the settings, the sources, the bucket."""

    config: Config
    report: dict
    inventory: dict[str, RemoteObject]
    committed: StaticCache | None
    cache_file: str
    reason: str | None
    #: What a build records (its commit and app); None for publish_static, which is no release.
    release: Release | None = None


def problems(
    cache: StaticCache,
    fingerprint: str | None,
    config: Config,
    inventory: Mapping | None,
    context: Mapping | None = None,
) -> list[str]:
    """Every reason a loaded cache cannot be trusted as it is (pure; used by build and verify).

    ``context``: what shapes the output besides the sources, as the app's process found it;
    compared with the cache's ``built_with`` to say why the fingerprint differs.
    """
    found = []
    if fingerprint is not None and cache.fingerprint != fingerprint:
        found.append(why_stale(cache.built_with, context))
    published, wanted = location.recorded(cache), location.configured(config)
    if not published.same_place(wanted):
        found.append(
            f"other location: the cache was published to {published}, the app uses {wanted}"
        )
    elif inventory is not None:
        diffs = differences(cache.objects, inventory, config.key)
        if diffs:
            found.append(describe(diffs))
    return found


def publish(
    app: AppProcess,
    values: Mapping[str, str],
    timings: output.Timings,
    inspecting: Inspecting,
    progress: output.Progress | None = None,
    refresh_record: bool = False,
    build_cache: str | None = None,
) -> Outcome:
    """Verify the committed cache or collect, upload and write a fresh one; return what happened.

    ``inspecting`` is the app's process already started (``AppProcess.inspect``), in whose
    temporary folder the files are collected. ``refresh_record`` (publish_static) rewrites a
    fresh cache whose finders record is out of date; the build leaves the committed cache as it
    is. ``build_cache`` (the build's cache) is where boto3 is installed when the credentials
    need its chain; only a build has one, and a build is a release (``release``).
    """
    found = inspect(app, values, timings, inspecting, build_cache)
    if build_cache is not None:
        found.release = release_of(values, build_cache)
    if found.reason is None:
        return verified(found, refresh_record)
    progress = progress or output.Progress()
    return collect_and_upload(app, found, timings, inspecting.workdir, progress)


def inspect(
    app: AppProcess,
    values: Mapping[str, str],
    timings: output.Timings,
    inspecting: Inspecting,
    build_cache: str | None,
) -> Inspection:
    """While the app's process reads the settings and fingerprints the sources, list the bucket
    where the config vars and the committed cache say; then compare."""
    guessed_file = inspecting.committed_file
    guessed = _load_or_none(guessed_file)
    early = EarlyListing(values, guessed)
    inspected = app.finish(inspecting.child, inspecting.result)
    config = Config.from_values({**values, **inspected["settings"]})
    for secret in (config.secret_key, config.session_token):
        output.register_secret(secret)
    if inspected.get("settings_only"):
        timings.lap("inspect (settings only)")
    else:
        incremental = "collected" in inspected.get("incremental", {})
        without_setup = " (settings only)" if inspected.get("setup") is False else ""
        timings.lap(
            ("inspect and incremental collect" if incremental else "inspect") + without_setup
        )
    output.info(
        f"Bucket: {config.bucket}, prefix {config.key_prefix or '(none)'}, public URL "
        f"{config.public_base_url}"
    )
    if config.debug:
        output.info(f"Debug: {config!r}")
    cors.parse_origins(config.cors_origins_value)  # a bad value fails before uploading
    Config.check_values({**values, **inspected["settings"]})  # so does an unknown switch value
    problem = config.public_url_problem()
    if problem:
        raise S3StaticError(f"Browsers could never load the static files: {problem}.")
    if build_cache and not (config.access_key and config.secret_key):
        deps.ensure(build_cache, deps.BOTO3, app.app_dir)
    try:
        inventory, requests, early_seconds = early.result(config)
    except RegionMismatch as exc:
        config, inventory, requests = list_in_region(follow_region(config, exc), early.names)
        early_seconds = None
    requests_text = f"{requests} request{'s' * (requests != 1)}"
    if early_seconds is not None:
        requests_text += " started alongside inspect"  # the lap is the wait after it
    timings.lap(f"list ({requests_text})")

    cache_file = static_cache.path_in(app.app_dir, config.cache_dir)
    committed = guessed if cache_file == guessed_file else None
    try:
        committed = committed or static_cache.load(cache_file)
        found = problems(
            committed, inspected["fingerprint"], config, inventory, inspected.get("context")
        )
        reason = found[0] if found else None
    except static_cache.CacheError as exc:
        reason = str(exc)
    return Inspection(config, inspected, inventory, committed, cache_file, reason)


def _load_or_none(path: str) -> StaticCache | None:
    try:
        return static_cache.load(path)
    except static_cache.CacheError:
        return None


def verified(found: Inspection, refresh_record: bool) -> Outcome:
    """The fast path: the committed cache is fresh and complete."""
    committed, settings_only = found.committed, bool(found.report.get("settings_only"))
    recorded = found.report.get("finders")
    outdated = not settings_only and committed.finders != recorded
    if outdated and refresh_record and recorded is not None:
        committed.finders = recorded
        static_cache.write(committed, os.path.dirname(found.cache_file))
    record(found.config, committed, found.inventory, found.release)
    return Outcome(
        found.config,
        committed,
        found.cache_file,
        None,
        settings_only=settings_only,
        record_outdated=outdated and recorded is not None,
        heroku_python=found.report.get("heroku_python", {}),
    )


def collect_and_upload(
    app: AppProcess,
    found: Inspection,
    timings: output.Timings,
    workdir: str,
    progress: output.Progress,
) -> Outcome:
    """Collect into ``workdir`` (or take what the app's process collected of a change), upload
    what the bucket lacks, and only then write the cache."""
    config = found.config
    output.info(f"Collecting: {found.reason}")
    root = os.path.join(workdir, "incremental")
    reused = incremental_cache(
        config,
        found.report,
        found.committed,
        found.cache_file,
        app.app_dir,
        found.inventory,
        found.reason,
        root,
    )
    if reused is not None:
        timings.lap("merge")
        return upload_and_write(found, reused[0], timings, root, progress, reused[1])
    root = os.path.join(workdir, "collected")
    report = app.run(os.path.join(workdir, "collect.json"), root)
    collected = report["collected"]
    timings.lap("collect")
    cache = StaticCache(
        fingerprint=report["fingerprint"],
        bucket=config.bucket,
        prefix=config.location,
        endpoint=location.configured(config).endpoint,
        paths=collected["paths"],
        objects={name: StaticObject(**obj) for name, obj in collected["objects"].items()},
        finders=report.get("finders"),
        built_with=report.get("context"),
        incremental=collected.get("incremental"),
    )
    output.info(
        f"Collected {len(cache.objects)} files ({output.human_bytes(cache.total_bytes)}) "
        f"from {report['sources']} sources"
    )
    return upload_and_write(found, cache, timings, root, progress, collected["missing_references"])


def upload_and_write(
    found: Inspection,
    cache: StaticCache,
    timings: output.Timings,
    root: str,
    progress: output.Progress,
    missing_references: list[dict[str, str]],
) -> Outcome:
    """Upload what the bucket lacks of ``cache`` (its new files are in ``root``), check what
    browsers get, record the publish, and only then write the cache."""
    config = found.config
    report_missing_references(missing_references)
    uploaded = upload_missing(config, cache, found.inventory, root, progress, found.committed)
    timings.lap("upload")
    if uploaded:
        check_public(config, cache, uploaded)
        timings.lap("public check")
    readers = cors.readers(cache.objects, config)
    if readers:
        origins = cors.parse_origins(config.cors_origins_value)
        cors.check_bucket(config, origins, config.set_cors, readers)
        timings.lap("cors check")
    text = cache.to_json()  # once, for the record and the file
    record(config, cache, found.inventory, found.release, text)
    static_cache.write(cache, os.path.dirname(found.cache_file), text)
    return Outcome(
        config,
        cache,
        found.cache_file,
        found.reason,
        len(uploaded),
        heroku_python=found.report.get("heroku_python", {}),
    )
