"""The parts of the settings-only check that need no Django start-up (``build.finders``)."""

from __future__ import annotations

import importlib
import os
import sys
from types import SimpleNamespace

import pytest

from django_s3_static.collect import finders


def write(path, text: str = "") -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


@pytest.fixture
def apps_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    "layout, expected",
    [
        ({}, False),
        ({"apps.py": ""}, True),
        ({"apps/__init__.py": ""}, True),
        ({"apps/config.py": ""}, True),  # a namespace package: Django would import it
        ({"apps.pyc": ""}, True),
        ({"apps.cpython-313-x86_64-linux-gnu.so": ""}, True),
        ({"apps.abi3.so": ""}, True),
        ({"apps_extra.py": "", "models.py": ""}, False),
    ],
)
def test_an_app_may_get_an_appconfig_from_any_form_of_apps_module(apps_path, layout, expected):
    name = "app_" + "_".join(sorted(layout)).replace(".", "_").replace("/", "_").replace("-", "_")
    write(apps_path / name / "__init__.py", "raise RuntimeError('must not run')\n")
    for path, text in layout.items():
        write(apps_path / name / path, text)
    importlib.invalidate_caches()
    assert finders.may_get_an_appconfig(name) is expected
    assert name not in sys.modules


def test_a_plain_module_app_gets_no_appconfig_and_an_unlocatable_one_may(apps_path):
    write(apps_path / "single_module_app.py")
    importlib.invalidate_caches()
    assert finders.may_get_an_appconfig("single_module_app") is False
    assert finders.may_get_an_appconfig("no_such_app_anywhere") is True


def test_ignore_patterns_are_normalised_as_collectstatic_does():
    config = SimpleNamespace(ignore_patterns=["CVS", ".*", "*~", "build/", "./tmp", "CVS"])
    assert finders.collectstatic_ignore_patterns(config) == ["*~", ".*", "CVS", "build", "tmp"]


STATICFILES = {"config": "django.contrib.staticfiles.apps", "name": "django.contrib.staticfiles"}
NEWS = {"config": "django.apps.config", "name": "news"}


def test_live_ignore_patterns_come_from_the_staticfiles_appconfig():
    patterns = finders.live_ignore_patterns(
        ["news", "django.contrib.staticfiles"], [NEWS, STATICFILES]
    )
    assert patterns == ["*~", ".*", "CVS"]


def test_live_ignore_patterns_of_a_relabelled_staticfiles_app_are_left_to_django(apps_path):
    write(
        apps_path / "relabel" / "apps.py",
        "from django.contrib.staticfiles.apps import StaticFilesConfig\n\n\n"
        "class Static(StaticFilesConfig):\n    label = 'assets'\n",
    )
    write(apps_path / "relabel" / "__init__.py")
    entry = "relabel.apps.Static"
    app = {"config": "relabel.apps", "name": "django.contrib.staticfiles"}
    assert finders.live_ignore_patterns([entry], [app]) is None


def test_live_ignore_patterns_that_cannot_be_read_are_left_to_django(apps_path):
    write(apps_path / "broken_static" / "__init__.py")
    write(
        apps_path / "broken_static" / "apps.py",
        "from django.contrib.staticfiles.apps import StaticFilesConfig\n"
        "raise ImportError('a missing package')\n",
    )
    app = {"config": "broken_static.apps", "name": "django.contrib.staticfiles"}
    assert finders.live_ignore_patterns(["broken_static.apps.Static"], [app]) is None


def test_without_the_staticfiles_app_there_are_no_live_ignore_patterns():
    assert finders.live_ignore_patterns(["news"], [NEWS]) is None
