"""The memo of a names check that passed, kept in the build cache (pure).

Checking a static cache's hashed names against the sources runs Django's post-processing again
for every file it rewrites (``collect.name_check``). Its answer depends on the cache's bytes and on
what the sources' fingerprint covers (their content, Django's and this package's versions, the
settings that shape post-processing), so a build that found every name tied keeps, in the build
cache, the SHA-256 of those bytes and that fingerprint. A later build with exactly the same bytes
and the same fingerprint has the same answer; anything else, and the check runs. The memo also
keeps what the cache's bytes record for the settings-only check (the fingerprint and the finders
record), read once: the same bytes, read by the same version, give the same.

Only a build writes it (its build cache is the platform's, not the app's), and only after the
check it stands for passed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from . import finders_record

MEMO_FORMAT = 1
#: Where a build keeps it, in its build cache.
MEMO_FILE = os.path.join("django-s3-static", "names-memo.json")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Memo:
    """A passed check: the static cache's bytes (their SHA-256) and the sources' fingerprint."""

    cache_sha256: str
    fingerprint: str
    #: The cache's finders record, checked (None when it has none).
    finders: dict | None


def document(memo: Memo, package_version: str) -> dict:
    """The memo as the build cache keeps it (JSON)."""
    return {
        "format": MEMO_FORMAT,
        "package": package_version,
        "cache_sha256": memo.cache_sha256,
        "fingerprint": memo.fingerprint,
        "finders": memo.finders,
    }


def of_bytes(found: object, cache_sha256: str, package_version: str) -> Memo | None:
    """The memo ``found`` (a decoded JSON document), if it is one this version wrote of the
    static cache whose bytes have this SHA-256; None otherwise, whatever it holds."""
    if not isinstance(found, dict) or set(found) != {
        "format",
        "package",
        "cache_sha256",
        "fingerprint",
        "finders",
    }:
        return None
    if found["format"] != MEMO_FORMAT or found["package"] != package_version:
        return None
    digest, fingerprint = found["cache_sha256"], found["fingerprint"]
    if not isinstance(digest, str) or not _SHA256.match(digest) or digest != cache_sha256:
        return None
    if not isinstance(fingerprint, str) or not fingerprint:
        return None
    finders = found["finders"]
    if finders is not None:
        try:
            finders = finders_record.check(finders)
        except finders_record.RecordError:
            return None
    return Memo(digest, fingerprint, finders)


def vouches(memo: Memo | None, fingerprint: str) -> bool:
    """Whether the memo stands for a check of sources with exactly this fingerprint."""
    return memo is not None and memo.fingerprint == fingerprint
