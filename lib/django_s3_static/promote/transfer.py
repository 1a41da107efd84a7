"""Copying objects from where a slug was published to where its settings point.

Server-side on one endpoint; otherwise from the public URL, checked against the static cache,
uploaded as stored.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import urllib.parse
from typing import Any

from ..config import Config
from ..errors import S3StaticError
from ..format.location import Location, public_config
from ..format.static_cache import StaticCache
from ..s3.bucket import Bucket
from ..s3.compare import HASHED_CACHE_CONTROL, ORIGINAL_CACHE_CONTROL, immutable_names
from ..s3.errors import S3Error, explain
from ..s3.retry import RetryPolicy
from ..s3.transport import pool_manager
from ..s3.upload import Uploader, UploadJob

DOWNLOAD_CHUNK = 1024 * 1024
DOWNLOAD_ATTEMPTS = 5


class SourceRefused(Exception):
    """The target's credentials may not read the source bucket: copy through the public URL."""


def server_side(config: Config, source: Location, names: list[str]) -> None:
    """Copy ``names`` from ``source`` into the configured bucket, on the same endpoint."""
    policy = RetryPolicy(config.max_attempts)
    workers = max(1, min(config.concurrency, len(names)))
    with Bucket(config, workers) as bucket:

        def copy(name: str) -> None:
            source_key = f"{source.prefix}/{name}" if source.prefix else name
            policy.call(lambda: bucket.copy(config.key(name), source.bucket, source_key))

        try:  # the first alone: a refusal that holds for all costs one request
            copy(names[0])
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
                    future.result()
                except Exception as exc:
                    raise explain(exc, config, "upload") from None


def through_public_urls(
    config: Config, source: Location, cache: StaticCache, names: list[str], workdir: str
) -> list[str]:
    """Download ``names`` from the source's public URL, check them, upload them; the uploaded."""
    base = public_config(config, source).public_base_url
    workers = max(1, min(config.concurrency, len(names)))
    http = pool_manager(config, workers, base)
    try:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            paths = list(pool.map(lambda name: download(http, base, name, cache, workdir), names))
    finally:
        http.clear()
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


def download(http: Any, base: str, name: str, cache: StaticCache, workdir: str) -> str:
    """GET one published object as a browser would; raise unless its size and MD5 match."""
    url = base + urllib.parse.quote(name, safe="/~")
    target = os.path.join(workdir, hashlib.sha256(name.encode()).hexdigest())
    wanted = cache.objects[name]

    def fetch() -> str:
        digest, size = hashlib.md5(usedforsecurity=False), 0
        try:
            answer = http.request("GET", url, preload_content=False, retries=False)
        except Exception as exc:  # urllib3's connection errors: passing, retried
            raise S3Error("RequestTimeout", type(exc).__name__, "GetObject", 503) from None
        try:
            if answer.status == 429 or answer.status >= 500:
                raise S3Error("ServiceUnavailable", f"HTTP {answer.status}", "GetObject", 503)
            if answer.status != 200:
                raise _unreadable(url, f"HTTP {answer.status}")
            with open(target, "wb") as handle:
                # As stored: a gzip object's bytes are what the static cache records.
                for chunk in answer.stream(DOWNLOAD_CHUNK, decode_content=False):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
        finally:
            answer.release_conn()
        if (size, digest.hexdigest()) != (wanted.size, wanted.md5):
            raise _unreadable(url, "its size or MD5 is not the one the static cache records")
        return target

    try:
        return RetryPolicy(DOWNLOAD_ATTEMPTS).call(fetch)
    except S3Error as exc:
        raise _unreadable(url, exc.message) from None


def _unreadable(url: str, why: str) -> S3StaticError:
    return S3StaticError(
        f"Cannot copy {url}: {why}.",
        "promote_static copies the slug's static files from where its build published them.",
        "Check that those objects are still there (not pruned) and public, or rebuild the app",
        "(git push, or heroku builds:create) so that it publishes to its own bucket.",
    )
