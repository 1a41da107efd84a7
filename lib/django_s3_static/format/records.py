"""Records of what was published, kept in the bucket beside the objects (pure).

Named ``.manifests/<time>-<commit>-<digest>[-<app>].json`` so that names sort by time; a record
points to its cache, stored once per distinct cache (``record_bodies``). Prune orders records by
the time S3 stored them, never by the time in their name, which whoever writes a record chooses.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from .names import RECORDS_DIR
from .static_cache import StaticCache

#: Records are read by prune_static only, never by a browser or a CDN.
RECORD_CACHE_CONTROL = "no-store"
#: The commit has no dash and the digest a fixed length, so the label after them is unambiguous.
_RECORD = re.compile(
    r"^\.manifests/(\d{8}T\d{6}Z)-([A-Za-z0-9]{1,40})-([0-9a-f]{12})"
    r"(?:-([a-z0-9][a-z0-9-]{0,39}))?\.json$"
)
_LABEL_LENGTH = 40


@dataclass(frozen=True)
class RecordName:
    """What a record's name tells without reading it."""

    name: str  # relative to the prefix
    stamp: str
    commit: str
    digest: str
    app: str | None  # None: written by publish_static, or before records named their app


def digest(cache: StaticCache, text: str | None = None) -> str:
    """The first 12 hex digits of the SHA-256 of the static cache's JSON ``text``."""
    return hashlib.sha256((cache.to_json() if text is None else text).encode()).hexdigest()[:12]


def app_label(text: str) -> str | None:
    """An app's name as a record can carry it (lower case, digits and dashes), or None."""
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:_LABEL_LENGTH].rstrip("-")
    return label or None


def record_name(
    cache: StaticCache,
    now: float,
    commit: str | None,
    app: str | None = None,
    text: str | None = None,
) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    label = re.sub(r"[^A-Za-z0-9]", "", commit or "")[:12] or "local"
    suffix = f"-{app}" if app else ""
    return f"{RECORDS_DIR}/{stamp}-{label}-{digest(cache, text)}{suffix}.json"


def parse(name: str) -> RecordName | None:
    """The parts of a record's name (relative to the prefix); None when it is no record."""
    found = _RECORD.match(name)
    if found is None:
        return None
    return RecordName(name, *found.groups())


#: S3 refuses a request signed more than 15 minutes away from its own clock (RequestTimeTooSkewed,
#: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html), so an
#: honest writer's clock, which stamps the name, is at most that far from S3's.
CLOCK_SKEW = 15 * 60
#: A record is named right before its PUT: a name older than its LastModified by more than this
#: was not written when it says (or the object was copied since, which restamps it).
MAX_WRITE_DELAY = 3600


def stamp_time(stamp: str) -> float | None:
    """The time a record's name claims (seconds since the epoch, UTC); None if no such date."""
    try:
        return float(calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ")))
    except (ValueError, OverflowError):
        return None


def stamp_lies(stamp: str, modified: float | None, now: float) -> bool:
    """Whether a record's name claims a time S3 contradicts: later than the time S3 stored it
    (beyond the clock skew S3 accepts), much earlier, or no date at all."""
    claimed = stamp_time(stamp)
    if claimed is None:
        return True
    if modified is None:  # a listing without LastModified: only the future is a sure lie
        return claimed > now + CLOCK_SKEW
    return claimed > modified + CLOCK_SKEW or claimed < modified - MAX_WRITE_DELAY


def records(names: Iterable[str]) -> list[str]:
    """The record names among ``names`` (relative to the prefix), oldest first."""
    return sorted(name for name in names if _RECORD.match(name))


def is_recorded(cache: StaticCache, names: Iterable[str], text: str | None = None) -> bool:
    wanted = digest(cache, text)
    return any(parse(name).digest == wanted for name in records(names))
