"""Publishing: make the bucket and the static cache agree, with as little work as possible.

Shared by the build (``bin/compile``) and ``manage.py publish_static``. The app's own settings and
imports run in a child process (``collect.py``); this module holds the decisions: whether the
committed cache can be trusted as is, what to collect, what to upload, and when the new cache may
be written (only after every object it names is in the bucket).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import cors, output, static_cache
from .config import Config, app_env
from .errors import BuildError
from .plan import (
    HASHED_CACHE_CONTROL,
    ORIGINAL_CACHE_CONTROL,
    Difference,
    RemoteObject,
    describe,
    differences,
    immutable_names,
)
from .records import is_recorded, record_name
from .static_cache import StaticCache, StaticObject


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
class AppProcess:
    """How to run the app side: its folder, its settings module, the config vars it may see."""

    app_dir: str
    settings: str
    env: Mapping[str, str] = field(default_factory=dict)

    def run(self, result: str, collect_to: str | None = None) -> dict:
        command = [sys.executable, "-m", "django_s3_static.collect", "--result", result]
        if collect_to:
            command += ["--collect-to", collect_to]
        environment = {**os.environ, **app_env(self.env), "DJANGO_SETTINGS_MODULE": self.settings}
        # The app's folder (as manage.py would have it) and this package, wherever it lives.
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", ""), self.app_dir) if p
        )
        process = subprocess.Popen(
            command,
            cwd=self.app_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert process.stdout is not None
        for line in process.stdout:
            output.relay(line)
        if process.wait() != 0:
            raise BuildError("reported by the app's process", exit_code=1, reported=True)
        with open(result, encoding="utf-8") as handle:
            return json.load(handle)


@dataclass
class Outcome:
    config: Config
    cache: StaticCache
    cache_file: str
    reason: str | None  # why the committed cache was not used as is; None on the fast path
    uploaded: int = 0


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
        diffs = differences(cache.objects, inventory, config.key)
        if diffs:
            found.append(describe(diffs))
    return found


def publish(
    app: AppProcess,
    values: Mapping[str, str],
    timings: Timings,
    progress: output.Progress | None = None,
) -> Outcome:
    """Verify the committed cache or collect, upload and write a fresh one; return what happened."""
    with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
        return _publish(app, values, timings, workdir, progress or output.Progress())


def _publish(app, values, timings: Timings, workdir: str, progress) -> Outcome:
    # boto3 takes a few tenths of a second to import: do it while the app's process runs.
    importer = threading.Thread(target=_import_boto3, daemon=True)
    importer.start()
    inspected = app.run(os.path.join(workdir, "inspect.json"))
    importer.join()
    config = Config.from_values({**values, **inspected["settings"]})
    for secret in (config.secret_key, config.session_token):
        output.register_secret(secret)
    timings.lap("inspect")
    output.info(
        f"Bucket: {config.bucket}, prefix {config.key_prefix or '(none)'}, public URL "
        f"{config.public_base_url}"
    )
    if config.debug:
        output.info(f"Debug: {config!r}")
    cors_origins = config.cors_origins  # a bad DJANGO_S3_STATIC_CORS_ORIGINS fails before uploading

    from . import s3

    client = s3.make_client(config)
    inventory, requests = s3.list_inventory(client, config)
    timings.lap(f"list ({requests} request{'s' * (requests != 1)})")

    cache_file = static_cache.path_in(app.app_dir, config.cache_dir)
    try:
        committed = static_cache.load(cache_file)
        found = problems(committed, inspected["fingerprint"], config, inventory)
        reason = found[0] if found else None
    except static_cache.CacheError as exc:
        reason = str(exc)
    if reason is None:
        record(client, config, committed, inventory)
        return Outcome(config, committed, cache_file, None)

    output.info(f"Collecting: {reason}")
    root = os.path.join(workdir, "collected")
    collected = app.run(os.path.join(workdir, "collect.json"), root)["collected"]
    timings.lap("collect")
    cache = StaticCache(
        fingerprint=inspected["fingerprint"],
        bucket=config.bucket,
        prefix=config.location,
        paths=collected["paths"],
        objects={name: StaticObject(**obj) for name, obj in collected["objects"].items()},
    )
    output.info(
        f"Collected {len(cache.objects)} files ({output.human_bytes(cache.total_bytes)}) "
        f"from {inspected['sources']} sources"
    )
    report_missing_references(collected["missing_references"])
    uploaded = upload_missing(config, cache, inventory, root, progress)
    timings.lap("upload")
    if uploaded:
        check_public(config, cache, uploaded)
        timings.lap("public check")
    if cors.has_fonts(cache.objects):
        cors.check_bucket(client, config.bucket, cors_origins, config.set_cors)
        timings.lap("cors check")
    record(client, config, cache, inventory)
    static_cache.write(cache, os.path.dirname(cache_file))
    return Outcome(config, cache, cache_file, reason, len(uploaded))


def record(client, config: Config, cache: StaticCache, inventory: Mapping) -> None:
    """Keep this publish's manifest in the bucket, for prune_static; skipped when already there.

    The listing already names every record, so a fresh cache that was recorded before (by
    publish_static or an earlier build) costs no request at all.
    """
    from . import s3

    names = [key[len(config.key_prefix) :] for key in inventory]
    if is_recorded(cache, names):
        return
    name = record_name(cache, time.time(), os.environ.get("SOURCE_VERSION"))
    s3.put_record(client, config, name, cache.to_json().encode())
    output.info(f"Recorded this publish as {config.key(name)} (for prune_static)")


def _import_boto3() -> None:
    try:
        import boto3.session  # noqa: F401
        import botocore.config  # noqa: F401
    except ImportError:
        pass  # make_client() reports it


def upload_missing(
    config: Config,
    cache: StaticCache,
    inventory: Mapping[str, RemoteObject],
    root: str,
    progress: output.Progress,
) -> list[str]:
    """Upload what the bucket lacks; raise (before any cache is written) on any failure."""
    from . import s3

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
        raise BuildError(
            f"{len(result.failed)} of {len(jobs)} uploads failed; first: {first_name}",
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
    from . import s3

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
