"""The pruning plan: which records to keep, and which objects none of them references (pure).

What prune_static keeps: the newest N records of every app (label), ordered by the time S3 stored
them (LastModified), never by the time in their name, which whoever holds the build keys chooses;
every record whose name's time S3 contradicts (``stamp_lies``: it counts for nobody and keeps what
it uses); unlabelled records apart, with their own newest N; the stored cache of every kept
record; young records and objects; everything under a deeper prefix with records of its own.

Records appearing while prune runs are kept: a build reuses what it listed but records at its end.
Prune lists ``.manifests/`` again before deleting (``spare``) and after (``broken``), and deletes
the stored caches after that last listing; only a build listing before the deletes and recording
after that last listing goes unseen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..format.record_bodies import is_cache_name
from ..format.records import RECORDS_DIR, parse, records, stamp_lies
from ..format.static_cache import StaticCache
from ..s3.types import RemoteObject


@dataclass
class RecordChoice:
    kept: list[str]  # records whose objects stay, oldest first (by LastModified)
    deleted: list[str]  # the other records (none younger than the minimum age)
    young: list[str]  # kept for their age alone (not among the newest)
    #: Kept, counted for no app: their names' times are contradicted by S3 (``stamp_lies``).
    untrusted: list[str] = field(default_factory=list)
    #: Every app label (or labels counted as one, joined by ", ") -> its records, oldest first.
    apps: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PrunePlan:
    kept_records: list[str]
    deleted_records: list[str]
    delete: list[str]  # objects no kept record references
    too_young: list[str]  # unreferenced, but younger than the minimum age: kept this time
    deleted_caches: list[str] = field(default_factory=list)  # stored caches no kept record uses


def is_young(remote: RemoteObject, now: float, min_age: float) -> bool:
    return remote.modified is not None and now - remote.modified < min_age


def nested_prefixes(names: Iterable[str]) -> list[str]:
    """The folders (relative, no trailing slash) that hold records of their own, outermost only.

    ``pr-42/.manifests/...`` makes ``pr-42`` another app's prefix: nothing under it is this
    prefix's to delete, its objects no more than its records.
    """
    found = set()
    for name in names:
        parts = name.split("/")
        if RECORDS_DIR in parts[1:-1]:
            found.add("/".join(parts[: parts.index(RECORDS_DIR, 1)]))
    return sorted(p for p in found if not any(p.startswith(f"{o}/") for o in found if o != p))


def outside(inventory: Mapping[str, RemoteObject], nested: Iterable[str]) -> dict:
    """``inventory`` less everything under the ``nested`` folders."""
    folders = tuple(f"{folder}/" for folder in nested)
    return {name: remote for name, remote in inventory.items() if not name.startswith(folders)}


def by_server_time(names: Iterable[str], inventory: Mapping[str, RemoteObject]) -> list[str]:
    """Oldest first by LastModified (unknown: newest), then by name."""

    def when(name: str) -> tuple[float, str]:
        modified = inventory[name].modified
        return (math.inf if modified is None else modified, name)

    return sorted(names, key=when)


def choose_records(
    inventory: Mapping[str, RemoteObject],
    keep: int,
    min_age: float,
    now: float,
    same_app: Iterable[Iterable[str]] = (),
) -> RecordChoice:
    """Which records stay: the newest ``keep`` of every app, every record whose name lies about
    its time, and every one younger than ``min_age`` seconds. ``same_app``: groups of labels
    counted as one app (a renamed app, a purged build cache)."""
    ordered = by_server_time(records(inventory), inventory)
    untrusted = [n for n in ordered if stamp_lies(parse(n).stamp, inventory[n].modified, now)]
    refused = set(untrusted)
    one = {label: ", ".join(sorted(group)) for group in map(set, same_app) for label in group}
    groups: dict[str | None, list[str]] = {}
    for name in ordered:
        if name not in refused:
            label = parse(name).app
            groups.setdefault(one.get(label, label) if label else None, []).append(name)
    newest = {name for own in groups.values() for name in (own[-keep:] if keep > 0 else [])}
    counted = newest | refused
    young = [n for n in ordered if n not in counted and is_young(inventory[n], now, min_age)]
    kept = [n for n in ordered if n in counted or n in young]
    deleted = [n for n in ordered if n not in kept]
    apps = {label: groups[label] for label in sorted(filter(None, groups))}
    return RecordChoice(kept, deleted, young, untrusted, apps)


def plan_prune(
    inventory: Mapping[str, RemoteObject],
    kept: Mapping[str, StaticCache],
    choice: RecordChoice,
    min_age: float,
    now: float,
    protected: Iterable[str] = (),
    caches: Iterable[str] = (),
) -> PrunePlan:
    """What to delete: names (under the prefix) that no kept record or its stored cache
    references, unless young."""
    referenced = set(protected)
    for cache in kept.values():
        referenced.update(cache.objects)
    used = set(caches)
    delete, deleted_caches, too_young = [], [], []
    for name, remote in sorted(inventory.items()):
        if is_cache_name(name):
            if name not in used:
                (too_young if is_young(remote, now, min_age) else deleted_caches).append(name)
            continue
        if name.startswith(f"{RECORDS_DIR}/") or name in referenced:
            continue
        (too_young if is_young(remote, now, min_age) else delete).append(name)
    return PrunePlan(list(choice.kept), list(choice.deleted), delete, too_young, deleted_caches)


def new_records(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """The records among ``names`` (a listing of ``.manifests/``) that ``known`` lacks."""
    seen = set(known)
    return [name for name in records(names) if name not in seen]


def spare(
    plan: PrunePlan, late: Mapping[str, StaticCache], caches: Iterable[str] = ()
) -> PrunePlan:
    """The plan less what records written since it was made use (they are kept too): their
    objects, and the stored ``caches`` they point to."""
    used = {name for cache in late.values() for name in cache.objects}
    pointed = set(caches)
    return PrunePlan(
        plan.kept_records + sorted(late),
        plan.deleted_records,
        [name for name in plan.delete if name not in used],
        plan.too_young,
        [name for name in plan.deleted_caches if name not in pointed],
    )


def broken(late: Mapping[str, StaticCache], deleted: Iterable[str]) -> dict[str, list[str]]:
    """Records written while prune deleted, with the deleted objects each one uses."""
    gone = set(deleted)
    found = {name: sorted(gone.intersection(cache.objects)) for name, cache in late.items()}
    return {name: used for name, used in sorted(found.items()) if used}
