"""A storage class read from its source gives what importing it gives (``build.storage_source``).

Each case is a module written to a temporary folder: read from its source (no import), then
imported, and the two answers compared; the cases the source cannot tell give None, and the import
decides. No server.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid

import pytest
from django.contrib.staticfiles.storage import HashedFilesMixin
from django.utils.module_loading import import_string

from django_s3_static.collect import hashing_source
from django_s3_static.collect.app_hashing import (
    CARRIED,
    HASHING_METHODS,
    AppHashing,
    app_hashing,
    hashing_of,
)

DEFAULTS = {name: getattr(HashedFilesMixin, name) for name in CARRIED}

READABLE = {
    "a django-storages subclass setting its location": (
        """
        from storages.backends.s3 import S3ManifestStaticStorage

        class Static(S3ManifestStaticStorage):
            \"\"\"Static files under static/.\"\"\"
            location = "static"
        """,
        {},
        [],
    ),
    "module imports on": (
        """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        class Static(ManifestStaticFilesStorage):
            support_js_module_import_aggregation = True
        """,
        {"support_js_module_import_aggregation": True},
        [],
    ),
    "a module alias, and Django's own value": (
        """
        import django.contrib.staticfiles.storage as s

        class Static(s.ManifestStaticFilesStorage):
            max_post_process_passes = 5
        """,
        {},
        [],
    ),
    "an attribute of an imported module": (
        """
        from django.contrib.staticfiles import storage

        class Static(storage.ManifestStaticFilesStorage):
            max_post_process_passes: int = 9
        """,
        {"max_post_process_passes": 9},
        [],
    ),
    "a chain in the module, the derived class overriding a method": (
        """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        class Base(ManifestStaticFilesStorage):
            support_js_module_import_aggregation = True
            max_post_process_passes = 7

        class Static(Base):
            max_post_process_passes = 8

            def file_hash(self, name, content=None):
                return super().file_hash(name, content)[:8]
        """,
        {"support_js_module_import_aggregation": True, "max_post_process_passes": 8},
        ["Static.file_hash"],
    ),
    "a mixin of the module first": (
        """
        from whitenoise.storage import CompressedManifestStaticFilesStorage

        class Mixin:
            def post_process(self, *args, **kwargs):
                yield from super().post_process(*args, **kwargs)

        class Static(Mixin, CompressedManifestStaticFilesStorage):
            pass
        """,
        {},
        ["Mixin.post_process"],
    ),
    "own patterns": (
        """
        from pipeline.storage import PipelineManifestStorage

        class Static(PipelineManifestStorage):
            patterns = (("*.css", (r"(?P<matched>url\\((?P<url>[^)]+)\\))",)),)
        """,
        {"patterns": (("*.css", (r"(?P<matched>url\((?P<url>[^)]+)\))",)),)},
        [],
    ),
    "a storage that does no hashing": (
        """
        from storages.backends.s3 import S3Storage

        class Static(S3Storage):
            max_post_process_passes = 9

            def post_process(self, paths, **options):
                return []
        """,
        {},
        [],
    ),
}

UNREADABLE = {
    "a computed value": """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        PASSES = 8

        class Static(ManifestStaticFilesStorage):
            max_post_process_passes = PASSES
        """,
    "a base from elsewhere": """
        from collections import OrderedDict

        class Static(OrderedDict):
            pass
        """,
    "a decorated class": """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        def registered(cls):
            return cls

        @registered
        class Static(ManifestStaticFilesStorage):
            support_js_module_import_aggregation = True
        """,
    "an attribute set under an if": """
        import os
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        class Static(ManifestStaticFilesStorage):
            if os.sep == "/":
                support_js_module_import_aggregation = True
        """,
    "an attribute set after the class": """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        class Static(ManifestStaticFilesStorage):
            pass

        Static.support_js_module_import_aggregation = True
        """,
    "the module's class after a known base": """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        class Mixin:
            max_post_process_passes = 9

        class Static(ManifestStaticFilesStorage, Mixin):
            pass
        """,
    "a class made in an if": """
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        if True:
            class Static(ManifestStaticFilesStorage):
                support_js_module_import_aggregation = True
        """,
}


@pytest.fixture
def module(tmp_path, monkeypatch):
    """Write a module; its dotted name. Forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written = []

    def write(source: str) -> str:
        name = f"dss_storage_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        importlib.invalidate_caches()
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)


def imported(backend: str) -> AppHashing:
    return hashing_of(backend, import_string(backend))


def settings_naming(backend: str):
    from types import SimpleNamespace

    return SimpleNamespace(STORAGES={"staticfiles": {"BACKEND": backend}})


@pytest.mark.parametrize("case", list(READABLE))
def test_the_source_tells_what_the_import_tells(module, case):
    source, options, overrides = READABLE[case]
    name = module(source)
    found = hashing_source.read("Static", textwrap.dedent(source), DEFAULTS, HASHING_METHODS)
    assert found == (options, overrides)
    assert name not in sys.modules  # read, not imported
    backend = f"{name}.Static"
    assert app_hashing(settings_naming(backend)) == AppHashing(backend, options, overrides)
    assert name not in sys.modules
    assert imported(backend) == AppHashing(backend, options, overrides)


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_what_the_source_cannot_tell_is_imported(module, case):
    source = UNREADABLE[case]
    name = module(source)
    found = hashing_source.read("Static", textwrap.dedent(source), DEFAULTS, HASHING_METHODS)
    assert found is None
    backend = f"{name}.Static"
    assert app_hashing(settings_naming(backend)) == imported(backend)
    assert name in sys.modules


@pytest.mark.parametrize("backend", sorted(hashing_source.HASHING_BASES))
def test_the_known_hashing_storages_hash_as_django_does(backend):
    storage_class = import_string(backend)
    assert issubclass(storage_class, HashedFilesMixin)
    assert {name: getattr(storage_class, name) for name in CARRIED} == DEFAULTS


@pytest.mark.parametrize("backend", sorted(hashing_source.PLAIN_BASES))
def test_the_known_plain_storages_do_no_hashing(backend):
    assert not issubclass(import_string(backend), HashedFilesMixin)
