"""Publishing: make the bucket and the static cache agree, with as little work as possible."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import output
from ..collect import name_check
from ..collect.fingerprint import changed_setting, why_stale
from ..config import Config
from ..errors import S3StaticError
from ..format import hashed_names, location, record_bodies, static_cache
from ..format.names import folder_problem
from ..format.names_memo import MEMO_FILE, Memo
from ..format.static_cache import StaticCache, StaticObject
from ..s3.compare import describe, differences, immutable_names
from ..s3.errors import RegionMismatch
from ..s3.types import RemoteObject
from ..s3.upload import UploadJob
from ..settings_table import DEFAULT_STATIC_CACHE_DIR, STATIC_CACHE_DIR
from . import cors, deps, refresh
from .app_process import AppProcess, Inspecting
from .collected_files import CollectedFiles
from .early_listing import EarlyListing, follow_region, list_in_region
from .early_listing import start as start_listing
from .release import Release, release_of
from .reuse import incremental_cache
from .uploading import (
    check_public,
    check_records_private,
    record,
    report_missing_references,
    upload_missing,
)


@dataclass
class Outcome:
    config: Config
    cache: StaticCache
    cache_file: str
    reason: str | None  # why the static cache was not used as is; None on the fast path
    uploaded: int = 0
    #: On the fast path: the sources were checked with the settings alone (no app imported).
    settings_only: bool = False
    #: On the fast path: the finders record is missing or stale, so builds start Django.
    record_outdated: bool = False
    #: On the fast path, when Django was started although the cache has a finders record: why
    #: the record did not vouch for these settings, and what would make it (``finders.Gap``).
    record_gap: dict | None = None
    #: What the app's settings tell about heroku/python's collectstatic (``heroku_collectstatic``).
    heroku_python: dict = field(default_factory=dict)
    #: The setting whose value differs from the one the committed cache was published with, when
    #: that made it stale (``fingerprint.changed_setting``): publishing again with the same
    #: settings would not make the next build fresh.
    stale_setting: str = ""


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
    #: Unhashed copies another uploader replaced, to store again on the fast path (``refresh``).
    refresh: list[UploadJob] = field(default_factory=list)
    #: The committed cache's JSON as read: what the release's record stores of it.
    committed_text: str | None = None


def problems(
    cache: StaticCache,
    fingerprint: str | None,
    config: Config,
    inventory: Mapping | None,
    context: Mapping | None = None,
    untied: list[str] | None = None,
) -> list[str]:
    """Every reason a loaded static cache cannot be trusted as it is (pure; build and verify).

    ``untied``: the hashed names the app's process found not of the sources."""
    found = []
    if fingerprint is not None and cache.fingerprint != fingerprint:
        found.append(why_stale(cache.built_with, context))
    elif untied:
        found.append(hashed_names.describe(untied))
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
    early: EarlyListing | None = None,
) -> Outcome:
    """Verify the static cache, or collect, upload and write a fresh one; return what happened.

    ``build_cache``: only a build has one (boto3 goes there), and a build is a release.
    ``early``: the listing already started (``early_listing.start``), if it was.
    """
    found = inspect(app, values, timings, inspecting, build_cache, early)
    if build_cache is not None:
        found.release = release_of(values, build_cache)
    if found.reason is None:
        return verified(found, refresh_record)
    progress = progress or output.Progress()
    memo = os.path.join(build_cache, MEMO_FILE) if build_cache else None
    return collect_and_upload(app, found, timings, inspecting.workdir, progress, memo)


def inspect(
    app: AppProcess,
    values: Mapping[str, str],
    timings: output.Timings,
    inspecting: Inspecting,
    build_cache: str | None,
    early: EarlyListing | None = None,
) -> Inspection:
    """List the bucket while the app's process fingerprints the sources; then compare."""
    guessed_file = inspecting.committed_file
    early = early or start_listing(values, guessed_file)
    guessed, guessed_text = _load_or_none(guessed_file)
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
    check_static_cache_dir({**values, **inspected["settings"]})  # and a folder outside the app
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

    cache_file = static_cache.path_in(app.app_dir, config.static_cache_dir)
    committed, text = (guessed, guessed_text) if cache_file == guessed_file else (None, None)
    jobs: list[UploadJob] = []
    try:
        if committed is None:
            committed, text = static_cache.load_text(cache_file)
        found = problems(
            committed,
            inspected["fingerprint"],
            config,
            None,  # the bucket is compared below, where unhashed copies are stored again
            inspected.get("context"),
            names_checked(inspected, cache_file),
        )
        reason = found[0] if found else None
        if reason is None:
            reason, jobs = bucket_problem(committed, inventory, config, inspected)
    except static_cache.CacheError as exc:
        reason = str(exc)
    return Inspection(
        config, inspected, inventory, committed, cache_file, reason, refresh=jobs,
        committed_text=text,
    )  # fmt: skip


def bucket_problem(
    cache: StaticCache, inventory: Mapping[str, RemoteObject], config: Config, report: Mapping
) -> tuple[str | None, list[UploadJob]]:
    """Why the bucket does not hold what the cache names, and the unhashed copies to store again.

    Hashed objects are the contract: one that differs is a reason to collect. An unhashed copy
    that differs (another uploader replaced it) is stored again from its source (``refresh``);
    only one that no source gives is a reason.
    """
    diffs = differences(cache.objects, inventory, config.key)
    if not diffs:
        return None, []
    immutable = immutable_names(cache.paths)
    hashed = [diff for diff in diffs if diff.name in immutable]
    if hashed:
        return describe(hashed), []
    copies = [diff for diff in diffs if diff.name not in immutable]
    jobs, left = refresh.plan(copies, cache.objects, report.get("source_roots"))
    return (describe(left) if left else None), jobs


def check_static_cache_dir(values: Mapping[str, str]) -> None:
    """Refuse a ``DJANGO_S3_STATIC_CACHE_DIR`` outside the app's folder, before anything is
    written there or into ``.profile.d``."""
    value = str(values.get(STATIC_CACHE_DIR) or "").strip()
    problem = folder_problem(value)
    if problem:
        raise S3StaticError(
            f"{STATIC_CACHE_DIR}={value!r} {problem}.",
            "It names the static cache's folder relative to the folder of manage.py, inside the",
            f"app (the slug). Fix it, or unset it for the default ({DEFAULT_STATIC_CACHE_DIR}):",
            f"heroku config:unset {STATIC_CACHE_DIR}",
        )


def names_checked(report: Mapping, cache_file: str) -> list[str]:
    """The hashed names of ``cache_file`` the app's process found not of the sources. It checks
    the cache the settings name when its fingerprint is the sources'; a report without that
    check, or of another file, leaves the cache unproven (which ``problems`` reads only when the
    fingerprints agree)."""
    checked = report.get("names")
    if checked and os.path.realpath(checked["cache_file"]) == os.path.realpath(cache_file):
        return list(checked["untied"])
    return [hashed_names.NOT_CHECKED]


def _load_or_none(path: str) -> tuple[StaticCache | None, str | None]:
    try:
        return static_cache.load_text(path)
    except static_cache.CacheError:
        return None, None


def verified(found: Inspection, refresh_record: bool) -> Outcome:
    """The fast path: the static cache is fresh and complete."""
    committed, settings_only = found.committed, bool(found.report.get("settings_only"))
    recorded = found.report.get("finders")
    outdated = not settings_only and committed.finders != recorded
    text = found.committed_text
    if outdated and refresh_record and recorded is not None:
        committed.finders = recorded
        text = committed.to_json()
        static_cache.write(committed, os.path.dirname(found.cache_file), text)
    refresh.refresh(found.config, found.refresh)
    record(found.config, committed, found.inventory, found.release, text)
    return Outcome(
        found.config,
        committed,
        found.cache_file,
        None,
        settings_only=settings_only,
        record_outdated=outdated and recorded is not None,
        record_gap=None if settings_only else found.report.get("record_gap"),
        heroku_python=found.report.get("heroku_python", {}),
    )


def collect_and_upload(
    app: AppProcess,
    found: Inspection,
    timings: output.Timings,
    workdir: str,
    progress: output.Progress,
    memo_file: str | None = None,
) -> Outcome:
    """Collect (or take the incremental collect), upload what the bucket lacks, then write.
    ``memo_file``: where a build keeps the memo of a names check (``names_memo``): a full
    collect's names are Django's for these sources, so it writes the memo of the cache it
    writes; an incremental one carries names over from the committed cache, and does not."""
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
        tags = found.report.get("integrity_tags")
        files = CollectedFiles(root)
        return upload_and_write(found, reused[0], timings, files, progress, reused[1], tags)
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
    missing, tags = collected["missing_references"], report.get("integrity_tags")
    files = CollectedFiles.of(root, collected)
    return upload_and_write(found, cache, timings, files, progress, missing, tags, memo_file)


def upload_and_write(
    found: Inspection,
    cache: StaticCache,
    timings: output.Timings,
    files: CollectedFiles,
    progress: output.Progress,
    missing_references: list[dict[str, str]],
    integrity_tags: bool | None = None,
    memo_file: str | None = None,
) -> Outcome:
    """Upload what the bucket lacks, check, record, and only then write the static cache.
    ``integrity_tags``: whether the app's templates render integrity (None: it could not tell)."""
    config = found.config
    report_missing_references(missing_references)
    uploaded = upload_missing(config, cache, found.inventory, files, progress, found.committed)
    timings.lap("upload")
    if uploaded:
        check_public(config, cache, uploaded)
        timings.lap("public check")
    readers = cors.readers(cache.objects, config, integrity_tags)
    if readers:
        origins = cors.parse_origins(config.cors_origins_value)
        cors.check_bucket(config, origins, config.set_cors, readers)
        timings.lap("cors check")
    text = cache.to_json()  # once, for the record and the file
    recorded = record(config, cache, found.inventory, found.release, text)
    if uploaded and recorded:
        check_records_private(config, recorded)
    static_cache.write(cache, os.path.dirname(found.cache_file), text)
    if memo_file:
        written = Memo(record_bodies.sha256(text), cache.fingerprint, cache.finders)
        name_check.write_memo(memo_file, written)
    published = found.committed.built_with if found.committed else None
    return Outcome(
        config,
        cache,
        found.cache_file,
        found.reason,
        len(uploaded),
        heroku_python=found.report.get("heroku_python", {}),
        stale_setting=changed_setting(published, found.report.get("context")),
    )
