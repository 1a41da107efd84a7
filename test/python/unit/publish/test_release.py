"""What a build records of its release: the commit and the app's label (a build cache on disk)."""

from __future__ import annotations

import os

from django_s3_static.publish.release import APP_ID_FILE, cache_label, release_of


def test_the_app_name_config_var_and_the_commit_label_the_release(tmp_path):
    release = release_of(
        {"HEROKU_APP_NAME": "shop-staging"}, str(tmp_path), {"SOURCE_VERSION": "3f9c2a1b7d4e"}
    )
    assert (release.commit, release.app) == ("3f9c2a1b7d4e", "shop-staging")
    assert not os.path.exists(tmp_path / APP_ID_FILE)  # the name is enough
    assert release_of({}, str(tmp_path), {}).commit is None


def test_without_a_name_the_build_cache_keeps_one_id_until_it_is_purged(tmp_path):
    first = release_of({}, str(tmp_path / "cache"), {}).app
    assert first.startswith("cache-") and len(first) == len("cache-") + 8
    assert release_of({"HEROKU_APP_NAME": ""}, str(tmp_path / "cache"), {}).app == first
    os.remove(tmp_path / "cache" / APP_ID_FILE)  # heroku builds:cache:purge
    assert release_of({}, str(tmp_path / "cache"), {}).app != first


def test_a_damaged_id_is_replaced_and_a_cache_that_cannot_keep_one_gives_no_label(tmp_path):
    (tmp_path / APP_ID_FILE).write_text("not an id at all\n")
    label = cache_label(str(tmp_path))
    assert label.startswith("cache-") and label != "cache-not-an-id-at-all"
    assert cache_label(str(tmp_path)) == label
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert cache_label(str(blocked / "cache")) is None
