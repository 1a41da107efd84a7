"""The bookkeeping of an incremental collect (pure): what changed, what to process, what the new
static cache holds.

The new cache must be exactly what a full collect would write, so it is derived from what a full
collect produces rather than patched: every collected source under its own name, every
django-pipeline package output and compiled file, and every hashed name of the new manifest. Each
of those objects is the one this build wrote, or else the committed cache's entry, carried over
whole (with whatever else it records of the object); a name neither can vouch for stops the
incremental collect.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .. import output


@dataclass(frozen=True)
class Changes:
    """Sources whose content differs from the committed cache's digests, by name."""

    changed: list[str]
    added: list[str]
    removed: list[str]

    @property
    def names(self) -> set[str]:
        return {*self.changed, *self.added, *self.removed}

    def describe(self, limit: int = 3) -> str:
        """``2 changed (css/a.css, js/b.js), 1 added (img/c.png)``; "nothing" when empty."""
        groups = (("changed", self.changed), ("added", self.added), ("removed", self.removed))
        return output.named_counts(groups, limit) or "nothing"


def changes(recorded: Mapping[str, str], current: Mapping[str, str]) -> Changes:
    """Today's source digests against the committed cache's."""
    changed, added = [], []
    for name in sorted(current):
        if name not in recorded:
            added.append(name)
        elif recorded[name] != current[name]:
            changed.append(name)
    removed = sorted(name for name in recorded if name not in current)
    return Changes(changed, added, removed)


def carried_references(
    recorded: Mapping[str, list[str]],
    fresh: Mapping[str, list[str]],
    processed: Collection[str],
    present: Collection[str],
) -> dict[str, list[str]]:
    """The new reference graph (or table of missing references): each file processed now as
    this build found it, every other present file as the committed cache recorded it."""
    merged = {
        name: list(targets)
        for name, targets in recorded.items()
        if name not in processed and name in present
    }
    merged.update({name: list(targets) for name, targets in fresh.items() if targets})
    return merged


class Unvouched(Exception):
    """An object of the new cache that neither this build wrote nor the committed cache has."""


def new_objects(
    unhashed: Collection[str],
    manifest: Mapping[str, str],
    produced: Mapping[str, dict],
    committed: Mapping[str, object],
) -> tuple[dict[str, object], list[str]]:
    """The objects a full collect would have written (``unhashed`` names and the manifest's
    hashed ones): each produced one as this build wrote it (``produced``), the others carried
    over from the committed cache. Also the names of the committed objects dropped.

    Raises Unvouched for a name neither has, and for a produced file a full collect would not
    have written (both mean this bookkeeping and Django disagree: collect everything instead).
    """
    expected = set(unhashed) | set(manifest.values())
    clash = sorted(
        hashed for name, hashed in manifest.items() if hashed != name and hashed in unhashed
    )
    if clash:
        raise Unvouched(f"a static file is named like another's hashed copy ({clash[0]})")
    stray = sorted(set(produced) - expected)
    if stray:
        raise Unvouched(f"post-processing wrote {stray[0]}, which a full collect would not keep")
    objects: dict[str, object] = {}
    for name in sorted(expected):
        if name in produced:
            objects[name] = produced[name]
        elif name in committed:
            objects[name] = committed[name]
        else:
            raise Unvouched(f"the committed cache has no object {name}")
    dropped = sorted(name for name in committed if name not in expected)
    return objects, dropped


@dataclass
class Merged:
    """The new static cache's tables: the committed ones with what the change reached."""

    paths: dict[str, str]
    objects: dict[str, Any]
    incremental: dict
    missing_references: list[dict[str, str]]
    kept: int  # objects carried over from the committed cache


def merge(
    paths: Mapping[str, str],
    objects: Mapping[str, Any],
    record: Mapping[str, Any],
    collected: Mapping[str, Any],
    produced: Mapping[str, Any],
) -> Merged:
    """The committed cache's ``paths``, ``objects`` and incremental ``record`` with what the
    app's process collected (``collected``: only the names it processed, what it removed and
    dropped; ``produced``: the objects it wrote, as the cache records them).

    The app's process sends only these differences: the tables of a large app would cost more
    to write and read back than collecting the change did.
    """
    removed, processed = set(collected["removed"]), set(collected["paths"])
    new_paths = {name: hashed for name, hashed in paths.items() if name not in removed}
    new_paths.update(collected["paths"])
    present = set(new_paths)
    gone = set(collected["removed_sources"])
    digests = {name: d for name, d in record["digests"].items() if name not in gone}
    digests.update(collected["digests"])
    missing = carried_references(record["missing"], collected["missing"], processed, present)
    dropped = set(collected["dropped"])
    kept = {name: obj for name, obj in objects.items() if name not in dropped}
    kept = {name: obj for name, obj in kept.items() if name not in produced}
    return Merged(
        new_paths,
        {**kept, **produced},
        {
            "digests": digests,
            "missing": missing,
            "packages": collected["packages"],
            "references": carried_references(
                record["references"], collected["references"], processed, present
            ),
        },
        [{"file": name, "url": url} for name in sorted(missing) for url in missing[name]],
        len(kept),
    )
