"""The static cache's ``incremental`` section: what lets a build collect only what changed.

Source digests (object MD5s may be of gzip bytes), the reference graph, missing references and
package sources, checked strictly: a file anyone can edit.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping

from .names import name_problem

#: Hex characters kept of each source's SHA-256: 64 bits notice any edit, in a quarter of the
#: bytes of a file committed with the code.
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


def check(document: object, names: bool = True, safe: Container[str] = ()) -> dict:
    """Validate an ``incremental`` section (pure; fuzzed); ``names=False`` checks the shape only.
    ``safe``: names checked already (the static cache's objects)."""
    problem = _any_string if not names else _unless_in(safe) if safe else name_problem
    if not isinstance(document, dict) or set(document) != set(TABLES):
        raise RecordError("the static cache's 'incremental' section is not as written")
    digests, packages = document["digests"], document["packages"]
    if not isinstance(digests, dict) or len(digests) > MAX_ENTRIES:
        raise RecordError("the static cache's 'incremental' digests are malformed")
    for name, value in digests.items():
        if problem(name) or not isinstance(value, str) or not _DIGEST.match(value):
            raise RecordError(
                f"the static cache's 'incremental' digest of {_shown(name)} is malformed"
            )
    for table in ("missing", "references"):
        _check_lists(document[table], table, problem)
    if packages is not None:
        _check_lists(packages, "packages", problem)
    return {table: document[table] for table in TABLES}


def _unless_in(safe: Container[str]):
    """``name_problem``, but for the names in ``safe``."""

    def problem(name: object) -> str | None:
        return None if name in safe else name_problem(name)

    return problem


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
    """A short string that is valid UTF-8 (a lone surrogate would fail writing the file)."""
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        return False
    if value.isascii():  # most values, told without encoding them
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: object) -> str:
    return repr(name)[:80]


def to_json(section: Mapping, dump, string) -> str:
    """The section as the static cache writes it: sorted, one entry per line, for readable diffs."""
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
