"""Do the objects in the bucket give the integrity digests the static cache records?

An encrypted bucket's listing proves sizes alone, so ``verify_static`` reads each object with a
digest, decoded; the build never does.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from typing import Protocol

from ..config import Config
from .bucket import Bucket
from .encoding import integrity
from .errors import S3Error, explain


class Recorded(Protocol):
    integrity: str | None


def mismatched(config: Config, objects: Mapping[str, Recorded]) -> tuple[list[str], int]:
    """The names whose object does not give its recorded digest, and how many were read."""
    names = sorted(name for name, obj in objects.items() if obj.integrity)
    if not names:
        return [], 0
    workers = max(1, min(config.concurrency, len(names)))
    with Bucket(config, workers) as bucket:

        def differs(name: str) -> bool:
            try:
                body = bucket.get_decoded(config.key(name))
            except S3Error as exc:
                if exc.code == "NoSuchKey":
                    return False
                raise
            return integrity(body) != objects[name].integrity

        try:
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                found = list(pool.map(differs, names))
        except Exception as exc:
            error = explain(exc, config, "read")
            error.details.append(
                "Or check sizes and MD5s only: python manage.py verify_static --no-digests"
            )
            raise error from None
    return [name for name, bad in zip(names, found, strict=True) if bad], len(names)
