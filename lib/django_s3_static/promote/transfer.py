"""Copying objects from where a slug was published to where its settings point, checked.

Server-side on one endpoint, conditional on the source's ETag being the recorded MD5
(``x-amz-copy-source-if-match``, https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html);
otherwise from the public URL. Either way every copy is checked in the target against the static
cache (``mismatch``) before the release may go on, since a store may ignore the condition, and a
body is read no further than its recorded size.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import urllib.parse

from ..config import Config
from ..errors import S3StaticError
from ..format.location import Location, configured, public_config
from ..format.static_cache import StaticCache, StaticObject
from ..s3.bodies import TooLarge, capped
from ..s3.bucket import Bucket
from ..s3.compare import HASHED_CACHE_CONTROL, ORIGINAL_CACHE_CONTROL, immutable_names
from ..s3.connections import Pool
from ..s3.errors import S3Error, Unreachable, explain
from ..s3.retry import RetryPolicy
from ..s3.upload import Uploader, UploadJob

DOWNLOAD_ATTEMPTS = 5


class SourceRefused(Exception):
    """The target's credentials may not read the source bucket: copy through the public URL."""


def mismatch(wanted: StaticObject, size: int, md5: str | None) -> str | None:
    """Why an object of this size and MD5 is not the one the static cache records, or None: the
    one check of every object ``promote_static`` puts in the configured bucket."""
    if size != wanted.size:
        return f"it is {size} bytes, the static cache records {wanted.size}"
    if md5 != wanted.md5:
        return f"its MD5 is {md5}, the static cache records {wanted.md5}"
    return None


def server_side(
    config: Config, source: Location, cache: StaticCache, names: list[str]
) -> list[str]:
    """Copy ``names`` from ``source`` into the configured bucket, on the same endpoint, each only
    if the source's ETag is the recorded MD5; check the copies. The names not copied because
    their ETag is not (412), for the caller to copy through their public URLs."""
    policy = RetryPolicy(config.max_attempts)
    workers = max(1, min(config.concurrency, len(names)))
    with Bucket(config, workers) as bucket:

        def copy(name: str) -> bool:
            source_key = f"{source.prefix}/{name}" if source.prefix else name
            md5 = cache.objects[name].md5
            return policy.call(
                lambda: bucket.copy(config.key(name), source.bucket, source_key, if_match=md5)
            )

        copied: dict[str, bool] = {}
        try:  # the first alone: a refusal that holds for all costs one request
            copied[names[0]] = copy(names[0])
        except S3Error as exc:
            if exc.code in ("AccessDenied", "NoSuchBucket", "NoSuchKey", "NotImplemented"):
                raise SourceRefused(exc.code) from None
            raise explain(exc, config, "upload") from None
        except Exception as exc:
            raise explain(exc, config, "upload") from None
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {pool.submit(copy, name): name for name in names[1:]}
            for future in concurrent.futures.as_completed(futures):
                try:
                    copied[futures[future]] = future.result()
                except Exception as exc:
                    raise explain(exc, config, "upload") from None
        done = [name for name in names if copied[name]]
        if done:
            check_copies(bucket, config, source, cache, done)
    return [name for name in names if not copied[name]]


def check_copies(
    bucket: Bucket, config: Config, source: Location, cache: StaticCache, names: list[str]
) -> None:
    """Every copied object is the one the static cache records, or it is deleted and the release
    fails. One listing shows sizes and ETags; an object whose ETag is not the recorded MD5 (the
    target's may not be MD5s) is read through its public URL, as browsers will get it."""
    try:
        inventory, _ = bucket.list(expected=sorted(config.key(name) for name in names))
    except Exception as exc:
        raise explain(exc, config, "list") from None
    wrong: dict[str, str] = {}
    unsure = []
    for name in names:
        remote = inventory.get(config.key(name))
        if remote is None:
            wrong[name] = "it is not in the bucket after the copy"
        elif remote.size != cache.objects[name].size:
            wrong[name] = mismatch(cache.objects[name], remote.size, None) or ""
        elif remote.md5 != cache.objects[name].md5:
            unsure.append(name)
    if unsure:
        base = config.public_base_url
        workers = max(1, min(config.concurrency, len(unsure)))
        http = public_pool(config, workers, base)
        try:
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                found = pool.map(lambda name: _read_back(http, base, name, cache), unsure)
                wrong.update({name: why for name, why in zip(unsure, found, strict=True) if why})
        finally:
            http.close()
    if wrong:
        _remove(bucket, config, source, wrong)


def _read_back(http: Pool, base: str, name: str, cache: StaticCache) -> str | None:
    url = base + urllib.parse.quote(name, safe="/~")
    try:
        return fetch(http, url, cache.objects[name])
    except S3Error as exc:
        return f"it cannot be read back ({exc.message})"


def _remove(bucket: Bucket, config: Config, source: Location, wrong: dict[str, str]) -> None:
    """Delete the copies that are not the recorded objects, and fail the release naming them."""
    target = configured(config)
    kept = []
    for name in sorted(wrong):
        try:
            bucket.delete_object(config.key(name))
        except Exception as exc:
            kept.append(f"{name} ({explain(exc, config, 'delete').title})")
    name = min(wrong)
    more = f" and {len(wrong) - 1} more" if len(wrong) > 1 else ""
    raise S3StaticError(
        f"The copy of {name}{more} from {source} is not the object the static cache records: "
        f"{wrong[name]}.",
        f"It was written in {source} after the build published there, or the service ignored",
        "the copy's condition (x-amz-copy-source-if-match). Content is never taken on trust:",
        *(
            [f"the copies were deleted from {target}."]
            if not kept
            else [
                f"these copies could not be deleted from {target}: {', '.join(kept[:3])}.",
                "Delete them (aws s3 rm) before anyone links to them.",
            ]
        ),
        "Rebuild the app (git push, or heroku builds:create) so that it publishes its own",
        f"objects, and check who may write to {source}.",
    )


def through_public_urls(
    config: Config, source: Location, cache: StaticCache, names: list[str], workdir: str
) -> list[str]:
    """Download ``names`` from the source's public URL, check them, upload them; the uploaded."""
    base = public_config(config, source).public_base_url
    workers = max(1, min(config.concurrency, len(names)))
    http = public_pool(config, workers, base)
    try:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            paths = list(pool.map(lambda name: download(http, base, name, cache, workdir), names))
    finally:
        http.close()
    immutable = immutable_names(cache.paths)
    jobs = [
        UploadJob(
            name,
            path,
            cache.objects[name].size,
            cache.objects[name].md5,
            name in immutable,
            HASHED_CACHE_CONTROL if name in immutable else ORIGINAL_CACHE_CONTROL,
            content_encoding=cache.objects[name].encoding,
        )
        for name, path in zip(names, paths, strict=True)
    ]
    result = Uploader(config).run(jobs)
    if result.failed:
        name, first = result.failed[0]
        raise S3StaticError(
            f"{len(result.failed)} of {len(jobs)} uploads failed; first: {name}.",
            first.title,
            *first.details,
        )
    return result.uploaded + result.already_there


def download(http: Pool, base: str, name: str, cache: StaticCache, workdir: str) -> str:
    """One published object, streamed into ``workdir``; raise unless it is the recorded one."""
    url = base + urllib.parse.quote(name, safe="/~")
    target = os.path.join(workdir, hashlib.sha256(name.encode()).hexdigest())
    try:
        why = fetch(http, url, cache.objects[name], target)
    except S3Error as exc:
        raise _unreadable(url, exc.message) from None
    if why is not None:
        raise S3StaticError(
            f"Cannot copy {url}: {why}.",
            "It is not the object its build published: something wrote there since. It was not",
            "copied. Rebuild the app (git push, or heroku builds:create) so that it publishes its",
            "own objects, and check who may write there.",
        )
    return target


def public_pool(config: Config, workers: int, base: str) -> Pool:
    """Connections to the host of a public base URL (``https://host/prefix/``)."""
    parts = urllib.parse.urlsplit(base)
    return Pool(config, workers, f"{parts.scheme}://{parts.netloc}")


def fetch(http: Pool, url: str, wanted: StaticObject, target: str | None = None) -> str | None:
    """GET ``url`` (on ``http``'s origin) as a browser would (no credentials, not decoded: a
    gzip object's bytes are what the static cache records), no further than the recorded size,
    into the file ``target`` if given; why it is not the recorded object (``mismatch``), or None.
    Passing failures are retried; an answer other than 200 is an ``S3Error``."""
    path = url[len(http.origin) :]

    def once() -> str | None:
        try:
            answer = http.request("GET", path, stream=True)
        except Unreachable as exc:  # passing, retried
            raise S3Error("RequestTimeout", exc.reason, "GetObject", 503) from None
        try:
            if answer.status == 429 or answer.status >= 500:
                raise S3Error("ServiceUnavailable", f"HTTP {answer.status}", "GetObject", 503)
            if answer.status != 200:
                raise S3Error(str(answer.status), f"HTTP {answer.status}", "GetObject", 400)
            digest, size = hashlib.md5(usedforsecurity=False), 0
            with open(target or os.devnull, "wb") as handle:
                for chunk in capped(answer.read, wanted.size):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            return mismatch(wanted, size, digest.hexdigest())
        except TooLarge as exc:
            return str(exc)
        except Unreachable as exc:  # the connection broke in the middle of the body
            raise S3Error("RequestTimeout", exc.reason, "GetObject", 503) from None
        finally:
            answer.close()  # a body left unread is not drained: the connection is dropped

    return RetryPolicy(DOWNLOAD_ATTEMPTS).call(once)


def _unreadable(url: str, why: str) -> S3StaticError:
    return S3StaticError(
        f"Cannot copy {url}: {why}.",
        "promote_static copies the slug's static files from where its build published them.",
        "Check that those objects are still there (not pruned) and public, or rebuild the app",
        "(git push, or heroku builds:create) so that it publishes to its own bucket.",
    )
