"""The committed cache's ``incremental`` section: what lets a build collect only what a change
reaches (pure).

A publish records, for every source, a digest of its content (so a later build sees which files
changed without trusting the objects' MD5s, which may be of compressed bytes); for every file
Django's post-processing rewrote, the names its references resolved to (the reference graph); the
references it left as written because their target did not exist; and, with django-pipeline, the
sources each package was built from. A build that finds the sources changed reads it to know which
files the change reaches; everything else keeps the hashed name the cache records.

It comes from a file anyone can edit, so it is checked strictly here before anything relies on it;
a section that does not check out makes the whole cache untrusted, like any other malformed part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .names import name_problem

#: Hex characters kept of each source's SHA-256: 64 bits, enough to notice any edit, and a
#: quarter of the full digest's bytes in a file committed with the code.
DIGEST_CHARS = 16
TABLES = ("digests", "missing", "packages", "references")
MAX_ENTRIES = 500_000
MAX_LIST = 10_000
MAX_TEXT = 2048
_DIGEST = re.compile(rf"^[0-9a-f]{{{DIGEST_CHARS}}}$")


class RecordError(Exception):
    """A recorded incremental section that is malformed; the message says how, in one line."""


def digest(sha256_hex: str) -> str:
    """A source's recorded digest, from the SHA-256 the fingerprint already computed."""
    return sha256_hex[:DIGEST_CHARS]


def check(document: object, names: bool = True) -> dict:
    """Validate an ``incremental`` section read from a committed cache (pure; fuzzed).

    ``names=False`` checks the shape only, not each name (what costs time on a large app): for
    a reader whose caller checks the same file in full (``static_cache.load``).
    """
    safe = name_problem if names else _any_string
    if not isinstance(document, dict) or set(document) != set(TABLES):
        raise RecordError("the static cache's 'incremental' section is not as written")
    digests, packages = document["digests"], document["packages"]
    if not isinstance(digests, dict) or len(digests) > MAX_ENTRIES:
        raise RecordError("the static cache's 'incremental' digests are malformed")
    for name, value in digests.items():
        if safe(name) or not isinstance(value, str) or not _DIGEST.match(value):
            raise RecordError(
                f"the static cache's 'incremental' digest of {_shown(name)} is malformed"
            )
    for table in ("missing", "references"):
        _check_lists(document[table], table, safe)
    if packages is not None:
        _check_lists(packages, "packages", safe)
    return {table: document[table] for table in TABLES}


def _any_string(name: object) -> str | None:
    return None if isinstance(name, str) else "is not a string"


def _check_lists(table: object, label: str, safe) -> None:
    """A table of safe names, each to a list of strings (targets, URLs or package members)."""
    if not isinstance(table, dict) or len(table) > MAX_ENTRIES:
        raise RecordError(f"the static cache's 'incremental' {label} are malformed")
    for name, values in table.items():
        if safe(name) or not isinstance(values, list) or len(values) > MAX_LIST:
            raise RecordError(
                f"the static cache's 'incremental' {label} of {_shown(name)} are malformed"
            )
        for value in values:
            if not _text(value):
                raise RecordError(
                    f"the static cache's 'incremental' {label} of {_shown(name)} are malformed"
                )


def _text(value: object) -> bool:
    """A target, URL or member as a build writes it: a short string that is valid UTF-8 (the
    file is written as UTF-8; a lone surrogate would fail that)."""
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: object) -> str:
    return repr(name)[:80]


def to_json(section: Mapping, dump, string) -> str:
    """The section as the cache file writes it: sorted, one entry per line, so a pull request
    shows which files' references changed. ``dump`` and ``string`` are the cache's encoders."""
    parts = []
    for table in TABLES:
        rows = section.get(table)
        if rows is None:
            parts.append(f'  "{table}": null')
            continue
        lines = [f"   {string(name)}: {dump(value)}" for name, value in sorted(rows.items())]
        body = "{\n" + ",\n".join(lines) + "\n  }" if lines else "{}"
        parts.append(f'  "{table}": {body}')
    return "{\n" + ",\n".join(parts) + "\n }"
