"""The dyno's settings hook: the snippet goes into whichever module is the settings module when
Python imports it, and nowhere else (no server: a package in a temporary folder)."""

from __future__ import annotations

import importlib
import os
import sys

import pytest

from django_s3_static import settings_hook
from django_s3_static.snippet import INSTALLED_MARKER, STORAGE_BACKEND


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A package ``proj`` with two settings modules, importable, and the hook installed."""
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "prod.py").write_text("DEBUG = False\nSTATIC_URL = 'static/'\n")
    (package / "other.py").write_text("DEBUG = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "my-bucket")
    finder = settings_hook.SettingsFinder()
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    yield package
    for name in [m for m in sys.modules if m == "proj" or m.startswith("proj.")]:
        del sys.modules[name]


def test_the_settings_module_gets_the_snippet(project, monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "proj.prod")
    module = importlib.import_module("proj.prod")
    assert module.STORAGES["staticfiles"]["BACKEND"] == STORAGE_BACKEND
    assert module.STATIC_URL == "https://my-bucket.s3.amazonaws.com/"
    assert getattr(module, INSTALLED_MARKER) is True
    assert module.DEBUG is False  # the module's own settings are kept


def test_other_modules_are_left_alone(project, monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "proj.prod")
    module = importlib.import_module("proj.other")
    assert not hasattr(module, "STORAGES")


def test_the_module_named_at_import_time_decides(project, monkeypatch):
    """A ``setdefault`` or ``--settings`` runs after .profile.d: what counts is the variable when
    Django imports the module."""
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    importlib.import_module("proj")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "proj.other")
    assert importlib.import_module("proj.other").STORAGES["staticfiles"]["BACKEND"] == (
        STORAGE_BACKEND
    )


def test_turned_off(project, monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "proj.prod")
    monkeypatch.setenv("DJANGO_S3_STATIC_WRAP_SETTINGS", "0")
    assert not hasattr(importlib.import_module("proj.prod"), "STORAGES")


def test_a_module_that_installs_itself_is_not_installed_into_twice(project, monkeypatch):
    (project / "explicit.py").write_text(
        "from django_s3_static.snippet import install\n"
        "install(globals())\n"
        "CACHES['staticfiles-memory']['LOCATION'] = 'mine'\n"
    )
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "proj.explicit")
    module = importlib.import_module("proj.explicit")
    assert module.CACHES["staticfiles-memory"]["LOCATION"] == "mine"


@pytest.mark.parametrize("name", ["proj.missing", "nowhere.settings"])
def test_a_missing_settings_module_says_where_python_looked(project, monkeypatch, name):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", name)
    monkeypatch.setenv("DJANGO_S3_STATIC_BUILD_SETTINGS", "proj.prod")
    with pytest.raises(ModuleNotFoundError) as error:
        importlib.import_module(name)
    message = str(error.value)
    assert f"DJANGO_SETTINGS_MODULE={name!r} is not importable" in message
    assert "The build read 'proj.prod'" in message
    assert "heroku config:set DJANGO_SETTINGS_MODULE=" in message
    assert os.getcwd() in message


def test_the_next_sitecustomize_runs(tmp_path, monkeypatch):
    own, app = tmp_path / "own", tmp_path / "app"
    own.mkdir()
    app.mkdir()
    (own / "sitecustomize.py").write_text("")
    (app / "sitecustomize.py").write_text("RAN = True\n")
    monkeypatch.setattr(sys, "path", [str(own), str(app), *sys.path])
    monkeypatch.delitem(sys.modules, "sitecustomize", raising=False)
    settings_hook.run_next_sitecustomize(str(own / "sitecustomize.py"))
    assert sys.modules["sitecustomize"].RAN is True


def test_no_next_sitecustomize(tmp_path, monkeypatch):
    (tmp_path / "sitecustomize.py").write_text("")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    monkeypatch.delitem(sys.modules, "sitecustomize", raising=False)
    settings_hook.run_next_sitecustomize(str(tmp_path / "sitecustomize.py"))
    assert "sitecustomize" not in sys.modules
