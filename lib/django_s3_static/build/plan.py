"""Compare what a build needs with what the bucket holds (pure logic, no I/O).

The bucket is known from one paged listing: key, size and ETag. A single-part upload's ETag is the
MD5 of its content, so size and MD5 together prove an object is complete and correct without a
HEAD or GET per object. Multipart ETags (with a ``-``) prove only the size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..format.static_cache import StaticObject
from ..s3.types import RemoteObject

HASHED_CACHE_CONTROL = "public, max-age=31536000, immutable"
ORIGINAL_CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class Difference:
    name: str
    reason: str  # "missing", "size" or "md5"


def differences(
    objects: Mapping[str, StaticObject],
    inventory: Mapping[str, RemoteObject],
    key: Callable[[str], str],
) -> list[Difference]:
    """Every object that is not in the bucket exactly as the build needs it, sorted by name."""
    found = []
    for name in sorted(objects):
        wanted = objects[name]
        remote = inventory.get(key(name))
        if remote is None:
            found.append(Difference(name, "missing"))
        elif remote.size != wanted.size:
            found.append(Difference(name, "size"))
        elif remote.md5 is not None and remote.md5 != wanted.md5:
            found.append(Difference(name, "md5"))
    return found


def immutable_names(paths: Mapping[str, str]) -> set[str]:
    """Names that carry their content's hash: written once, never overwritten."""
    return {hashed for original, hashed in paths.items() if hashed != original}


def describe(diffs: list[Difference], limit: int = 3) -> str:
    """One line for the build log: how many objects differ and the first few names."""
    counts: dict[str, int] = {}
    for diff in diffs:
        counts[diff.reason] = counts.get(diff.reason, 0) + 1
    labels = {"missing": "missing", "size": "with another size", "md5": "with other content"}
    parts = [f"{count} {labels[reason]}" for reason, count in counts.items()]
    names = ", ".join(diff.name for diff in diffs[:limit])
    more = f" and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return f"{', '.join(parts)} in the bucket ({names}{more})"
