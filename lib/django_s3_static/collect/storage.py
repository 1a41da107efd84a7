"""The storage collectstatic uses at build time: Django's manifest hashing, kept locally.

Not the app's own (often an S3 storage uploading file by file): the build uploads only what the
bucket lacks. A CSS ``url()`` to a missing file is left as written unless strict. A full collect
keeps its files in one pack (``pack.BuildStorage``); django-pipeline's, in a folder.
"""

from __future__ import annotations

import os
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from ..config import flag, runtime_values
from .app_hashing import app_hashing

_missing: list[dict[str, str]] = []
#: The names each post-processed file's references resolved to (``_stored_name``), by file.
_references: dict[str, set[str]] = {}
#: The sources each django-pipeline package was built from, by output name; None when a
#: package's sources cannot be told from the sources alone (``packages``).
_packages: dict[str, list[str]] | None = {}


def missing_references() -> list[dict[str, str]]:
    return list(_missing)


def records(pipeline: bool) -> dict:
    """What the post-processing noted, as the static cache's ``incremental`` section keeps it."""
    missing: dict[str, list[str]] = {}
    for reference in _missing:
        missing.setdefault(reference["file"], []).append(reference["url"])
    return {
        "missing": missing,
        "packages": dict(_packages) if pipeline and _packages is not None else None,
        "references": {name: sorted(targets) for name, targets in _references.items()},
    }


def reset_records() -> None:
    global _packages
    _missing.clear()
    _references.clear()
    _packages = {}


def reference_targets(name: str) -> set[str]:
    """The names a reference to ``name`` depends on: the manifest key and the hashed file."""
    name = posixpath.normpath(name)
    return {name.replace("\\", "/"), urlsplit(unquote(name)).path.strip()} - {""}


class TolerantManifestStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage that records missing url() targets instead of raising."""

    def __init__(self, *args, **kwargs) -> None:
        # What the app's own storage class asks of the hashing (set before Django's __init__,
        # which reads them).
        for name, value in app_hashing(settings).options.items():
            setattr(self, name, value)
        super().__init__(*args, **kwargs)
        # Read once: url_converter runs for every pattern of every file in every pass.
        self.strict = flag(runtime_values(settings, os.environ), "strict_references")

    #: The file whose references are being converted (``url_converter``), for ``_stored_name``.
    _referrer: str | None = None

    def url_converter(self, name, *args, **kwargs):
        # The signature differs between Django 5.2 and 6.x; pass everything through.
        convert = super().url_converter(name, *args, **kwargs)
        strict = self.strict

        def tolerant(matchobj):
            self._referrer = name
            try:
                return convert(matchobj)
            except ValueError:
                if strict:
                    raise
                reference = {"file": name, "url": matchobj["url"]}
                if reference not in _missing:
                    _missing.append(reference)
                return matchobj["matched"]
            finally:
                self._referrer = None

        return tolerant

    def _stored_name(self, name, hashed_files):
        """Django's lookup of a reference's hashed name, noted for the next build."""
        if self._referrer is not None:
            _references.setdefault(self._referrer, set()).update(reference_targets(name))
        return super()._stored_name(name, hashed_files)


class PackagingError(Exception):
    """A django-pipeline package failed to build; says which package and which source file."""

    def __init__(self, kind: str, name: str, sources: list[str], cause: Exception) -> None:
        label = {"css": "stylesheet", "js": "javascript"}[kind]
        command = " ".join(getattr(cause, "command", None) or [])
        culprit = next((s for s in sources if command and s in command), None)
        where = f"source {culprit}" if culprit else f"sources {', '.join(sources)}"
        tool = type(cause).__name__
        super().__init__(
            f"django-pipeline could not build the {label} package {name!r} ({where}): {tool}"
        )
        self.tool_output = (getattr(cause, "error_output", None) or str(cause)).strip()


def pipeline_storage(base: type) -> type:
    from pipeline.storage import PipelineMixin  # lazy: only apps that install django-pipeline

    class PipelineBuildStorage(PipelineMixin, base):
        """Pack every package (naming the one that fails), then hash everything."""

        def post_process(self, paths, dry_run=False, **options):
            if dry_run:
                return
            from pipeline.packager import Packager  # lazy: as above

            packager = Packager(storage=self)
            for kind, pack in (
                ("css", packager.pack_stylesheets),
                ("js", packager.pack_javascripts),
            ):
                for name in packager.packages[kind]:
                    package = packager.package_for(kind, name)
                    try:
                        pack(package)
                    except Exception as exc:
                        raise PackagingError(kind, name, list(package.sources), exc) from exc
                    note_package(package)
                    paths[package.output_filename] = (self, package.output_filename)
                    yield package.output_filename, package.output_filename, True
            yield from base.post_process(self, paths.copy(), dry_run, **options)

    return PipelineBuildStorage


def note_package(package) -> None:
    """Keep the sources a package was built from (in order), for the next incremental collect."""
    global _packages
    if _packages is None:
        return
    if package.output_filename in _packages:
        _packages = None  # two packages write one file: only a full collect knows which wins
        return
    _packages[package.output_filename] = [str(source) for source in package.sources]
