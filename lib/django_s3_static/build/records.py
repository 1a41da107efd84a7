"""The pruning plan: which objects no kept publish record references (pure).

The records themselves (their names, what they hold) are the committed format's: ``format.records``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..format.records import RECORDS_DIR, records
from ..format.static_cache import StaticCache
from ..s3.types import RemoteObject


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
