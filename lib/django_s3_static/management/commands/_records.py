"""prune_static's reading of the records: each record, and the stored cache it points to.

One GET per record, and one per distinct stored cache (most releases share one). A record of an
earlier version holds its cache itself. Anything unreadable stops prune_static: what such a
record uses cannot be known, so nothing it might use may be deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.management.base import CommandError

from ...config import Config
from ...format import record_bodies
from ...format.records import parse
from ...format.static_cache import CacheError, StaticCache
from ...s3.bucket import Bucket
from ...s3.errors import S3Error, explain
from ._common import command_error


@dataclass
class Read:
    """Records read: the cache each uses, and the stored cache each newer record points to."""

    caches: dict[str, StaticCache] = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)


def read_records(
    bucket: Bucket, config: Config, names: Iterable[str], deleting: bool = False
) -> Read:
    """The records named, read."""
    done = "the deletes were made" if deleting else "nothing was deleted"
    read, stored = Read(), {}
    for name in names:
        try:
            record = record_bodies.read_record(_get(bucket, config, name, done), parse(name).digest)
        except CacheError as exc:
            raise CommandError(
                f"The record {config.key(name)} cannot be read ({exc}); {done}."
            ) from None
        if record.cache_name is None:
            read.caches[name] = record.cache
            continue
        read.pointers[name] = where = record.cache_name
        if where not in stored:
            stored[where] = _stored_cache(bucket, config, name, where, done)
        read.caches[name] = stored[where]
    return read


def _stored_cache(bucket: Bucket, config: Config, name: str, where: str, done: str) -> StaticCache:
    try:
        body = _get(bucket, config, where, done, missing_ok=True)
    except _Missing:
        raise CommandError(
            f"The record {config.key(name)} points to {config.key(where)}, which is missing; "
            f"{done}.\nWhat that release uses cannot be known. A build of its state stores the "
            "cache again (git commit --allow-empty -m 'Rebuild' && git push heroku main); if no "
            "release needs it, delete the record."
        ) from None
    try:
        return record_bodies.read_cache(body, where)
    except CacheError as exc:
        raise CommandError(
            f"The record {config.key(name)} points to {config.key(where)}, which cannot be read "
            f"({exc}); {done}."
        ) from None


class _Missing(Exception):
    pass


def _get(bucket: Bucket, config: Config, name: str, done: str, missing_ok: bool = False) -> bytes:
    try:
        return bucket.get(config.key(name))
    except S3Error as exc:
        if missing_ok and exc.code == "NoSuchKey":
            raise _Missing from None
        error = explain(exc, config, "read")
    except Exception as exc:
        error = explain(exc, config, "read")
    error.details.append(f"({done.capitalize()}.)")
    raise command_error(error) from None
