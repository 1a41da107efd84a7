"""The storage collectstatic uses at build time: Django's manifest hashing into a local folder.

Whatever the app's own ``STORAGES["staticfiles"]`` says (often django-storages' S3 storage, which
would upload file by file during collectstatic), the build collects locally first and uploads only
what the bucket lacks afterwards. A CSS ``url()`` to a file that does not exist is common in
third-party apps; by default it is reported and left as written instead of failing the build.
"""

from __future__ import annotations

import os

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from .config import is_true

_missing: list[dict[str, str]] = []


def missing_references() -> list[dict[str, str]]:
    return list(_missing)


class TolerantManifestStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage that records missing url() targets instead of raising."""

    def url_converter(self, name, *args, **kwargs):
        # The signature differs between Django 5.2 and 6.x; pass everything through.
        convert = super().url_converter(name, *args, **kwargs)
        strict = is_true(os.environ.get("DJANGO_S3_STATIC_STRICT_REFERENCES"))

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


def _storage_class() -> type:
    from django.apps import apps

    if apps.is_installed("pipeline"):
        from pipeline.storage import PipelineMixin

        return type("BuildStorage", (PipelineMixin, TolerantManifestStorage), {})
    return TolerantManifestStorage


BuildStorage = _storage_class()
