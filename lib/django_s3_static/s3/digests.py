"""Do the objects in the bucket give the integrity digests the static cache records?

An encrypted bucket's listing proves sizes alone, so ``verify_static`` reads each object with a
digest, decoded, no further than its recorded size (``bodies``); the build never does.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
from collections.abc import Mapping
from typing import Protocol

from ..config import Config
from .bodies import NotGzip, TooLarge, capped, gunzipped
from .bucket import Bucket
from .encoding import GZIP, integrity_value
from .errors import S3Error, explain
from .retry import RetryPolicy

DIFFERS = "its content does not give the integrity digest the cache records"


class Recorded(Protocol):
    size: int
    integrity: str | None


def mismatched(config: Config, objects: Mapping[str, Recorded]) -> tuple[dict[str, str], int]:
    """The names whose object does not give its recorded digest once decoded, each with why
    (sorted), and how many were read. A missing object is left to the listing's check; other
    failures raise."""
    names = sorted(name for name, obj in objects.items() if obj.integrity)
    if not names:
        return {}, 0
    workers = max(1, min(config.concurrency, len(names)))
    policy = RetryPolicy(config.max_attempts)
    with Bucket(config, workers) as bucket:

        def differs(name: str) -> str | None:
            try:
                found = policy.call(
                    lambda: decoded_integrity(bucket, config.key(name), objects[name].size)
                )
            except S3Error as exc:
                if exc.code == "NoSuchKey":
                    return None
                raise
            except (TooLarge, NotGzip) as exc:
                return str(exc)
            if found != objects[name].integrity:
                return DIFFERS
            return None

        try:
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                found = list(pool.map(differs, names))
        except Exception as exc:
            error = explain(exc, config, "read")
            error.details.append(
                "Or check sizes and MD5s only: python manage.py verify_static --no-digests"
            )
            raise error from None
    return {name: why for name, why in zip(names, found, strict=True) if why}, len(names)


def decoded_integrity(bucket: Bucket, key: str, size: int) -> str:
    """The integrity digest of one object as a browser gets it: its body read no further than
    ``size`` (the stored size the cache records), decoded as its ``Content-Encoding`` says."""
    response = bucket.open(key)
    try:  # a connection broken in the middle of the body is ``Unreachable``: passing
        chunks = capped(response.read, size)
        if (response.headers.get("Content-Encoding") or "").strip().lower() == GZIP:
            chunks = gunzipped(chunks)
        digest = hashlib.sha384()
        for chunk in chunks:
            digest.update(chunk)
    finally:
        response.close()  # a body left unread is not drained: the connection is dropped
    return integrity_value(digest.digest())
