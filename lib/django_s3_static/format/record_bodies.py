"""What a release record holds: a pointer to its static cache, stored once per distinct cache.

Most releases publish a cache an earlier one published, so each distinct cache is stored once,
gzip-compressed, named by its SHA-256 (``.manifests/caches/<sha256>.json.gz``). Records of
earlier versions hold the whole cache; both are read here (pure).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from dataclasses import dataclass

from . import static_cache
from .names import RECORDS_DIR
from .static_cache import CacheError, StaticCache

CACHES_DIR = f"{RECORDS_DIR}/caches"
POINTER_VERSION = 2
_CACHE_NAME = re.compile(rf"^{re.escape(CACHES_DIR)}/([0-9a-f]{{64}})\.json\.gz$")
_SHA256 = re.compile(r"^sha256:([0-9a-f]{64})$")
#: A record or a cache, decompressed, is never larger than a committed static cache may be.
MAX_BYTES = static_cache.MAX_FILE_BYTES


@dataclass(frozen=True)
class Stored:
    """One object a record needs written: its name (relative to the prefix) and body."""

    name: str
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Record:
    """A record as read: the cache it points to (``cache_name``), or the cache it holds."""

    cache_name: str | None  # None: a record of an earlier version, holding ``cache``
    cache: StaticCache | None = None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def cache_name(digest: str) -> str:
    """Where the cache whose JSON has this SHA-256 is stored, relative to the prefix."""
    return f"{CACHES_DIR}/{digest}.json.gz"


def is_cache_name(name: str) -> bool:
    return _CACHE_NAME.match(name) is not None


def stored(text: str, name: str, digest: str, present: bool) -> list[Stored]:
    """What recording a release as ``name`` writes, in order: its cache unless ``present``,
    then the pointer.

    The cache goes first, so that no pointer ever names a cache the bucket lacks; gzip with no
    time stamp, so that the same cache always has the same bytes.
    """
    pointer = json.dumps({"cache": f"sha256:{digest}", "record": POINTER_VERSION}).encode()
    writes = [] if present else [Stored(cache_name(digest), compress(text), "application/gzip")]
    return [*writes, Stored(name, pointer, "application/json")]


def compress(text: str) -> bytes:
    """The fastest level: a build that changed something compresses its cache on its way out,
    and only prune_static reads it, once (a few percent more bytes than the default level)."""
    return gzip.compress(text.encode(), compresslevel=1, mtime=0)


def read_record(body: bytes, digest12: str) -> Record:
    """A record's body, either kind; CacheError says why it cannot be used.

    ``digest12``: the digest its name carries, which the cache it points to must have.
    """
    document = _json(body, "record")
    if isinstance(document, dict) and "record" in document:
        if document.get("record") != POINTER_VERSION:
            raise CacheError(f"the record has format {str(document.get('record'))[:20]!r}")
        found = _SHA256.match(str(document.get("cache", "")))
        if found is None:
            raise CacheError("the record names no cache (sha256:<64 hex digits>)")
        if not found.group(1).startswith(digest12):
            raise CacheError("the record points to another cache than its name says")
        return Record(cache_name(found.group(1)))
    return Record(None, static_cache.parse(document))


def read_cache(body: bytes, name: str) -> StaticCache:
    """A stored cache, decompressed within bounds and checked against the digest in its name."""
    found = _CACHE_NAME.match(name)
    if found is None:
        raise CacheError(f"{name} is no cache's name")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as unpacked:
            text = unpacked.read(MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise CacheError(f"the cache is not gzip data ({str(exc)[:80]})") from None
    if len(text) > MAX_BYTES:
        raise CacheError(f"the cache is more than {MAX_BYTES} bytes once decompressed")
    if hashlib.sha256(text).hexdigest() != found.group(1):
        raise CacheError("the cache's content does not match the digest in its name")
    return static_cache.parse(_json(text, "cache"))


def _json(body: bytes, what: str) -> object:
    if len(body) > MAX_BYTES:
        raise CacheError(f"the {what} is more than {MAX_BYTES} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise CacheError(f"the {what} is not valid JSON ({str(exc)[:120]})") from None
