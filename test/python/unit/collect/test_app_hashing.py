"""What the app's storage class asks of Django's hashing (``build.app_storage``; no server)."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, StaticFilesStorage

from django_s3_static.collect.app_hashing import (
    AppHashing,
    app_backend,
    app_hashing,
    hashing_of,
    keep_app_backend,
    patterns_digest,
)
from django_s3_static.config import APP_STATICFILES_BACKEND


class Modules(ManifestStaticFilesStorage):
    support_js_module_import_aggregation = True


class MorePasses(ManifestStaticFilesStorage):
    max_post_process_passes = 8


class OwnPatterns(ManifestStaticFilesStorage):
    patterns = (("*.css", (r"""(?P<matched>url\((?P<url>[^)]+)\))""",)),)


class ShortHashes(ManifestStaticFilesStorage):
    def file_hash(self, name, content=None):
        return super().file_hash(name, content)[:8]


class Inherits(ShortHashes, Modules):
    pass


def storages(backend: str) -> SimpleNamespace:
    return SimpleNamespace(STORAGES={"staticfiles": {"BACKEND": backend}})


def test_django_s_own_storage_asks_nothing():
    assert hashing_of("x", ManifestStaticFilesStorage) == AppHashing("x")
    assert hashing_of("x", StaticFilesStorage) == AppHashing("x")  # no hashing at all
    assert AppHashing("x").context() is None  # the fingerprint is what it was before


def test_carried_attributes_are_found_and_recorded():
    assert hashing_of("m", Modules).options == {"support_js_module_import_aggregation": True}
    assert hashing_of("m", Modules).context() == {"support_js_module_import_aggregation": True}
    assert hashing_of("p", MorePasses).context() == {"max_post_process_passes": 8}
    own = hashing_of("o", OwnPatterns)
    assert own.options == {"patterns": OwnPatterns.patterns}
    assert own.context() == {"patterns": patterns_digest(OwnPatterns.patterns)}
    assert own.context()["patterns"].startswith("sha256:")


def test_methods_overridden_in_the_app_s_code_are_named_with_their_class():
    found = hashing_of("i", Inherits)
    assert found.overrides == ["ShortHashes.file_hash"]
    assert found.options == {"support_js_module_import_aggregation": True}
    assert found.context() == {
        "support_js_module_import_aggregation": True,
        "overrides": ["ShortHashes.file_hash"],
    }


def test_well_known_storages_are_not_imported(monkeypatch):
    for backend in (
        "storages.backends.s3.S3ManifestStaticStorage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "pipeline.storage.PipelineManifestStorage",
        "django_s3_static.storage.S3ManifestStorage",
    ):
        monkeypatch.setattr(
            "django.utils.module_loading.import_string",
            lambda path: pytest.fail(f"imported {path}"),
        )
        assert app_hashing(storages(backend)) == AppHashing(backend)


def test_the_app_s_own_class_is_imported(monkeypatch):
    module = types.ModuleType("dss_app_storage_example")
    module.Modules = Modules
    monkeypatch.setitem(sys.modules, "dss_app_storage_example", module)
    found = app_hashing(storages("dss_app_storage_example.Modules"))
    assert found.options == {"support_js_module_import_aggregation": True}


def test_a_class_that_cannot_be_imported_is_a_problem_not_a_crash():
    found = app_hashing(storages("dss_no_such_module.Storage"))
    assert found.problem is not None and "dss_no_such_module" in found.problem
    assert found.options == {} and found.overrides == []


def test_the_backend_the_snippet_or_the_build_replaced_is_read_from_where_it_was_kept():
    settings = storages("myapp.storage.Modules")
    keep_app_backend(settings)
    settings.STORAGES = {"staticfiles": {"BACKEND": "django_s3_static.buildpack.Other"}}
    assert app_backend(settings) == "myapp.storage.Modules"
    keep_app_backend(settings)  # a second call keeps the first
    assert getattr(settings, APP_STATICFILES_BACKEND) == "myapp.storage.Modules"
    assert app_backend(SimpleNamespace()) is None
