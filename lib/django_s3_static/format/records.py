"""Records of what was published, kept in the bucket beside the objects.

Every successful publish stores its static cache under ``<prefix>/.manifests/``, named so that
names sort by time: ``20261127T221503Z-<commit>-<digest>.json``. ``prune_static`` keeps every
object that one of the newest N records references, so the last N releases (and rollbacks to
them) keep working. Pure functions here; the S3 calls are in ``s3``, the build and the commands.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable

from .static_cache import StaticCache

RECORDS_DIR = ".manifests"
#: Records are read by prune_static only, never by a browser or a CDN.
RECORD_CACHE_CONTROL = "no-store"
_RECORD = re.compile(r"^\.manifests/(\d{8}T\d{6}Z)-([A-Za-z0-9]{1,40})-([0-9a-f]{12})\.json$")


def digest(cache: StaticCache) -> str:
    return hashlib.sha256(cache.to_json().encode()).hexdigest()[:12]


def record_name(cache: StaticCache, now: float, commit: str | None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    label = re.sub(r"[^A-Za-z0-9]", "", commit or "")[:12] or "local"
    return f"{RECORDS_DIR}/{stamp}-{label}-{digest(cache)}.json"


def records(names: Iterable[str]) -> list[str]:
    """The record names among ``names`` (relative to the prefix), oldest first."""
    return sorted(name for name in names if _RECORD.match(name))


def is_recorded(cache: StaticCache, names: Iterable[str]) -> bool:
    wanted = digest(cache)
    return any(_RECORD.match(name).group(3) == wanted for name in records(names))
