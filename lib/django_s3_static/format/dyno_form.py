"""The dyno's form of the static cache: the names pages link to and, apart, their digests.

The static cache holds what builds need (every object's size and MD5, the incremental record); a
page needs the name → hashed name table, and the integrity digests only where a tag renders them.
The build writes both beside the static cache in the slug, from the cache it has just verified
against the bucket: a JSON header line, then one ``name<TAB>value`` line per entry, sorted by the
names' UTF-8 bytes. A dyno reads the file's bytes and finds a name by bisecting them, so nothing
is parsed or built for names no page asks for (``test/bench/static_url_bench.py`` measures it
against ``json.loads`` of a names table, what Django's ManifestStaticFilesStorage pays). Names
hold no tab or newline (``names.name_problem``).

Each file records the size and SHA-256 of the static cache it was made from: a dyno compares the
size (one ``stat``) and reads the static cache itself when the form is absent, unreadable or of
another size; ``manage.py check`` compares the digest. ``publish_static`` never writes them: the
committed static cache stays the one file a repository holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping

from .location import Location
from .static_cache import StaticCache

FORMAT_VERSION = 1
NAMES_FILE = "dyno-names.txt"
DIGESTS_FILE = "dyno-integrity.txt"
#: The static cache file a form was made from: its size in bytes and its SHA-256.
Source = tuple[int, str]


class FormError(Exception):
    """The dyno form cannot stand for the static cache beside it; the message says why."""


class SortedLines:
    """A read-only table in a form file's bytes, looked up by bisection."""

    __slots__ = ("_data", "_start")

    def __init__(self, data: bytes, start: int) -> None:
        self._data = data
        self._start = start

    def get(self, name: str, default=None):
        try:
            key = name.encode("utf-8")
        except (UnicodeEncodeError, AttributeError):
            return default
        data, low, high = self._data, self._start, len(self._data)
        while low < high:  # low is always a line's start; the line sought starts in [low, high)
            middle = (low + high) // 2
            start = data.rfind(b"\n", low, middle) + 1 or low
            end = data.index(b"\n", start)
            tab = data.index(b"\t", start, end)
            found = data[start:tab]
            if found < key:
                low = end + 1
            elif found > key:
                high = start
            else:
                return data[tab + 1 : end].decode("utf-8")
        return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> Iterator[tuple[str, str]]:
        for line in self._data[self._start :].decode("utf-8").splitlines():
            name, _, value = line.partition("\t")
            yield name, value


class Names:
    """What a dyno reads at its first lookup. A plain class: a dataclass would cost its
    creation to the first page of every process."""

    __slots__ = ("digests", "paths", "published", "source")

    def __init__(self, paths: SortedLines, published: Location, source: Source, digests: int):
        self.paths = paths
        self.published = published
        self.source = source
        #: How many digests the digests file holds (none: no file).
        self.digests = digests


def names_path(cache_file: str) -> str:
    return os.path.join(os.path.dirname(cache_file), NAMES_FILE)


def digests_path(cache_file: str) -> str:
    return os.path.join(os.path.dirname(cache_file), DIGESTS_FILE)


def source_of(cache_file: str) -> Source:
    """The size and SHA-256 of a static cache file as it is now."""
    digest, size = hashlib.sha256(), 0
    with open(cache_file, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write(cache: StaticCache, cache_file: str) -> None:
    """Write the form of ``cache``, read from ``cache_file``, beside it (atomically, each file).

    The digests kept are those of the hashed objects pages link to: the only ones a tag renders.
    """
    size, sha256 = source_of(cache_file)
    source = {"bytes": size, "sha256": sha256}
    digests = {}
    for hashed in cache.paths.values():
        found = cache.objects.get(hashed)
        if found is not None and found.integrity:
            digests[hashed] = found.integrity
    if digests:
        _write(
            digests_path(cache_file), {"version": FORMAT_VERSION, "static_cache": source}, digests
        )
    else:
        with contextlib.suppress(FileNotFoundError):
            os.remove(digests_path(cache_file))
    published = {"bucket": cache.bucket, "prefix": cache.prefix}
    if cache.endpoint is not None:
        published["endpoint"] = cache.endpoint
    header = {
        "version": FORMAT_VERSION,
        "static_cache": source,
        "location": published,
        "digests": len(digests),
    }
    _write(names_path(cache_file), header, cache.paths)


def read_names(cache_file: str) -> Names | None:
    """The names form beside ``cache_file``; None when there is none. Raises FormError."""
    found = _read(names_path(cache_file))
    if found is None:
        return None
    header, table = found
    source = _source(header)
    try:
        size = os.stat(cache_file).st_size
    except OSError:
        raise FormError("the static cache it was made from is not beside it") from None
    if size != source[0]:
        raise FormError(
            f"it was made from a static cache of {source[0]} bytes, not this one ({size} bytes)"
        )
    published, digests = header.get("location"), header.get("digests")
    if type(digests) is not int or not (
        isinstance(published, dict)
        and isinstance(published.get("bucket"), str)
        and isinstance(published.get("prefix"), str)
    ):
        raise FormError("its header has no location")
    where = Location(published["bucket"], published["prefix"], published.get("endpoint"))
    return Names(table, where, source, digests)


def read_digests(cache_file: str, names: Names) -> SortedLines:
    """The digests file written with ``names``. Raises FormError when absent or of another."""
    found = _read(digests_path(cache_file))
    if found is None:
        raise FormError(f"{DIGESTS_FILE} is missing")
    if _source(found[0]) != names.source:
        raise FormError(f"{DIGESTS_FILE} was made from another static cache")
    return found[1]


def belongs(cache_file: str) -> str | None:
    """Why the names form beside ``cache_file`` is not of it, by its digest; None when it is
    or when there is none. Reads the whole static cache: for the checks, not for a page."""
    try:
        found = _read(names_path(cache_file))
        if found is None:
            return None
        recorded = _source(found[0])
        current = source_of(cache_file)
    except FormError as exc:
        return str(exc)
    except OSError as exc:
        return f"the static cache cannot be read ({exc.strerror})"
    if recorded != current:
        return f"it was made from another static cache (SHA-256 {recorded[1][:12]}…)"
    return None


def _source(header: dict) -> Source:
    if header.get("version") != FORMAT_VERSION:
        raise FormError(f"it is not a version {FORMAT_VERSION} form")
    source = header.get("static_cache")
    size = source.get("bytes") if isinstance(source, dict) else None
    sha256 = source.get("sha256") if isinstance(source, dict) else None
    if type(size) is not int or not isinstance(sha256, str):
        raise FormError("it does not say which static cache it was made from")
    return size, sha256


def _read(path: str) -> tuple[dict, SortedLines] | None:
    """The header and the table of a form file; None when there is none."""
    name = os.path.basename(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FormError(f"{name} cannot be read ({exc.strerror})") from None
    end = data.find(b"\n")
    try:
        header = json.loads(data[:end]) if end >= 0 else None
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise FormError(f"{name} has no header line")
    if header.get("body_bytes") != len(data) - end - 1:
        raise FormError(f"{name} is not whole")
    return header, SortedLines(data, end + 1)


def _write(path: str, header: dict, table: Mapping[str, str]) -> None:
    body = "".join(f"{name}\t{value}\n" for name, value in table.items()).encode("utf-8")
    if body.count(b"\t") != len(table) or body.count(b"\n") != len(table) or b"\r" in body:
        raise ValueError(f"a name of the static cache holds a tab or a line break: {path}")
    lines = sorted(body.splitlines(keepends=True))  # the names' UTF-8 bytes order
    body = b"".join(lines)
    head = json.dumps({**header, "body_bytes": len(body)}, ensure_ascii=False)
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(head.encode("utf-8") + b"\n" + body)
    os.replace(temporary, path)
