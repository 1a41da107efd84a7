"""What the finders record vouches for: the apps of the deployed settings, whichever apps the
settings ``publish_static`` ran with had besides (``collect.finders.vouch``)."""

from __future__ import annotations

import importlib
import os
from types import SimpleNamespace

import pytest

from django_s3_static.collect import finders

FINDERS = [finders.FILE_SYSTEM_FINDER, finders.APP_DIRECTORIES_FINDER]


def write(path, text: str = "") -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


@pytest.fixture
def apps_path(tmp_path, monkeypatch):
    """shop (its own AppConfig, static files), news (no apps module, no static files), the
    commands' app as a developer installs it, and two apps only the deployed settings add."""
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path / "vshop" / "__init__.py")
    write(tmp_path / "vshop" / "apps.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "vshop" / "static" / "shop.css", "a{}")
    write(tmp_path / "vnews" / "__init__.py")
    write(tmp_path / "vcommands" / "__init__.py")
    write(tmp_path / "vcommands" / "apps.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "vstorages" / "__init__.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "vmailer" / "__init__.py")
    write(tmp_path / "vmailer" / "apps.py", "raise RuntimeError('must not run')\n")
    importlib.invalidate_caches()
    return tmp_path


def recorded(root) -> dict:
    """What publish_static records where INSTALLED_APPS also holds the commands' app."""
    apps = [
        {"config": "vshop.apps", "name": "vshop", "sha256": sha(root / "vshop" / "apps.py")},
        {"config": "django.apps.config", "name": "vnews", "sha256": django_config_sha()},
        {
            "config": "vcommands.apps",
            "name": "vcommands",
            "sha256": sha(root / "vcommands/apps.py"),
        },
    ]
    return {
        "apps": apps,
        "ignore_patterns": ["*~", ".*", "CVS"],
        "installed_apps": ["vshop", "vnews", "vcommands"],
        "staticfiles_finders": FINDERS,
    }


def sha(path) -> str:
    return finders.file_sha256(str(path))


def django_config_sha() -> str:
    return finders.file_sha256(finders.module_location("django.apps.config")[0])


def settings(*apps: str, finders_setting=FINDERS) -> SimpleNamespace:
    return SimpleNamespace(INSTALLED_APPS=list(apps), STATICFILES_FINDERS=list(finders_setting))


def test_an_app_only_the_publishing_settings_install_does_not_matter(apps_path):
    found = finders.vouch(settings("vshop", "vnews"), recorded(apps_path))
    assert isinstance(found, finders.Vouched), found
    assert found.folders == [
        ("vshop", str(apps_path / "vshop")),
        ("vnews", str(apps_path / "vnews")),
    ]


def test_an_added_app_with_the_default_appconfig_is_vouched_for_without_importing_it(apps_path):
    found = finders.vouch(settings("vstorages", "vshop", "vnews"), recorded(apps_path))
    assert isinstance(found, finders.Vouched), found
    assert found.folders[0] == ("vstorages", str(apps_path / "vstorages"))
    assert found.apps[0] == {"config": "django.apps.config", "name": "vstorages"}


def test_the_settings_order_is_the_listing_order(apps_path):
    found = finders.vouch(settings("vnews", "vshop"), recorded(apps_path))
    assert [name for name, _ in found.folders] == ["vnews", "vshop"]


def test_an_added_app_with_an_apps_module_needs_a_record_and_says_which(apps_path):
    gap = finders.vouch(settings("vshop", "vmailer"), recorded(apps_path))
    assert isinstance(gap, finders.Gap)
    assert "'vmailer' of INSTALLED_APPS is not in it" in gap.why
    assert gap.fix == (
        "run 'python manage.py publish_static' with settings that install 'vmailer' and commit "
        "the static cache"
    )


def test_an_added_app_that_cannot_be_found_is_left_to_django(apps_path):
    gap = finders.vouch(settings("vshop", "no_such_app_here"), recorded(apps_path))
    assert isinstance(gap, finders.Gap)
    assert "'no_such_app_here'" in gap.why


def test_an_appconfig_file_of_another_version_asks_for_the_deployed_packages(apps_path):
    record = recorded(apps_path)
    write(apps_path / "vshop" / "apps.py", "# another version\n")
    gap = finders.vouch(settings("vshop", "vnews"), record)
    assert isinstance(gap, finders.Gap)
    assert "is not the file it was written with" in gap.why
    assert "with the packages the app deploys" in gap.fix


def test_other_finders_ask_for_a_publish_with_those_finders(apps_path):
    gap = finders.vouch(
        settings("vshop", finders_setting=[finders.FILE_SYSTEM_FINDER]), recorded(apps_path)
    )
    assert isinstance(gap, finders.Gap)
    assert "STATICFILES_FINDERS" in gap.why and "with settings that have these finders" in gap.fix


def test_an_entry_twice_or_a_clashing_label_is_left_to_django(apps_path):
    assert isinstance(finders.vouch(settings("vshop", "vshop"), recorded(apps_path)), finders.Gap)
    write(apps_path / "other" / "vnews" / "__init__.py")
    write(apps_path / "other" / "__init__.py")
    importlib.invalidate_caches()
    gap = finders.vouch(settings("vnews", "other.vnews"), recorded(apps_path))
    assert isinstance(gap, finders.Gap) and "label" in gap.why
