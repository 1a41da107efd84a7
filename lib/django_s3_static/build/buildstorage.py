"""The storage collectstatic uses at build time: Django's manifest hashing into a local folder.

Whatever the app's own ``STORAGES["staticfiles"]`` says (often django-storages' S3 storage, which
would upload file by file during collectstatic), the build collects locally first and uploads only
what the bucket lacks afterwards. A CSS ``url()`` to a file that does not exist is common in
third-party apps; by default it is reported and left as written instead of failing the build.
With django-pipeline installed, its packages are compiled, combined and compressed first, then
hashed like every other file.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from ..config import flag, runtime_values

_missing: list[dict[str, str]] = []


def missing_references() -> list[dict[str, str]]:
    return list(_missing)


class TolerantManifestStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage that records missing url() targets instead of raising."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read once: url_converter runs for every pattern of every file in every pass.
        self.strict = flag(runtime_values(settings, os.environ), "strict_references")

    def url_converter(self, name, *args, **kwargs):
        # The signature differs between Django 5.2 and 6.x; pass everything through.
        convert = super().url_converter(name, *args, **kwargs)
        strict = self.strict

        def tolerant(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                if strict:
                    raise
                reference = {"file": name, "url": matchobj["url"]}
                if reference not in _missing:
                    _missing.append(reference)
                return matchobj["matched"]

        return tolerant


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


def _pipeline_storage(base: type) -> type:
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
                    paths[package.output_filename] = (self, package.output_filename)
                    yield package.output_filename, package.output_filename, True
            yield from base.post_process(self, paths.copy(), dry_run, **options)

    return PipelineBuildStorage


def _storage_class() -> type:
    from django.apps import apps  # lazy: asked when the storage is defined, after setup()

    if apps.is_installed("pipeline"):
        return _pipeline_storage(TolerantManifestStorage)
    return TolerantManifestStorage


BuildStorage = _storage_class()
