"""The pruning plan: which records to keep, and which objects none of them references (pure).

Records appearing while prune runs are kept: a build reuses what it listed but records at its end.
Prune lists ``.manifests/`` again before deleting (``spare``) and after (``broken``); only a build
listing before the deletes and recording after that last listing goes unseen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..format.records import RECORDS_DIR, parse, records
from ..format.static_cache import StaticCache
from ..s3.types import RemoteObject


@dataclass
class RecordChoice:
    kept: list[str]  # records whose objects stay, oldest first
    deleted: list[str]  # the other records (none younger than the minimum age)
    young: list[str]  # kept for their age alone (not among the newest)
    #: Apps whose records interleave under the prefix: label -> their records, oldest first.
    sharing: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PrunePlan:
    kept_records: list[str]
    deleted_records: list[str]
    delete: list[str]  # objects no kept record references
    too_young: list[str]  # unreferenced, but younger than the minimum age: kept this time


def is_young(remote: RemoteObject, now: float, min_age: float) -> bool:
    return remote.modified is not None and now - remote.modified < min_age


def sharing_apps(names: Iterable[str]) -> dict[str, list[str]]:
    """The apps whose records interleave (label -> records, oldest first); empty for one app.

    ``a a b b`` is one app whose label changed (a purged build cache); ``a b a`` is two apps.
    """
    by_app: dict[str, list[str]] = {}
    order: dict[str, int] = {}
    for index, name in enumerate(records(names)):
        label = parse(name).app
        if label:
            by_app.setdefault(label, []).append(name)
            order[name] = index
    spans = {label: (order[found[0]], order[found[-1]]) for label, found in by_app.items()}
    return {
        label: by_app[label]
        for label, (first, last) in sorted(spans.items())
        if any(
            other != label and first < other_last and other_first < last
            for other, (other_first, other_last) in spans.items()
        )
    }


def choose_records(
    inventory: Mapping[str, RemoteObject], keep: int, min_age: float, now: float
) -> RecordChoice:
    """The newest ``keep``, the newest ``keep`` of each app sharing the prefix, and young ones."""
    all_records = records(inventory)
    newest = set(all_records[-keep:]) if keep > 0 else set()
    sharing = sharing_apps(all_records)
    for own in sharing.values():
        newest.update(own[-keep:] if keep > 0 else [])
    young = [n for n in all_records if n not in newest and is_young(inventory[n], now, min_age)]
    kept = [n for n in all_records if n in newest or n in young]
    deleted = [n for n in all_records if n not in kept]
    return RecordChoice(kept, deleted, young, sharing)


def plan_prune(
    inventory: Mapping[str, RemoteObject],
    kept: Mapping[str, StaticCache],
    choice: RecordChoice,
    min_age: float,
    now: float,
    protected: Iterable[str] = (),
) -> PrunePlan:
    """What to delete: names (under the prefix) that no kept record references, unless young."""
    referenced = set(protected)
    for cache in kept.values():
        referenced.update(cache.objects)
    delete, too_young = [], []
    for name, remote in sorted(inventory.items()):
        if name.startswith(f"{RECORDS_DIR}/") or name in referenced:
            continue
        (too_young if is_young(remote, now, min_age) else delete).append(name)
    return PrunePlan(list(choice.kept), list(choice.deleted), delete, too_young)


def new_records(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """The records among ``names`` (a listing of ``.manifests/``) that ``known`` lacks."""
    seen = set(known)
    return [name for name in records(names) if name not in seen]


def spare(plan: PrunePlan, late: Mapping[str, StaticCache]) -> PrunePlan:
    """The plan less what records written since it was made reference (they are kept too)."""
    used = {name for cache in late.values() for name in cache.objects}
    return PrunePlan(
        plan.kept_records + sorted(late),
        plan.deleted_records,
        [name for name in plan.delete if name not in used],
        plan.too_young,
    )


def broken(late: Mapping[str, StaticCache], deleted: Iterable[str]) -> dict[str, list[str]]:
    """Records written while prune deleted, with the deleted objects each one uses."""
    gone = set(deleted)
    found = {name: sorted(gone.intersection(cache.objects)) for name, cache in late.items()}
    return {name: used for name, used in sorted(found.items()) if used}
