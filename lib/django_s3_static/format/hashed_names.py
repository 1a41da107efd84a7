"""Whether the static cache's hashed names are today's sources' (pure).

The fingerprint is read from the same editable file as the manifest, so an edit of ``paths`` alone
(or a bad merge) leaves it matching: only the names can tell. Django names a file after the MD5
of its content (``HashedFilesMixin.file_hash``); a post-processed file after its rewritten
content, which ``collect.name_check`` computes again with Django's own post-processing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .static_cache import StaticCache

#: Hex digits of the MD5 in a hashed name (Django's ``file_hash``).
HASH_CHARS = 12
#: What stands for the list of untied names when the check was not made.
NOT_CHECKED = "its hashed names were not checked against the sources"


def hashed_name(name: str, md5_hex: str) -> str:
    """The name Django's hashing gives ``name`` when its content has this MD5."""
    folder, _, filename = name.rpartition("/")
    root, extension = posixpath.splitext(filename)
    hashed = f"{root}.{md5_hex[:HASH_CHARS]}{extension}"
    return f"{folder}/{hashed}" if folder else hashed


@dataclass(frozen=True)
class Recorded:
    """What the check reads of a committed cache."""

    fingerprint: str
    paths: Mapping[str, str]
    #: The names the incremental record says post-processing rewrote (their references
    #: resolved): their content is kept while the sources are hashed, to compute them again.
    rewritten: frozenset[str]
    #: django-pipeline's package outputs: built, not sources, so not checked here.
    generated: frozenset[str]


def recorded(document: object) -> Recorded | None:
    """The check's part of a decoded cache document, or None when it is not even shaped like
    one (the caller's strict reading, ``static_cache.load``, then says why)."""
    if not isinstance(document, dict):
        return None
    fingerprint, paths = document.get("fingerprint"), document.get("paths")
    if not isinstance(fingerprint, str) or not isinstance(paths, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in paths.items()):
        return None
    section = document.get("incremental")
    section = section if isinstance(section, dict) else {}
    references, packages = section.get("references"), section.get("packages")
    return Recorded(
        fingerprint,
        paths,
        frozenset(references) if isinstance(references, dict) else frozenset(),
        frozenset(packages) if isinstance(packages, dict) else frozenset(),
    )


def of_cache(cache: StaticCache) -> Recorded:
    """The same of a cache loaded strictly."""
    section = cache.incremental or {}
    return Recorded(
        cache.fingerprint,
        cache.paths,
        frozenset(section.get("references") or ()),
        frozenset(section.get("packages") or ()),
    )


def unproven(
    paths: Mapping[str, str], md5s: Mapping[str, str], skip: Collection[str] = ()
) -> list[str]:
    """The sources (``md5s``: name -> MD5 of its content) whose recorded hashed name is not
    their content's, sorted: each is tied to its source only if its post-processed content,
    computed again, gives that name."""
    return sorted(
        name
        for name, md5 in md5s.items()
        if name in paths and name not in skip and paths[name] != hashed_name(name, md5)
    )


def untied(
    paths: Mapping[str, str],
    md5s: Mapping[str, str],
    rewritten: Mapping[str, str],
    skip: Collection[str] = (),
) -> list[str]:
    """Every source whose recorded hashed name is neither its content's nor the one its
    post-processing gives (``rewritten``: name -> the hashed name computed again, for those
    post-processing rewrites), one line each, sorted by name: the check."""
    found = []
    for name in unproven(paths, md5s, skip):
        again = rewritten.get(name)
        if again == paths[name]:
            continue
        own = hashed_name(name, md5s[name])
        gives = (
            f"post-processing it gives {again}"
            if again not in (None, own)
            else f"its content gives {own}"
        )
        found.append(f"{name} is recorded as {paths[name]}, but {gives}")
    return found


def describe(found: list[str], limit: int = 3) -> str:
    """The reason a cache with untied names is not trusted, in one line."""
    if found == [NOT_CHECKED]:
        return f"untrusted: {NOT_CHECKED}"
    more = f"; and {len(found) - limit} more" if len(found) > limit else ""
    count = f"{len(found)} hashed name{'s' * (len(found) != 1)}"
    return (
        f"untrusted: {count} not of today's sources ({'; '.join(found[:limit])}{more}): "
        "the static cache was edited, or merged by hand, since it was published"
    )
