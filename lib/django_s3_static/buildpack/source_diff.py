"""Which static sources changed since the committed cache was published (pure logic, no I/O).

The fingerprint says only that something changed. The cache says what: every source is collected
under its own name as well as its hashed one, and the cache records that unhashed object's MD5,
which is the source file's own (collectstatic copies it unchanged; only the hashed copies of CSS
files have their ``url()``s rewritten). So the MD5s of today's sources, by name, against the cache
show each file changed, added or removed. An object stored gzip-compressed has the MD5 of its
gzip bytes; its integrity digest (SHA-384 of the decoded bytes, the source file's own) is compared
instead.

django-pipeline writes its packages under names of their own (``generated``), sometimes a source's
name: those are left out. It may also collect files no finder lists, which would look removed: with
it, removals are not told.
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
    #: False with django-pipeline, which collects files that are no source: the cache's names
    #: that are no source may be those, so ``removed`` is left empty.
    removals_known: bool = True

    def __bool__(self) -> bool:
        return bool(self.changed or self.added or self.removed)


def source_diff(
    cache: StaticCache,
    digests: Mapping[str, str],
    generated: Collection[str] | None = None,
    integrities: Mapping[str, str] | None = None,
) -> SourceDiff:
    """Today's sources (name → MD5 of the file) against the cache's unhashed objects.

    ``generated``: the names django-pipeline writes its packages to (None without it);
    ``integrities``: the integrity digests of the sources of a compressible type.
    """
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
    """What changed, for one line of the log: ``2 changed (css/site.css, js/app.js), 1 added
    (img/new.png)``; or, when no file did, what else the fingerprint covers."""
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
