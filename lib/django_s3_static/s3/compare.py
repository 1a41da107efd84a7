"""Compare the objects a static cache names with what the bucket holds (pure).

A single-part, unencrypted or SSE-S3 object's ETag is its MD5; with KMS, SSE-C or multipart it is
not (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html). A listing does not say
which, so ETags count as MD5s once one matches.
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
    """Whether this bucket's ETags are MD5s: proven by one that matches (never if encrypted)."""
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
    """Every object that is not in the bucket exactly as the build needs it, sorted by name.

    An object whose ETag is its recorded MD5 as S3 writes it (quoted, lowercase: the static cache
    records MD5s so) is settled by one string comparison; the rest as ``RemoteObject.md5`` reads
    their ETags. Every build compares every object, so this loop is kept plain.
    """
    trust_md5 = etags_are_md5s(objects, inventory, key)
    found = []
    get = inventory.get
    for name, wanted in objects.items():
        remote = get(key(name))
        if remote is None:
            found.append(Difference(name, "missing"))
        elif remote.size != wanted.size:
            found.append(Difference(name, "size"))
        elif trust_md5 and remote.etag != f'"{wanted.md5}"':
            md5 = remote.md5
            if md5 is not None and md5 != wanted.md5:
                found.append(Difference(name, "md5"))
    return sorted(found, key=lambda diff: diff.name)


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
