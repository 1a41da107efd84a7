"""What heroku/python's CNB collectstatic leaves (``buildpack.cnb_collectstatic``): STATIC_ROOT is
removed from the image only when it is collectstatic's output and nothing more."""

from __future__ import annotations

import os

import pytest

from django_s3_static.buildpack import cnb_collectstatic
from django_s3_static.buildpack.cnb_collectstatic import Decision, removable


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "workspace"
    (root / "staticfiles" / "admin" / "css").mkdir(parents=True)
    (root / "staticfiles" / "admin" / "css" / "base.css").write_text("body {}\n")
    (root / "manage.py").write_text("")
    return root


def test_a_folder_of_collected_files_inside_the_app_is_removable(app):
    assert removable(str(app), str(app / "staticfiles"), []) == Decision(
        folder=os.path.realpath(app / "staticfiles")
    )
    assert removable(str(app), "staticfiles", []).folder  # relative to the app, as Django runs


def test_nothing_to_do_without_static_root_or_its_folder_or_outside_the_app(app, tmp_path):
    assert removable(str(app), None, []) == Decision()
    assert removable(str(app), str(app / "missing"), []) == Decision()
    (tmp_path / "elsewhere").mkdir()
    assert removable(str(app), str(tmp_path / "elsewhere"), []) == Decision()
    assert removable(str(app), str(app), []) == Decision()  # the app itself is not inside it


def test_a_link_a_needed_folder_or_python_modules_keep_it(app, tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", app / "linked")
    (app / "assets" / "src").mkdir(parents=True)
    (app / "assets" / "src" / "site.css").write_text("")
    (app / "pkg" / "static").mkdir(parents=True)
    (app / "pkg" / "models.py").write_text("")
    os.symlink(app / "staticfiles", app / "static-link")
    assert removable(str(app), str(app / "static-link"), []).kept == "it is a link"
    kept = removable(str(app), str(app / "assets"), [str(app / "assets" / "src")]).kept
    assert kept == "it holds assets/src, which the app needs"
    assert removable(str(app), str(app / "pkg"), []).kept == "it holds Python modules (pkg)"
    cache = str(app / "staticfiles" / "cache")
    assert removable(str(app), str(app / "staticfiles"), [cache]).kept.startswith("it holds ")


def facts(**values):
    return {"static_root": None, "staticfiles_backend": None, "staticfiles_dirs": [], **values}


def test_the_build_removes_it_and_says_how_much(app, capsys):
    cache_file = str(app / "static_cache" / "manifest.json")
    found = facts(static_root=str(app / "staticfiles"))
    cnb_collectstatic.clean_up(str(app), str(app / "manage.py"), cache_file, found, {})
    assert not (app / "staticfiles").exists()
    said = capsys.readouterr().out
    assert "Removed staticfiles/ (STATIC_ROOT, 1 file (8 B)) from the image" in said


def test_with_manage_py_below_the_root_heroku_python_ran_nothing_and_nothing_is_touched(
    app, capsys
):
    (app / "src").mkdir()
    manage_py = str(app / "src" / "manage.py")
    cache_file = str(app / "src" / "static_cache" / "manifest.json")
    found = facts(static_root=str(app / "staticfiles"))
    cnb_collectstatic.clean_up(str(app), manage_py, cache_file, found, {})
    assert (app / "staticfiles").is_dir()
    assert capsys.readouterr().out == ""


def test_a_kept_folder_says_why_and_cedars_switch_and_an_s3_storage_are_named(app, capsys):
    (app / "staticfiles" / "tool.py").write_text("")
    found = facts(
        static_root=str(app / "staticfiles"), staticfiles_backend="storages.backends.s3.S3Storage"
    )
    cache_file = str(app / "static_cache" / "manifest.json")
    env = {"DISABLE_COLLECTSTATIC": "1"}
    cnb_collectstatic.clean_up(str(app), str(app / "manage.py"), cache_file, found, env)
    said = capsys.readouterr().out
    assert (app / "staticfiles").is_dir()
    assert "DISABLE_COLLECTSTATIC=1 does nothing here" in said
    assert "in the image: it holds Python modules (staticfiles)" in said
    assert "sent the static files to S3 itself" in said
