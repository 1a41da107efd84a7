"""The static sources as the finders list them: checked, hashed, fingerprinted."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from .. import __version__
from ..config import flag, runtime_values
from ..errors import S3StaticError
from ..format.names import name_problem, shown
from .app_hashing import app_hashing
from .written_settings import as_written, with_script_prefix

CHUNK = 1024 * 1024


class Hashed(NamedTuple):
    """The sources' content, as one read of each file gives it."""

    digests: list[tuple[str, str]]  # (name, SHA-256) of every source, sorted: the fingerprint's
    md5s: dict[str, str]  # name -> MD5 of its content, what Django's hashing names it after
    kept: dict[str, bytes]  # the content of the sources asked for (``keep``)


def fingerprint_sources(listing: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(name, content SHA-256) of every file listed (``hash_sources``)."""
    return hash_sources(listing).digests


def hash_sources(
    listing: Iterable[tuple[str, Any]], keep: Collection[str] = (), md5: bool = True
) -> Hashed:
    """Every listed file hashed, the first finder winning; the bytes of those in ``keep`` kept.
    Refuses, naming them, the files that must not be published. ``md5=False``: SHA-256 only
    (``md5s`` stays empty), when no hashed name is to be checked against the sources."""
    seen: dict[str, tuple[str, str | None]] = {}
    kept: dict[str, bytes] = {}
    refused: list[str] = []
    roots = _Roots()
    reader = _Reader(md5)
    storages: dict[int, tuple[Any, str, str | None, bool]] = {}
    for path, storage in listing:
        facts = storages.get(id(storage))
        if facts is None:  # the storage is kept in ``facts`` too, so that its id stays its own
            facts = storages[id(storage)] = (storage, *_storage_facts(storage))
        _, prefix, location, plain = facts
        name = f"{prefix}/{path}" if prefix else path
        if name in seen:
            continue
        problem = name_problem(name)
        if problem:
            refused.append(f"  {shown(name)}: the name {problem}")
            continue
        # Django's FileSystemStorage.path (safe_join) of a name with no empty, '.' or '..'
        # segment is the same path, joined.
        full = _join(location, path) if plain else storage.path(path) if location else None
        if full is not None and (name, full) not in _PASSED:
            problem = link_problem(name, location, full, roots)
            if problem:
                refused.append(problem)
                continue
            _PASSED.add((name, full))
        wanted = name if name in keep else None
        if plain:
            seen[name] = reader.file(full, kept, wanted)
        else:
            seen[name] = reader.storage(storage, path, full, kept, wanted)
    if refused:
        raise S3StaticError(
            f"{len(refused)} static file{'s' * (len(refused) != 1)} cannot be published:",
            *refused[:20],
            *([f"  ... and {len(refused) - 20} more"] if len(refused) > 20 else []),
            "Static files become public S3 objects named after their paths: rename or replace",
            "these (a link may only point inside its static folder or the app).",
        )
    digests = sorted((name, found[0]) for name, found in seen.items())
    md5s = {name: found[1] for name, found in seen.items()} if md5 else {}
    return Hashed(digests, md5s, kept)


def _storage_facts(storage: Any) -> tuple[str, str | None, bool]:
    """A finder's storage: its prefix, its folder, and whether it is Django's own
    FileSystemStorage as to paths and reading (the finders' ``storage_class``), whose files are
    read directly."""
    from django.core.files.storage import FileSystemStorage, Storage  # lazy: as the finders'

    kind = type(storage)
    location = getattr(storage, "location", None) or None
    plain = (
        location is not None
        and isinstance(storage, FileSystemStorage)
        and kind.path is FileSystemStorage.path
        and kind.open is Storage.open
        and kind._open is FileSystemStorage._open
    )
    return getattr(storage, "prefix", None) or "", location, plain


def source_roots(listing: Iterable[tuple[str, Any]]) -> list[list[str]] | None:
    """The folders the sources were found in, as [prefix, folder], in the order the finders
    listed them (the first holding a name is its source, as in collectstatic); None when one
    storage has no folder. The build finds an unhashed copy's source there, to store it again
    when another uploader replaced it (``publish.refresh``)."""
    roots: dict[int, list[str]] = {}
    for _path, storage in listing:
        if id(storage) not in roots:
            location = getattr(storage, "location", None)
            if not location:
                return None
            roots[id(storage)] = [getattr(storage, "prefix", None) or "", os.fspath(location)]
    return list(roots.values())


#: Content hashes (SHA-256, and MD5 or None) by file, for this process: after a settings-only
#: check finds the sources changed, Django's finders list the same files again, and nothing is
#: hashed twice.
_HASHES: dict[str, tuple[str, str | None]] = {}
#: (name, file) of the sources checked and found publishable in this process, likewise.
_PASSED: set[tuple[str, str]] = set()


class _Reader:
    """One read of each source gives its SHA-256 (and MD5). A file is read through its
    descriptor (``os.read``): no file object per source, of the thousands a build reads."""

    def __init__(self, md5: bool) -> None:
        self.md5 = md5

    def file(self, full: str, kept: dict[str, bytes], keep: str | None) -> tuple[str, str | None]:
        found = _HASHES.get(full)
        if found is None or keep is not None or (self.md5 and found[1] is None):
            descriptor = os.open(full, os.O_RDONLY | os.O_CLOEXEC)
            try:
                found = self._hash(lambda: os.read(descriptor, CHUNK), kept, keep)
            finally:
                os.close(descriptor)
            _HASHES[full] = found
        return found

    def storage(
        self,
        storage: Any,
        path: str,
        location: str | None,
        kept: dict[str, bytes],
        keep: str | None,
    ) -> tuple[str, str | None]:
        """A storage's own ``open``, for one the finders do not make (``_storage_facts``)."""
        found = _HASHES.get(location) if location else None
        if found is None or keep is not None or (self.md5 and found[1] is None):
            with storage.open(path) as handle:
                found = self._hash(lambda: handle.read(CHUNK), kept, keep)
            if location:
                _HASHES[location] = found
        return found

    def _hash(self, read, kept: dict[str, bytes], keep: str | None) -> tuple[str, str | None]:
        sha256 = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False) if self.md5 else None
        chunks = []
        while piece := read():
            sha256.update(piece)
            if md5 is not None:
                md5.update(piece)
            if keep is not None:
                chunks.append(piece)
        if keep is not None:
            kept[keep] = b"".join(chunks)
        return sha256.hexdigest(), md5.hexdigest() if md5 is not None else None


def fingerprint_context(settings, app_names: set[str]) -> dict:
    """The settings and versions that shape collectstatic's output, as plain JSON."""
    import django  # lazy: Django is imported by the app's settings first

    pipeline = "pipeline" in app_names
    context = {
        "django": django.get_version(),
        # An update of this package may change the post-processing (BuildStorage).
        "django-s3-static": __version__,
        "pipeline": _pipeline_version() if pipeline else None,
        "PIPELINE": settings_digest(getattr(settings, "PIPELINE", None)) if pipeline else None,
        "STATIC_URL": post_processing_static_url(settings),
        "strict_references": flag(runtime_values(settings, os.environ), "strict_references"),
    }
    hashing = app_hashing(settings).context()
    if hashing is not None:  # only then: a cache published before it was recorded stays valid
        context["hashing"] = hashing
    return context


def settings_digest(value: object) -> str | None:
    """A setting too large (or too private) to keep in the static cache, by its SHA-256."""
    if value is None:
        return None
    encoded = json.dumps(value, sort_keys=True, default=repr).encode()
    return "sha256:" + hashlib.sha256(encoded).hexdigest()


def post_processing_static_url(settings) -> str | None:
    """``STATIC_URL`` as far as ManifestStaticFilesStorage's post-processing depends on it.

    Only references under a path ``STATIC_URL`` are rewritten, so a full URL (a CDN's) counts as
    None and adding a CDN does not make a static cache stale. Read as written, with the script
    prefix.
    """
    wrapped = as_written(settings)
    # The value before the dyno's snippet replaced it (``snippet``), if it did.
    value = getattr(
        wrapped, "DJANGO_S3_STATIC_APP_STATIC_URL", getattr(wrapped, "STATIC_URL", None)
    )
    if value is None:
        return None
    value = str(value)
    if value.startswith(("http://", "https://", "//")):
        return None
    return with_script_prefix(settings, value)


class _Roots:
    """The real folders a source may be in: its static folder, or the app, each resolved once."""

    def __init__(self) -> None:
        self.app = os.path.realpath(os.getcwd()) + os.sep
        self._folders: dict[str, str] = {}
        self._parents: dict[str, str] = {}
        #: Each folder's links (``_links_in``).
        self._links: dict[str, set[str] | None] = {}

    def allow(self, location: str, real: str) -> bool:
        folder = self._folders.get(location)
        if folder is None:
            folder = self._folders[location] = os.path.realpath(location) + os.sep
        return real.startswith(folder) or real.startswith(self.app)

    def real(self, path: str) -> str:
        """``os.path.realpath(path)``, each folder resolved and listed once."""
        parent, name = os.path.split(path)
        real_parent = self._parents.get(parent)
        if real_parent is None:
            real_parent = self._parents[parent] = os.path.realpath(parent)
        links = self._links.get(parent, ())
        if links == ():
            links = self._links[parent] = _links_in(parent)
        if (name in links) if links is not None else os.path.islink(path):
            return os.path.realpath(path)
        return _join(real_parent, name)


def _join(folder: str, name: str) -> str:
    """``os.path.join(folder, name)`` of a non-empty folder and a relative name (once a file:
    the sources are many)."""
    return folder + name if folder.endswith("/") else f"{folder}/{name}"


def _links_in(folder: str) -> set[str] | None:
    """The names of the links in ``folder``, from one listing of it (the entries' types, no
    ``lstat`` per file); None when it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_symlink()}
    except OSError:
        return None


def link_problem(name: str, location: str, full: str, roots: _Roots) -> str | None:
    """Why the file at ``full``, of a storage in ``location``, must not be published: a link out
    of that folder and the app."""
    real = roots.real(full)
    if not roots.allow(location, real):
        return f"  {shown(name)}: a link to {real}, outside {location} and the app"
    return None


def _pipeline_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # lazy: slow; pipeline only

    try:
        return version("django-pipeline")
    except PackageNotFoundError:
        return "unknown"
