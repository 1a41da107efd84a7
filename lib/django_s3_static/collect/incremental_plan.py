"""The bookkeeping of an incremental collect (pure): what changed, what the new static cache holds.

The new static cache must be what a full collect would write, so it is derived, not patched.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .. import output


@dataclass(frozen=True)
class Changes:
    """Sources whose content differs from the static cache's digests, by name."""

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
    """Today's source digests against the static cache's."""
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
    """The new reference graph (or missing references): processed files as found now."""
    merged = {
        name: list(targets)
        for name, targets in recorded.items()
        if name not in processed and name in present
    }
    merged.update({name: list(targets) for name, targets in fresh.items() if targets})
    return merged


class Unvouched(Exception):
    """An object of the new static cache that neither this build wrote nor the old one has."""


def new_objects(
    unhashed: Collection[str],
    manifest: Mapping[str, str],
    produced: Mapping[str, dict],
    committed: Mapping[str, object],
) -> tuple[dict[str, object], list[str]]:
    """The objects a full collect would have written, and the old ones dropped."""
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
    """The new static cache's tables: the old ones with what the change reached."""

    paths: dict[str, str]
    objects: dict[str, Any]
    incremental: dict
    missing_references: list[dict[str, str]]
    kept: int  # objects carried over from the static cache


def merge(
    paths: Mapping[str, str],
    objects: Mapping[str, Any],
    record: Mapping[str, Any],
    collected: Mapping[str, Any],
    produced: Mapping[str, Any],
) -> Merged:
    """The static cache's tables and incremental ``record`` with only the differences collected."""
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
