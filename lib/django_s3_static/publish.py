"""Publishing: make the bucket and the static cache agree, with as little work as possible.

Shared by the build (``bin/compile``) and ``manage.py publish_static``. The app's own settings and
imports run in a child process (``collect.py``); this module holds the decisions: whether the
committed cache can be trusted as is, what to collect, what to upload, and when the new cache may
be written (only after every object it names is in the bucket).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import output
from .app import AppProcess
from .config import CACHE_FILE_NAME, DEFAULTS, Config
from .errors import BuildError

if TYPE_CHECKING:
    from .plan import Difference, RemoteObject
    from .static_cache import StaticCache

# The app's process is started before the modules that only matter once it has answered (the
# static cache, plans, records, S3, CORS) are imported: they load while it reads the settings.


@dataclass
class Timings:
    phases: list[tuple[str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.phases.append((name, now - self.last))
        self.last = now

    def line(self) -> str:
        parts = [f"{name} {seconds:.2f} s" for name, seconds in self.phases]
        return ", ".join(parts + [f"total {time.monotonic() - self.started:.2f} s"])


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


def problems(
    cache: StaticCache, fingerprint: str | None, config: Config, inventory: Mapping | None
) -> list[str]:
    """Every reason a loaded cache cannot be trusted as it is (pure; used by build and verify)."""
    found = []
    if fingerprint is not None and cache.fingerprint != fingerprint:
        found.append("stale: the static sources changed since the cache was published")
    if (cache.bucket, cache.prefix) != (config.bucket, config.location):
        found.append(
            f"other location: the cache was published to {cache.bucket}/{cache.prefix}, "
            f"the app uses {config.bucket}/{config.location}"
        )
    elif inventory is not None:
        from .plan import describe, differences

        diffs = differences(cache.objects, inventory, config.key)
        if diffs:
            found.append(describe(diffs))
    return found


def publish(
    app: AppProcess,
    values: Mapping[str, str],
    timings: Timings,
    progress: output.Progress | None = None,
    refresh_record: bool = False,
    fork: bool = False,
) -> Outcome:
    """Verify the committed cache or collect, upload and write a fresh one; return what happened.

    ``refresh_record`` (publish_static) rewrites a fresh cache whose finders record is out of
    date; the build leaves the committed cache as it is. ``fork`` (the build, which has read no
    settings) checks the sources in a fork of this process (``AppProcess.fork``).
    """
    with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
        return _publish(
            app, values, timings, workdir, progress or output.Progress(), refresh_record, fork
        )


def _publish(
    app, values, timings: Timings, workdir: str, progress, refresh_record, fork
) -> Outcome:
    # The committed cache where the config vars say it is, and a listing of where it was
    # published, both started before the app's settings are read: on the fast path the settings
    # agree, and the listing has run while the app's process worked.
    guessed_file = _committed_path(app.app_dir, values)
    result = os.path.join(workdir, "inspect.json")
    # First: the imports below take a while.
    child = app.fork(result, guessed_file) if fork else app.start(result, committed=guessed_file)
    from . import static_cache
    from .static_cache import StaticCache, StaticObject

    try:
        guessed = static_cache.load(guessed_file)
    except static_cache.CacheError:
        guessed = None
    early = EarlyListing(values, guessed)
    inspected = app.finish(child, result)
    config = Config.from_values({**values, **inspected["settings"]})
    for secret in (config.secret_key, config.session_token):
        output.register_secret(secret)
    settings_only = bool(inspected.get("settings_only"))
    timings.lap("inspect (settings only)" if settings_only else "inspect")
    output.info(
        f"Bucket: {config.bucket}, prefix {config.key_prefix or '(none)'}, public URL "
        f"{config.public_base_url}"
    )
    if config.debug:
        output.info(f"Debug: {config!r}")
    cors_origins = config.cors_origins  # a bad DJANGO_S3_STATIC_CORS_ORIGINS fails before uploading

    inventory, requests, early_seconds = early.result(config)
    requests_text = f"{requests} request{'s' * (requests != 1)}"
    if early_seconds is not None:
        requests_text += " started alongside inspect"  # the lap is the wait after it
    timings.lap(f"list ({requests_text})")

    cache_file = static_cache.path_in(app.app_dir, config.cache_dir)
    try:
        committed = guessed if cache_file == guessed_file and guessed else None
        committed = committed or static_cache.load(cache_file)
        found = problems(committed, inspected["fingerprint"], config, inventory)
        reason = found[0] if found else None
    except static_cache.CacheError as exc:
        reason = str(exc)
    if reason is None:
        recorded = inspected.get("finders")
        outdated = not settings_only and committed.finders != recorded
        if outdated and refresh_record and recorded is not None:
            committed.finders = recorded
            static_cache.write(committed, os.path.dirname(cache_file))
        record(config, committed, inventory)
        return Outcome(
            config,
            committed,
            cache_file,
            None,
            settings_only=settings_only,
            record_outdated=outdated and recorded is not None,
        )

    output.info(f"Collecting: {reason}")
    root = os.path.join(workdir, "collected")
    collected_report = app.run(os.path.join(workdir, "collect.json"), root)
    collected = collected_report["collected"]
    timings.lap("collect")
    cache = StaticCache(
        fingerprint=collected_report["fingerprint"],
        bucket=config.bucket,
        prefix=config.location,
        paths=collected["paths"],
        objects={name: StaticObject(**obj) for name, obj in collected["objects"].items()},
        finders=collected_report.get("finders"),
    )
    output.info(
        f"Collected {len(cache.objects)} files ({output.human_bytes(cache.total_bytes)}) "
        f"from {collected_report['sources']} sources"
    )
    report_missing_references(collected["missing_references"])
    uploaded = upload_missing(config, cache, inventory, root, progress)
    timings.lap("upload")
    if uploaded:
        check_public(config, cache, uploaded)
        timings.lap("public check")
    from . import cors

    if cors.has_fonts(cache.objects):
        cors.check_bucket(config, cors_origins, config.set_cors)
        timings.lap("cors check")
    record(config, cache, inventory)
    static_cache.write(cache, os.path.dirname(cache_file))
    return Outcome(config, cache, cache_file, reason, len(uploaded))


def _committed_path(app_dir: str, values: Mapping[str, str]) -> str:
    """The committed cache where the config vars put it (the settings may move it: checked
    again once they are read)."""
    folder = (values.get("DJANGO_S3_STATIC_CACHE_DIR") or "").strip().strip("/")
    folder = folder or DEFAULTS["DJANGO_S3_STATIC_CACHE_DIR"]
    return os.path.join(app_dir, folder, CACHE_FILE_NAME)


class EarlyListing:
    """List where the committed cache was published while the app's process starts.

    The place and the credentials come from the config vars and the committed cache; once the
    settings are read, ``result()`` uses this listing only if the config lists exactly the same
    way, and lists again otherwise. A failure here is kept, and raised only if it is the answer
    the real listing would have given.
    """

    def __init__(self, values: Mapping[str, str], committed: StaticCache | None) -> None:
        self.config: Config | None = None
        self._answer: tuple | None = None
        self._error: Exception | None = None
        self._seconds = 0.0
        self._thread: threading.Thread | None = None
        if committed is None:
            return
        try:
            config = Config.from_values(
                {
                    **values,
                    "AWS_STORAGE_BUCKET_NAME": committed.bucket,
                    "AWS_LOCATION": committed.prefix,
                }
            )
        except BuildError:
            return
        if not (config.access_key and config.secret_key):
            return  # credentials from elsewhere: boto3 finds them once the settings are known
        self.config = config
        self._thread = threading.Thread(target=self._list, daemon=True)
        self._thread.start()

    def _list(self) -> None:
        from . import s3

        started = time.monotonic()
        try:
            self._answer = s3.list_inventory(self.config)
        except Exception as exc:
            self._error = exc
        self._seconds = time.monotonic() - started

    def result(self, config: Config) -> tuple[dict[str, RemoteObject], int, float | None]:
        """(inventory, requests, seconds the early listing took, or None if it was not used)."""
        from . import s3

        if self._thread is not None:
            self._thread.join()
            if self.config is not None and _lists_alike(self.config, config):
                if self._error is not None:
                    raise self._error
                inventory, requests = self._answer
                return inventory, requests, self._seconds
        inventory, requests = s3.list_inventory(config)
        return inventory, requests, None


def _lists_alike(a: Config, b: Config) -> bool:
    fields = (
        "bucket",
        "location",
        "region",
        "endpoint_url",
        "access_key",
        "secret_key",
        "session_token",
        "connect_timeout",
        "read_timeout",
        "max_attempts",
    )
    return all(getattr(a, name) == getattr(b, name) for name in fields)


def record(config: Config, cache: StaticCache, inventory: Mapping) -> None:
    """Keep this publish's manifest in the bucket, for prune_static; skipped when already there.

    The listing already names every record, so a fresh cache that was recorded before (by
    publish_static or an earlier build) costs no request at all.
    """
    from . import s3
    from .records import is_recorded, record_name

    names = [key[len(config.key_prefix) :] for key in inventory]
    if is_recorded(cache, names):
        return
    name = record_name(cache, time.time(), os.environ.get("SOURCE_VERSION"))
    s3.put_record(config, name, cache.to_json().encode())
    output.info(f"Recorded this publish as {config.key(name)} (for prune_static)")


def upload_missing(
    config: Config,
    cache: StaticCache,
    inventory: Mapping[str, RemoteObject],
    root: str,
    progress: output.Progress,
) -> list[str]:
    """Upload what the bucket lacks; raise (before any cache is written) on any failure."""
    from . import s3
    from .plan import (
        HASHED_CACHE_CONTROL,
        ORIGINAL_CACHE_CONTROL,
        differences,
        immutable_names,
    )

    immutable = immutable_names(cache.paths)
    diffs = differences(cache.objects, inventory, config.key)
    conflicts = [d for d in diffs if d.name in immutable and d.reason != "missing"]
    if conflicts:
        raise conflict_error(config, conflicts)
    jobs = [
        s3.UploadJob(
            d.name,
            os.path.join(root, d.name),
            cache.objects[d.name].size,
            cache.objects[d.name].md5,
            d.name in immutable,
        )
        for d in diffs
    ]
    present = len(cache.objects) - len(jobs)
    if not jobs:
        output.info(f"Uploading: nothing, all {present} objects are already in the bucket")
        return []
    total = sum(job.size for job in jobs)
    output.info(
        f"Uploading {len(jobs)} objects ({output.human_bytes(total)}); {present} already "
        "in the bucket"
    )
    result = s3.upload(
        config,
        jobs,
        lambda job: HASHED_CACHE_CONTROL if job.immutable else ORIGINAL_CACHE_CONTROL,
        progress.update,
    )
    progress.done()
    if result.failed:
        first_name, first = result.failed[0]
        summary = f"{len(result.failed)} of {len(jobs)} uploads failed; first: {first_name}"
        if result.not_sent:
            summary = (
                f"The first upload ({first_name}) was refused, so the other "
                f"{result.not_sent} were not sent."
            )
        raise BuildError(
            summary,
            first.title,
            *first.details,
            "Nothing was released: no slug refers to the missing objects. Run the build again:",
            "it uploads only what is still missing.",
        )
    meanwhile = len(result.already_there)
    output.info(
        f"Uploaded {len(result.uploaded)} objects, "
        + output.transfer_summary(result.bytes, result.seconds)
        + (
            f"; {meanwhile} already there (another build, or an earlier try whose answer was lost)"
            if meanwhile
            else ""
        )
    )
    if result.throttled:
        output.info(
            f"S3 asked to slow down {result.throttled} times: uploads went down to "
            f"{result.lowest_concurrency} at once, and back up as it recovered"
        )
    return result.uploaded


def conflict_error(config: Config, conflicts: list[Difference]) -> BuildError:
    names = ", ".join(config.key(d.name) for d in conflicts[:3])
    return BuildError(
        f"{len(conflicts)} hashed objects in the bucket differ from the built files ({names}).",
        "Hashed names are immutable: the build never overwrites them, because running releases",
        "may use them. Something else wrote those keys; delete them from the bucket if they are",
        "not in use, then build again.",
    )


def check_public(config: Config, cache: StaticCache, uploaded: list[str]) -> None:
    """Fetch one uploaded object as a browser would; fail with the policy to add if refused."""
    import urllib.parse

    from . import s3
    from .plan import immutable_names

    if config.skip_public_check:
        output.info("Public access check skipped (DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK)")
        return
    immutable = immutable_names(cache.paths)
    candidates = sorted(
        (n for n in uploaded if n in immutable), key=lambda n: cache.objects[n].size
    )
    name = (candidates or sorted(uploaded))[0]
    url = config.public_base_url + urllib.parse.quote(name)
    problem = s3.fetch_public(url)
    if problem is None:
        output.info(f"Public access checked: {url} answers 200 without credentials")
        return
    raise BuildError(
        f"Browsers cannot read the static files: {url} answered {problem}.",
        "Visitors fetch them without credentials, so the bucket (or the CDN in front of it) must",
        "allow public reads of the static prefix. Add this bucket policy:",
        "",
        s3.public_read_policy(config),
        "",
        "(On AWS also turn off 'Block public access' for bucket policies.) If a CDN or another",
        "check covers it, skip this one: heroku config:set DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK=1",
    )


def report_missing_references(missing: list[dict[str, str]]) -> None:
    if not missing:
        return
    output.warn(
        f"{len(missing)} url() references point at files that do not exist; left as written:",
        [f"  {ref['file']}: {ref['url']}" for ref in missing[:20]]
        + ([f"  ... and {len(missing) - 20} more"] if len(missing) > 20 else [])
        + ["Set DJANGO_S3_STATIC_STRICT_REFERENCES=1 to make this an error."],
    )
