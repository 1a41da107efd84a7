"""Records of what was published, kept in the bucket, and the pruning plan built on them.

Every successful publish stores its static cache under ``<prefix>/.manifests/``, named so that
names sort by time: ``20261127T221503Z-<commit>-<digest>.json``. ``prune_static`` keeps every
object that one of the newest N records references, so the last N releases (and rollbacks to
them) keep working. Pure functions here; the S3 calls are in ``s3`` and the commands.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..format.static_cache import StaticCache
from ..s3.types import RemoteObject

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


@dataclass
class PrunePlan:
    kept_records: list[str]
    deleted_records: list[str]
    delete: list[str]  # objects no kept record references
    too_young: list[str]  # unreferenced, but younger than the minimum age: kept this time


def plan_prune(
    inventory: Mapping[str, RemoteObject],
    kept: Mapping[str, StaticCache],
    keep: int,
    min_age: float,
    now: float,
    protected: Iterable[str] = (),
) -> PrunePlan:
    """What to delete: names (relative to the prefix) that no kept record references.

    ``inventory`` is keyed by name relative to the prefix; ``kept`` holds the newest ``keep``
    records, loaded. Objects younger than ``min_age`` seconds are never deleted: a build that is
    uploading right now has not written its record yet.
    """
    all_records = records(inventory)
    kept_records = all_records[-keep:] if keep > 0 else []
    referenced = set(protected)
    for cache in kept.values():
        referenced.update(cache.objects)
    delete, too_young = [], []
    for name, remote in sorted(inventory.items()):
        if name.startswith(f"{RECORDS_DIR}/") or name in referenced:
            continue
        young = remote.modified is not None and now - remote.modified < min_age
        (too_young if young else delete).append(name)
    deleted_records = [name for name in all_records if name not in kept_records]
    return PrunePlan(kept_records, deleted_records, delete, too_young)
