"""Which static sources changed since the static cache was published (pure).

The static cache records each source's unhashed copy: its MD5, or for a gzip object its integrity
digest. With django-pipeline, which collects files no finder lists, removals are not told.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .. import output
from ..format.static_cache import StaticCache


@dataclass(frozen=True)
class SourceDiff:
    changed: list[str]
    added: list[str]
    removed: list[str]
    #: False with django-pipeline, whose collected files that are no source would look removed.
    removals_known: bool = True

    def __bool__(self) -> bool:
        return bool(self.changed or self.added or self.removed)


def source_diff(
    cache: StaticCache,
    digests: Mapping[str, str],
    generated: Collection[str] | None = None,
    integrities: Mapping[str, str] | None = None,
) -> SourceDiff:
    """Today's sources (name → MD5) against the static cache's unhashed objects."""
    skip = set(generated or ())
    changed, added = [], []
    for name in sorted(digests):
        if name in skip:
            continue
        if name not in cache.paths:
            added.append(name)
        elif name in cache.objects and _differs(cache.objects[name], name, digests, integrities):
            changed.append(name)
    if generated is not None:
        return SourceDiff(changed, added, [], removals_known=False)
    removed = sorted(name for name in cache.paths if name not in digests)
    return SourceDiff(changed, added, removed)


def _differs(
    recorded, name: str, digests: Mapping[str, str], integrities: Mapping[str, str] | None
) -> bool:
    if recorded.encoding is None:
        return recorded.md5 != digests[name]
    return recorded.integrity != (integrities or {}).get(name)


def describe(diff: SourceDiff, limit: int = 3) -> str:
    """What changed, for one line of the log; when no file did, what else the fingerprint covers."""
    groups = (("changed", diff.changed), ("added", diff.added), ("removed", diff.removed))
    counted = output.named_counts(groups, limit)
    if counted:
        return counted
    settings = (
        "Django's version, django-pipeline's version or PIPELINE settings, or "
        "DJANGO_S3_STATIC_STRICT_REFERENCES changed"
    )
    if diff.removals_known:
        return f"no static file changed, was added or removed: {settings}"
    return f"no static file changed or was added: one was removed, or {settings}"
