"""Compare the objects a static cache names with what the bucket holds (pure logic, no I/O).

The bucket is known from one paged listing: key, size and ETag. A single-part upload's ETag is the
MD5 of its content when the object is stored in plain or with SSE-S3, so size and MD5 together
prove an object is complete and correct without a HEAD or GET per object. With SSE-KMS, DSSE-KMS
or SSE-C the ETag is 32 hex digits that are not the MD5, and a multipart ETag has a dash
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html): those prove only the size.
The listing does not say how an object is encrypted, so the bucket shows it: its ETags are taken
for MD5s only when at least one object of the same size has the MD5 the build knows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from .types import RemoteObject

HASHED_CACHE_CONTROL = "public, max-age=31536000, immutable"
ORIGINAL_CACHE_CONTROL = "public, max-age=300"


class StaticObject(Protocol):
    """What the static cache records of an object (``format.static_cache.StaticObject``)."""

    size: int
    md5: str


@dataclass(frozen=True)
class Difference:
    name: str
    reason: str  # "missing", "size" or "md5"


def etags_are_md5s(
    objects: Mapping[str, StaticObject],
    inventory: Mapping[str, RemoteObject],
    key: Callable[[str], str],
) -> bool:
    """Whether this bucket's ETags are MD5s: one object of the right size whose ETag is the
    MD5 the build knows proves it; an encrypted bucket never shows one."""
    for name, wanted in objects.items():
        remote = inventory.get(key(name))
        if remote is not None and remote.size == wanted.size and remote.md5 == wanted.md5:
            return True
    return False


def differences(
    objects: Mapping[str, StaticObject],
    inventory: Mapping[str, RemoteObject],
    key: Callable[[str], str],
) -> list[Difference]:
    """Every object that is not in the bucket exactly as the build needs it, sorted by name."""
    trust_md5 = etags_are_md5s(objects, inventory, key)
    found = []
    for name in sorted(objects):
        wanted = objects[name]
        remote = inventory.get(key(name))
        if remote is None:
            found.append(Difference(name, "missing"))
        elif remote.size != wanted.size:
            found.append(Difference(name, "size"))
        elif trust_md5 and remote.md5 is not None and remote.md5 != wanted.md5:
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
