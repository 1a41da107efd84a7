"""The static cache: the record of one publish, committed to git beside the code.

Sorted JSON, one entry per line, for readable diffs; anything malformed is treated as absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import reprlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..config import STATIC_CACHE_FILE_NAME
from . import finders_record, incremental_record
from .names import all_plain, name_problem

FORMAT_VERSION = 1
FILE_NAME = STATIC_CACHE_FILE_NAME
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 500_000
MAX_BUILT_WITH = 64
_MD5 = re.compile(r"^[0-9a-f]{32}$")
#: MD5s and integrity values of the right lengths, joined: checked at once.
_HEX = re.compile(r"[0-9a-f]*")
_INTEGRITIES = re.compile(r"(?:sha384-[A-Za-z0-9+/]{64})*")
#: A Subresource Integrity value as the build writes it: SHA-384, base64 (48 bytes, no padding).
_INTEGRITY = re.compile(r"sha384-[A-Za-z0-9+/]{64}")
#: The Content-Encoding an object may be stored with (``s3.encoding``).
ENCODINGS = ("gzip",)


class CacheError(Exception):
    """The static cache cannot be used; the message says why, in one line."""


class StaticObject(NamedTuple):
    """One object as stored in the bucket: ``size`` and ``md5`` are of the stored bytes (a tuple:
    a build reads one per object, and a frozen dataclass takes several times as long to make)."""

    size: int
    md5: str
    #: "gzip" when stored compressed (served with ``Content-Encoding: gzip``); None: as collected.
    encoding: str | None = None
    #: SHA-384 of the decoded bytes, as ``sha384-<base64>``: the ``integrity`` attribute, and
    #: for a compressed object what tells a later build its content is unchanged. Recorded for
    #: the compressible types only.
    integrity: str | None = None


@dataclass
class StaticCache:
    fingerprint: str
    bucket: str
    prefix: str
    paths: dict[str, str] = field(default_factory=dict)
    objects: dict[str, StaticObject] = field(default_factory=dict)
    #: How the finders found the sources (``finders.record``), for the settings-only check.
    finders: dict | None = None
    #: What shaped the output besides the sources, so a build can say which of them changed.
    built_with: dict | None = None
    #: The S3 endpoint the objects were published to ("" for AWS).
    endpoint: str | None = None
    #: What lets a build collect only what a change reaches (``incremental_record``).
    incremental: dict | None = None

    def to_json(self) -> str:
        """Sorted JSON with one entry per line, so a diff shows exactly the files that changed."""

        def table(rows: list[str]) -> str:
            return "{\n" + ",\n".join(rows) + "\n }" if rows else "{}"

        # Row by row with the JSON string encoder itself: json.dumps per value is many times
        # slower. MD5s are checked hex and sizes integers, so they need no escaping.
        objects = [
            f'  {_string(name)}: {{{_extra(obj)}"md5": "{obj.md5}", "size": {obj.size}}}'
            for name, obj in sorted(self.objects.items())
        ]
        paths = [f"  {_string(k)}: {_string(v)}" for k, v in sorted(self.paths.items())]
        location = {"bucket": self.bucket, "prefix": self.prefix}
        if self.endpoint is not None:
            location["endpoint"] = self.endpoint
        finders = ""
        if self.finders is not None:
            apps = ",\n".join(f"   {_dump(app)}" for app in self.finders["apps"])
            rest = {k: v for k, v in sorted(self.finders.items()) if k != "apps"}
            finders = (
                ' "finders": {\n'
                + (f'  "apps": [\n{apps}\n  ],\n' if apps else '  "apps": [],\n')
                + ",\n".join(f"  {_dump(k)}: {_dump(v)}" for k, v in rest.items())
                + "\n },\n"
            )
        incremental = ""
        if self.incremental is not None:
            section = incremental_record.to_json(self.incremental, _dump, _string)
            incremental = f' "incremental": {section},\n'
        built_with = ""
        if self.built_with is not None:
            built_with = f' "built_with": {_dump(self.built_with)},\n'
        return (
            "{\n"
            + built_with
            + finders
            + f' "fingerprint": {_dump(self.fingerprint)},\n'
            + incremental
            + f' "location": {_dump(location)},\n'
            f' "objects": {table(objects)},\n'
            f' "paths": {table(paths)},\n'
            f' "version": {FORMAT_VERSION}\n'
            "}\n"
        )

    @property
    def total_bytes(self) -> int:
        return sum(obj.size for obj in self.objects.values())


def _extra(obj: StaticObject) -> str:
    """The optional fields of an object's row, sorted before "md5" (checked ASCII: no escaping)."""
    text = f'"encoding": "{obj.encoding}", ' if obj.encoding else ""
    return text + (f'"integrity": "{obj.integrity}", ' if obj.integrity else "")


def _dump(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_string = json.encoder.encode_basestring  # what json.dumps(str, ensure_ascii=False) gives


def path_in(app_dir: str, static_cache_dir: str) -> str:
    return os.path.join(app_dir, static_cache_dir, FILE_NAME)


def write(cache: StaticCache, folder: str, text: str | None = None) -> str:
    """Write atomically, so a crash never leaves half a manifest in the slug."""
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, FILE_NAME)
    temporary = target + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(cache.to_json() if text is None else text)
    os.replace(temporary, target)
    return target


def load(path: str) -> StaticCache:
    """Read and check a cache file; raise CacheError with the reason when it cannot be trusted."""
    return parse(_read(path))


def load_text(path: str) -> tuple[StaticCache, str]:
    """``load``, with the text the cache was read from (what a record of it stores); decoded
    once with ``read_document`` (the early listing reads the same file)."""
    found = _kept(path)
    text = _text(found.raw)
    if found.document is _UNREAD:
        found.document = _decode(text)
    return parse(found.document), text


def read_document(path: str) -> object:
    """The decoded file, unchecked, kept while it is the same file (read thrice per process).

    Shared between callers: they only read it.
    """
    found = _kept(path)
    if found.document is _UNREAD:
        found.document = _decode(_text(found.raw))
    return found.document


def read_sha256(path: str) -> str:
    """The SHA-256 of the file's bytes (hex), kept like ``read_document``'s answer."""
    found = _kept(path)
    if found.sha256 is None:
        found.sha256 = hashlib.sha256(found.raw).hexdigest()
    return found.sha256


_UNREAD = object()


class _Kept:
    """One file's bytes, and what was made of them."""

    def __init__(self, key: tuple, raw: bytes) -> None:
        self.key = key
        self.raw = raw
        self.document: object = _UNREAD
        self.sha256: str | None = None


def _kept(path: str) -> _Kept:
    try:
        found = os.stat(path)
    except OSError:
        return _Kept((), _read_bytes(path))  # which says why it cannot
    key = (path, found.st_ino, found.st_size, found.st_mtime_ns)
    if _last_read and _last_read[0].key == key:
        return _last_read[0]
    kept = _Kept(key, _read_bytes(path))
    _last_read[:] = [kept]
    return kept


_last_read: list[_Kept] = []


def load_sources_record(path: str) -> tuple[str, dict | None]:
    """Only the fingerprint and the finders record of a static cache, both checked."""
    document = read_document(path)
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise CacheError("the static cache is not a version 1 cache")
    fingerprint = document.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise CacheError("the static cache has no fingerprint")
    return fingerprint, _section(document, "finders", finders_record)


def _section(document: dict, key: str, record: Any, **checking: Any) -> Any:
    """A section its own module checks, or None; the module's ``RecordError`` becomes CacheError."""
    if key not in document:
        return None
    try:
        return record.check(document[key], **checking)
    except record.RecordError as exc:
        raise CacheError(str(exc)) from None


def _read(path: str) -> object:
    return _decode(_text(_read_bytes(path)))


def _read_bytes(path: str) -> bytes:
    try:
        if os.path.islink(path):
            raise CacheError(f"{path} is a symbolic link")
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise CacheError("no committed static cache") from None
    except OSError as exc:
        raise CacheError(f"cannot read the static cache ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise CacheError(
            f"the static cache is {size} bytes, more than the {MAX_FILE_BYTES} allowed"
        )
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CacheError(f"cannot read the static cache ({exc.strerror})") from None


def _text(raw: bytes) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise CacheError(f"the static cache is more than the {MAX_FILE_BYTES} bytes allowed")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CacheError("the static cache is not UTF-8 text") from None


def _decode(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CacheError(f"the static cache is not valid JSON ({str(exc)[:120]})") from None


def parse(document: object) -> StaticCache:
    """Check the structure of a decoded cache document (pure; fuzzed by the tests)."""
    if not isinstance(document, dict):
        raise CacheError("the static cache is not a JSON object")
    version = document.get("version")
    if version != FORMAT_VERSION:
        shown = reprlib.repr(version)  # bounded, however long or deep the value
        raise CacheError(f"the static cache has format version {shown}, not {FORMAT_VERSION}")
    fingerprint = document.get("fingerprint")
    location = document.get("location")
    paths = document.get("paths")
    objects = document.get("objects")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise CacheError("the static cache has no fingerprint")
    if not isinstance(location, dict) or not isinstance(location.get("bucket"), str):
        raise CacheError("the static cache has no location")
    prefix = location.get("prefix", "")
    if not isinstance(prefix, str) or (prefix and name_problem(prefix)):
        raise CacheError("the static cache's prefix is not a safe path")
    if not isinstance(paths, dict) or not isinstance(objects, dict):
        raise CacheError("the static cache has no 'paths' or 'objects' table")
    if len(paths) > MAX_ENTRIES or len(objects) > MAX_ENTRIES:
        raise CacheError(f"the static cache lists more than {MAX_ENTRIES} entries")
    checked_objects: dict[str, StaticObject] = {}
    plain = all_plain(objects)  # the names, checked at once
    for name, entry in objects.items():
        if not plain:
            _check_name(name)
        if not isinstance(entry, dict):
            raise CacheError(f"the object {name!r} has no size and MD5")
        size, md5 = entry.get("size"), entry.get("md5")
        if type(size) is not int or size < 0 or not isinstance(md5, str) or len(md5) != 32:
            raise CacheError(f"the object {name!r} has no valid size and MD5")
        encoding, integrity = entry.get("encoding"), entry.get("integrity")
        if encoding is not None and encoding not in ENCODINGS:
            raise CacheError(f"the object {name!r} has an unknown encoding")
        if integrity is not None and not (isinstance(integrity, str) and len(integrity) == 71):
            raise CacheError(f"the object {name!r} has no valid integrity digest")
        checked_objects[name] = StaticObject(size, md5, encoding, integrity)
    _check_digests(checked_objects)
    for original, hashed in paths.items():
        if original not in checked_objects:  # an object's name is checked already
            _check_name(original)
        if not isinstance(hashed, str) or hashed not in checked_objects:
            _check_name(hashed)
            raise CacheError(f"{original!r} maps to {hashed!r}, which is not among the objects")
    recorded = _section(document, "finders", finders_record)
    built_with = _check_built_with(document.get("built_with"))
    incremental = _section(document, "incremental", incremental_record, safe=checked_objects)
    endpoint = location.get("endpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or len(endpoint) > 2048):
        raise CacheError("the static cache's endpoint is not a URL")
    return StaticCache(
        fingerprint,
        location["bucket"],
        prefix,
        dict(paths),
        checked_objects,
        recorded,
        built_with,
        endpoint,
        incremental=incremental,
    )


def _check_digests(objects: dict[str, StaticObject]) -> None:
    """Every MD5 and integrity value well formed (their lengths are checked), told by one match
    of them all: a cache holds thousands."""
    md5s = "".join([obj.md5 for obj in objects.values()])
    integrities = "".join([obj.integrity for obj in objects.values() if obj.integrity])
    if _HEX.fullmatch(md5s) and _INTEGRITIES.fullmatch(integrities):
        return
    for name, obj in objects.items():
        if not _MD5.fullmatch(obj.md5):
            raise CacheError(f"the object {name!r} has no valid size and MD5")
        if obj.integrity and not _INTEGRITY.fullmatch(obj.integrity):
            raise CacheError(f"the object {name!r} has no valid integrity digest")


def _check_built_with(section: object) -> dict | None:
    """The optional ``built_with`` section: a small table of plain values (shown, never run)."""
    if section is None:
        return None
    if not isinstance(section, dict) or len(section) > MAX_BUILT_WITH:
        raise CacheError("the static cache's 'built_with' section is malformed")
    for key, value in section.items():
        plain = value is None or isinstance(value, (bool, int, str))
        if not (isinstance(key, str) and len(key) <= 64 and plain and len(str(value)) <= 2048):
            raise CacheError("the static cache's 'built_with' section is malformed")
    return section


def _check_name(name: object) -> None:
    problem = name_problem(name)
    if problem:
        shown = repr(name)[:80]
        raise CacheError(f"the static cache names a path that {problem}: {shown}")
