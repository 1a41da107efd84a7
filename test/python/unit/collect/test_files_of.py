"""The settings-only listing of a static folder gives what Django's ``get_files`` gives."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles.utils import get_files
from django.core.files.storage import FileSystemStorage

from django_s3_static.collect.finders import files_of

PATTERNS = [
    [],
    ["CVS", ".*", "*~"],  # Django's defaults
    ["*.map", "admin/*", "vendor"],  # by name, by path below a folder, a folder
    ["css/*/b.css", "?.js", "[ab]*"],
]


@pytest.fixture(autouse=True)
def folders_of_their_own(monkeypatch):
    """The storages take their folder from the test, no setting from Django's."""
    media = SimpleNamespace(MEDIA_ROOT="", MEDIA_URL="/media/")
    monkeypatch.setattr("django.core.files.storage.filesystem.settings", media)


@pytest.fixture
def static(tmp_path):
    names = [
        "a.js", "b.js", "x.js", "site.css", "site.css.map", "notes~", ".hidden", "CVS/entry",
        "css/a.css", "css/b.css", "css/deep/b.css", "css/deep/c.css", "admin/x.css",
        "vendor/lib.js", "img/.cache/x.png", "img/logo.png", "sp ace/é.txt",
    ]  # fmt: skip
    for name in names:
        path = tmp_path / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    os.symlink(tmp_path / "static" / "css", tmp_path / "static" / "linked")
    return tmp_path / "static"


@pytest.mark.parametrize("patterns", PATTERNS)
def test_the_same_names_in_the_same_order_as_django(static, patterns):
    storage = FileSystemStorage(static)
    assert list(files_of(storage, patterns)) == list(get_files(storage, patterns))


def test_a_storage_that_lists_its_own_way_is_listed_by_django(static):
    class Listing(FileSystemStorage):
        def listdir(self, path):
            return [], ["only.css"] if path == "" else []

    assert list(files_of(Listing(static), [])) == ["only.css"]
