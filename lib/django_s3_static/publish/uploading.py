"""After collecting: upload what the bucket lacks, check what browsers get, record the publish."""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Mapping

from .. import output
from ..config import Config
from ..errors import S3StaticError
from ..format import record_bodies
from ..format.names import RECORDS_DIR
from ..format.records import RECORD_CACHE_CONTROL, is_recorded, record_name
from ..format.static_cache import StaticCache, StaticObject
from ..s3.bucket import Bucket
from ..s3.compare import (
    HASHED_CACHE_CONTROL,
    ORIGINAL_CACHE_CONTROL,
    Difference,
    immutable_names,
)
from ..s3.errors import explain
from ..s3.types import RemoteObject
from ..s3.upload import Uploader, UploadJob, UploadResult, oversized
from . import stored_form
from .collected_files import CollectedFiles
from .release import Release


def record(
    config: Config,
    cache: StaticCache,
    inventory: Mapping,
    release: Release | None,
    text: str | None = None,
) -> str | None:
    """Keep this publish's manifest in the bucket for prune_static, before the build may succeed;
    the record's name (None: nothing recorded).

    Every build records, the fast path included, even when the newest record already records
    the same cache: Heroku runs an app's builds in parallel and releases the last to finish
    (https://help.heroku.com/5QYTBE61), so only a record written as the build ends is as new as
    its release for prune_static. publish_static records only what is unrecorded. The cache
    itself is stored once (``record_bodies``): a release of a stored cache writes a pointer of a
    few dozen bytes. ``text``: the cache's JSON as read or written, which the record stores and
    is named after.
    """
    text = cache.to_json() if text is None else text  # once, for the name and the bodies
    digest = record_bodies.sha256(text)
    if release is None:
        if is_recorded(cache, [key[len(config.key_prefix) :] for key in inventory], text):
            return None
        release = Release(os.environ.get("SOURCE_VERSION"), None)
        what = "publish"
    else:
        what = "release"
    present = config.key(record_bodies.cache_name(digest)) in inventory
    name = record_name(cache, time.time(), release.commit, release.app, text)
    try:
        with Bucket(config) as bucket:
            for item in record_bodies.stored(text, name, digest, present):
                key = config.key(item.name)
                bucket.put_small(key, item.body, item.content_type, RECORD_CACHE_CONTROL)
    except Exception as exc:
        raise explain(exc, config, "upload") from None
    output.info(f"Recorded this {what} as {config.key(name)} (for prune_static)")
    return name


def upload_missing(
    config: Config,
    cache: StaticCache,
    inventory: Mapping[str, RemoteObject],
    files: CollectedFiles,
    progress: output.Progress,
    committed: StaticCache | None = None,
) -> list[str]:
    """Upload what the bucket lacks, or raise before any static cache is written."""
    refuse_records_namespace(cache)
    immutable = immutable_names(cache.paths)
    decided = stored_form.plan(
        cache.objects,
        committed.objects if committed else None,
        inventory,
        config.key,
        config.compression,
        immutable,
        files,
    )
    if decided.conflicts:
        raise conflict_error(config, decided.conflicts)
    jobs = []
    for name, collected in decided.uploads.items():
        path, offset = files.where(name)
        cache_control = HASHED_CACHE_CONTROL if name in immutable else ORIGINAL_CACHE_CONTROL
        jobs.append(
            UploadJob(
                name,
                path,
                collected.size,
                collected.md5,
                name in immutable,
                cache_control,
                compress=name in decided.compress,
                offset=offset,
            )
        )
    refuse_oversized(config, jobs)
    present = len(decided.present)
    if not jobs:
        cache.objects = decided.present
        output.info(f"Uploading: nothing, all {present} objects are already in the bucket")
        return []
    total = sum(job.size for job in jobs)
    output.info(
        f"Uploading {len(jobs)} objects ({output.human_bytes(total)}); {present} already "
        "in the bucket"
        + (
            f", gzip-compressing {len(decided.compress)} of them where it pays"
            if decided.compress
            else ""
        )
    )
    result = Uploader(config, progress.update).run(jobs)
    progress.done()
    if result.failed:
        first_name, first = result.failed[0]
        summary = f"{len(result.failed)} of {len(jobs)} uploads failed; first: {first_name}"
        if result.not_sent:
            summary = (
                f"The first upload ({first_name}) was refused, so the other "
                f"{result.not_sent} were not sent."
            )
        raise S3StaticError(
            summary,
            first.title,
            *first.details,
            "Nothing was released: no slug refers to the missing objects. Run the build again:",
            "it uploads only what is still missing.",
        )
    cache.objects = {
        **decided.present,
        **{
            name: StaticObject(
                stored.size, stored.md5, stored.encoding, cache.objects[name].integrity
            )
            for name, stored in result.stored.items()
        },
    }
    report_upload(result)
    return result.uploaded


def report_upload(result: UploadResult) -> None:
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
    if result.compressed:
        output.info(
            f"Stored {result.compressed} of them gzip-compressed: "
            f"{output.human_bytes(result.collected_bytes)} collected, "
            f"{output.human_bytes(result.bytes)} stored"
        )
    if result.throttled:
        output.info(
            f"S3 asked to slow down {result.throttled} times: uploads went down to "
            f"{result.lowest_concurrency} at once, and back up as it recovered"
        )
    if result.unconditional:
        output.info(
            "The bucket does not do conditional writes (If-None-Match): hashed names were "
            "written with plain PUTs, which their content hashes make safe"
        )


def refuse_oversized(config: Config, jobs: list[UploadJob]) -> None:
    """Before any upload: a file one PUT cannot store fails the build, by name."""
    large = oversized(jobs)
    if large:
        names = ", ".join(f"{job.name} ({output.human_bytes(job.size)})" for job in large[:3])
        raise S3StaticError(
            f"{len(large)} static file{'s' * (len(large) != 1)} larger than S3's 5 GiB limit "
            f"for one upload: {names}.",
            "Static files that large belong in media storage, not in the static build: move",
            f"them out of the static folders, then build again. Nothing was uploaded to "
            f"{config.bucket!r}.",
        )


def refuse_records_namespace(cache: StaticCache) -> None:
    """Before any upload: a file in a ``.manifests`` folder would be taken for a release record
    (or another prefix's records) by prune_static, and hidden by the bucket policy."""
    inside = sorted(name for name in cache.objects if RECORDS_DIR in name.split("/"))
    if inside:
        raise S3StaticError(
            f"{len(inside)} static file{'s' * (len(inside) != 1)} would land where "
            f"prune_static keeps the release records ({RECORDS_DIR}/): "
            + ", ".join(inside[:3])
            + (" ..." if len(inside) > 3 else "")
            + ".",
            f"A '{RECORDS_DIR}' folder is the records' at any depth: rename the folder in the",
            "static files (or the STATICFILES_DIRS prefix that puts them there), then build",
            "again. Nothing was uploaded.",
        )


def conflict_error(config: Config, conflicts: list[Difference]) -> S3StaticError:
    names = ", ".join(config.key(d.name) for d in conflicts[:3])
    return S3StaticError(
        f"{len(conflicts)} hashed objects in the bucket differ from the built files ({names}).",
        "Hashed names are immutable: the build never overwrites them, because running releases",
        "may use them. Something else wrote those keys; delete them from the bucket if they are",
        "not in use, then build again.",
    )


def check_public(config: Config, cache: StaticCache, uploaded: list[str]) -> None:
    """Fetch one uploaded object as a browser would; fail with the policy to add if refused."""
    if config.skip_public_check:
        output.info("Public access check skipped (DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK)")
        return
    from ..s3.public import fetch_public, public_read_policy  # lazy: urllib's, after uploads only

    immutable = immutable_names(cache.paths)
    candidates = sorted(
        (n for n in uploaded if n in immutable), key=lambda n: cache.objects[n].size
    )
    name = (candidates or sorted(uploaded))[0]
    url = config.public_base_url + urllib.parse.quote(name)
    problem = fetch_public(url, verify=config.verify)
    if problem is None:
        output.info(f"Public access checked: {url} answers 200 without credentials")
        return
    raise S3StaticError(
        f"Browsers cannot read the static files: {url} answered {problem}.",
        "Visitors fetch them without credentials, so the bucket (or the CDN in front of it) must",
        "allow public reads of the static prefix. Add this bucket policy:",
        "",
        public_read_policy(config),
        "",
        "(On AWS also turn off 'Block public access' for bucket policies.) If a CDN or another",
        "check covers it, skip this one: heroku config:set DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK=1",
    )


def check_records_private(config: Config, name: str) -> None:
    """After the public check: one anonymous GET of the record just written, which visitors
    must not read (it lists the app's INSTALLED_APPS, AppConfig hashes and Django's version);
    a warning with the policy that hides it when they can."""
    if config.skip_public_check:
        return
    from ..s3.public import fetch_public, public_read_policy  # lazy: as in ``check_public``

    url = config.public_base_url + urllib.parse.quote(name)
    if fetch_public(url, verify=config.verify) is not None:
        return
    output.warn(
        f"Visitors can read the release records: {url} answered 200 without credentials.",
        [
            "Records list the app's INSTALLED_APPS, their AppConfig hashes and Django's version.",
            f"Replace the bucket policy with this one, which hides every {RECORDS_DIR}/ folder:",
            "",
            public_read_policy(config),
            "",
            "(On a CDN, leave the .manifests/ paths out of what it serves.)",
        ],
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
