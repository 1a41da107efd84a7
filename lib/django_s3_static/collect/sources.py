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


def hash_sources(listing: Iterable[tuple[str, Any]], keep: Collection[str] = ()) -> Hashed:
    """Every listed file hashed, the first finder winning; the bytes of those in ``keep`` kept.
    Refuses, naming them, the files that must not be published."""
    seen: dict[str, tuple[str, str]] = {}
    kept: dict[str, bytes] = {}
    refused: list[str] = []
    roots = _Roots()
    for path, storage in listing:
        prefix = getattr(storage, "prefix", None)
        name = f"{prefix}/{path}" if prefix else path
        if name in seen:
            continue
        full = storage.path(path) if getattr(storage, "location", None) else None
        if full is None or (name, full) not in _PASSED:
            problem = source_problem(storage, path, name, roots, full)
            if problem:
                refused.append(problem)
                continue
            if full is not None:
                _PASSED.add((name, full))
        seen[name] = _content_hash(storage, path, full, kept, name if name in keep else None)
    if refused:
        raise S3StaticError(
            f"{len(refused)} static file{'s' * (len(refused) != 1)} cannot be published:",
            *refused[:20],
            *([f"  ... and {len(refused) - 20} more"] if len(refused) > 20 else []),
            "Static files become public S3 objects named after their paths: rename or replace",
            "these (a link may only point inside its static folder or the app).",
        )
    digests = sorted((name, found[0]) for name, found in seen.items())
    return Hashed(digests, {name: found[1] for name, found in seen.items()}, kept)


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


#: Content hashes (SHA-256 and MD5) by file, for this process: after a settings-only check finds
#: the sources changed, Django's finders list the same files again, and nothing is hashed twice.
_HASHES: dict[str, tuple[str, str]] = {}
#: (name, file) of the sources checked and found publishable in this process, likewise.
_PASSED: set[tuple[str, str]] = set()


def _content_hash(
    storage, path: str, location: str | None, kept: dict[str, bytes], keep: str | None
) -> tuple[str, str]:
    """SHA-256 and MD5 of one source, from one read; its bytes in ``kept[keep]`` if asked."""
    found = _HASHES.get(location) if location else None
    if found is None or keep is not None:
        sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
        chunks = []
        with storage.open(path) as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                sha256.update(chunk)
                md5.update(chunk)
                if keep is not None:
                    chunks.append(chunk)
        found = (sha256.hexdigest(), md5.hexdigest())
        if keep is not None:
            kept[keep] = b"".join(chunks)
        if location:
            _HASHES[location] = found
    return found


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

    def allow(self, location: str, real: str) -> bool:
        folder = self._folders.get(location)
        if folder is None:
            folder = self._folders[location] = os.path.realpath(location) + os.sep
        return real.startswith(folder) or real.startswith(self.app)

    def real(self, path: str) -> str:
        """``os.path.realpath(path)``, each folder resolved once."""
        parent, name = os.path.split(path)
        real_parent = self._parents.get(parent)
        if real_parent is None:
            real_parent = self._parents[parent] = os.path.realpath(parent)
        if os.path.islink(path):
            return os.path.realpath(path)
        return os.path.join(real_parent, name)


def source_problem(
    storage, path: str, name: str, roots: _Roots, full: str | None = None
) -> str | None:
    """Why a listed source must not be published: finders follow links, to /etc as anywhere."""
    problem = name_problem(name)
    if problem:
        return f"  {shown(name)}: the name {problem}"
    location = getattr(storage, "location", None)
    if location:
        real = roots.real(full or storage.path(path))
        if not roots.allow(location, real):
            return f"  {shown(name)}: a link to {real}, outside {location} and the app"
    return None


def _pipeline_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # lazy: slow; pipeline only

    try:
        return version("django-pipeline")
    except PackageNotFoundError:
        return "unknown"
