"""The static sources as the finders list them: checked, hashed, fingerprinted.

Runs in the app's process (``collect``). Django's finders follow symbolic links, so every file is
checked to be really inside its static folder or the app before anything hashes or uploads it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from .. import __version__
from ..config import flag, runtime_values
from ..errors import S3StaticError
from ..format.names import name_problem
from .app_hashing import app_hashing
from .fingerprint import file_sha256
from .written_settings import as_written, with_script_prefix


def fingerprint_sources(listing: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(name, content SHA-256) of every file listed, the first finder winning as collectstatic
    does; S3StaticError naming every file that must not be published."""
    seen: dict[str, str] = {}
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
        seen[name] = _content_hash(storage, path, full)
    if refused:
        raise S3StaticError(
            f"{len(refused)} static file{'s' * (len(refused) != 1)} cannot be published:",
            *refused[:20],
            *([f"  ... and {len(refused) - 20} more"] if len(refused) > 20 else []),
            "Static files become public S3 objects named after their paths: rename or replace",
            "these (a link may only point inside its static folder or the app).",
        )
    return sorted(seen.items())


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


#: Content hashes by file, for this process: when the settings-only check finds the sources
#: changed, Django's finders list the same files again, and hashing them twice cost a second and
#: a half on a 10,000-file project.
_HASHES: dict[str, str] = {}
#: (name, file) of the sources checked and found publishable in this process, for the same
#: reason: the second listing checks nothing twice.
_PASSED: set[tuple[str, str]] = set()


def _content_hash(storage, path: str, location: str | None) -> str:
    digest = _HASHES.get(location) if location else None
    if digest is None:
        with storage.open(path) as handle:
            digest = file_sha256(handle)
        if location:
            _HASHES[location] = digest
    return digest


def fingerprint_context(settings, app_names: set[str]) -> dict:
    """The settings and versions that shape collectstatic's output besides the sources.

    Plain JSON values only (the PIPELINE settings by their digest): the committed cache keeps
    this beside the fingerprint, so a build that finds the fingerprint changed can say which of
    them did (``fingerprint.why_stale``).
    """
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
    """A setting too large (or too private) to keep in the committed cache, by its SHA-256."""
    if value is None:
        return None
    encoded = json.dumps(value, sort_keys=True, default=repr).encode()
    return "sha256:" + hashlib.sha256(encoded).hexdigest()


def post_processing_static_url(settings) -> str | None:
    """``STATIC_URL`` as far as ManifestStaticFilesStorage's post-processing depends on it.

    It rewrites a CSS or JavaScript reference that starts with ``/`` only when the reference
    starts with ``STATIC_URL`` too; references with a scheme or ``//`` are never rewritten. So a
    path (``/static/``, or ``static/`` under the script prefix) shapes the output, while any full
    URL (the bucket's, a CDN's: what ``snippet.install`` sets) makes it rewrite none of them and
    counts as None: adding a CDN, or publishing where it is not set, does not make a cache stale.

    Read from the settings as written, with the script prefix ``django.setup()`` would set
    (``FORCE_SCRIPT_NAME``): the settings-only check runs without it, and must agree.
    """
    wrapped = as_written(settings)
    # The value before the dyno's snippet replaced it (``runtime.snippet``), if it did.
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
    """The real folders a source file may be in: its static folder, or the app (the cwd).

    Resolved once per folder, not once per file: a large tree has thousands of files in a few
    folders, and each realpath() is a system call per path component.
    """

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
        """``os.path.realpath(path)``, resolving each folder once: a file that is not itself a
        link is its real folder plus its name, which costs one ``lstat`` instead of one per
        path component."""
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
    """Why a source file a finder returned must not be published, or None.

    Its name must be a safe S3 key (valid UTF-8, no control character, ...), and the file must
    really be inside the static folder it was found in, or inside the app: Django's finders
    follow symbolic links, and a link to /etc, to /proc/self/environ or to another project would
    be uploaded to a public bucket.
    """
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    problem = name_problem(name)
    if problem:
        return f"  {shown}: the name {problem}"
    location = getattr(storage, "location", None)
    if location:
        real = roots.real(full or storage.path(path))
        if not roots.allow(location, real):
            return f"  {shown}: a link to {real}, outside {location} and the app"
    return None


def _pipeline_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # lazy: slow; pipeline only

    try:
        return version("django-pipeline")
    except PackageNotFoundError:
        return "unknown"
