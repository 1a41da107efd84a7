"""The finders record a publish keeps: what it names, and the apps it vouches for none of."""

from __future__ import annotations

import json

import pytest

from django_s3_static.format import finders_record, static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support import finders_project
from support.finders_project import APPS, DEFAULT_FINDERS, MUTATIONS, published, write
from support.finders_record import valid_record

project = finders_project.project


def test_the_record_names_each_app_and_the_file_defining_its_appconfig(project):
    recorded = published(project)["finders"]
    assert recorded["installed_apps"] == APPS
    assert recorded["staticfiles_finders"] == DEFAULT_FINDERS
    assert recorded["ignore_patterns"] == sorted(["CVS", ".*", "*~"])
    by_name = {app["name"]: app for app in recorded["apps"]}
    assert [app["name"] for app in recorded["apps"]] == [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.staticfiles",
        "shop",
        "blog",
        "news",
    ]
    assert by_name["shop"]["config"] == "shop.apps"
    assert by_name["blog"]["config"] == "blog.apps"
    assert by_name["news"]["config"] == "django.apps.config"
    shop_apps = (project / "shop" / "apps.py").read_bytes()
    import hashlib

    assert by_name["shop"]["sha256"] == hashlib.sha256(shop_apps).hexdigest()
    assert recorded["setup_keeps_settings"] is True  # no app's ready() changed a static setting
    assert finders_record.check(recorded) == recorded


def test_an_apps_module_without_an_appconfig_is_not_recorded(project):
    """Django gives such an app its default AppConfig; one added to the file later could move
    the app, and the record vouches for no file of it: no record."""
    write(project / "news" / "apps.py", "# an AppConfig will come here\n")
    assert published(project)["finders"] is None


def test_an_app_whose_appconfig_sets_its_path_is_not_recorded(project):
    MUTATIONS["an AppConfig that moves the app's path"][0](project)
    assert published(project)["finders"] is None


def test_a_custom_finder_is_not_recorded(project):
    MUTATIONS["a finder of the app's own"][0](project)
    assert published(project)["finders"] is None


def test_the_record_round_trips_through_the_committed_cache(tmp_path):
    cache = StaticCache(
        fingerprint="sha256:" + "0" * 64,
        bucket="b",
        prefix="static",
        paths={"a.css": "a.0123456789ab.css"},
        objects={"a.0123456789ab.css": StaticObject(3, "0" * 32)},
        finders=valid_record(),
    )
    written = static_cache.write(cache, str(tmp_path))
    with open(written, encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith('{\n "finders": {\n  "apps": [\n   {"config": "shop.apps"')
    assert static_cache.load(written) == cache
    cache.finders = None
    assert '"finders"' not in cache.to_json()
    assert static_cache.parse(json.loads(cache.to_json())) == cache


def test_a_cache_with_a_malformed_record_is_not_trusted():
    document = json.loads(
        StaticCache("sha256:" + "0" * 64, "b", "", {}, {}, valid_record()).to_json()
    )
    document["finders"]["staticfiles_finders"] = ["x.Finder"]
    with pytest.raises(static_cache.CacheError, match="unknown finder"):
        static_cache.parse(document)
