"""Reading and hashing the sources as the finders list them (``sources.hash_sources``)."""

from __future__ import annotations

import hashlib
import os
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from django_s3_static.collect import sources
from django_s3_static.errors import S3StaticError


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """What a new process starts without: nothing hashed or checked yet. The storages take
    their folder from the test, no setting from Django's (unconfigured here)."""
    media = SimpleNamespace(MEDIA_ROOT="", MEDIA_URL="/media/")
    monkeypatch.setattr("django.core.files.storage.filesystem.settings", media)
    sources._HASHES.clear()
    sources._PASSED.clear()
    yield
    sources._HASHES.clear()
    sources._PASSED.clear()


def write(path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def listed(storage, *paths):
    return [(path, storage) for path in paths]


def test_each_source_is_hashed_from_its_bytes_the_first_finder_winning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    big = os.urandom(sources.CHUNK * 2 + 5)  # read in several pieces
    write(tmp_path / "one" / "css" / "a.css", b"first")
    write(tmp_path / "two" / "css" / "a.css", b"second")
    write(tmp_path / "two" / "big.bin", big)
    one, two = FileSystemStorage(tmp_path / "one"), FileSystemStorage(tmp_path / "two")
    found = sources.hash_sources(
        listed(one, "css/a.css") + listed(two, "css/a.css", "big.bin"), keep={"big.bin"}
    )
    assert found.digests == sorted(
        [
            ("css/a.css", hashlib.sha256(b"first").hexdigest()),
            ("big.bin", hashlib.sha256(big).hexdigest()),
        ]
    )
    assert found.md5s == {
        "css/a.css": hashlib.md5(b"first").hexdigest(),
        "big.bin": hashlib.md5(big).hexdigest(),
    }
    assert found.kept == {"big.bin": big}


def test_without_md5_the_digests_are_the_same_and_no_md5_is_computed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "static" / "a.js", b"alert(1)")
    storage = FileSystemStorage(tmp_path / "static")
    alone = sources.hash_sources(listed(storage, "a.js"), md5=False)
    assert alone.md5s == {}
    sources._HASHES.clear()
    both = sources.hash_sources(listed(storage, "a.js"))
    assert alone.digests == both.digests
    # A file hashed without its MD5 earlier in the process is read again when it is asked.
    sources._HASHES.clear()
    sources.hash_sources(listed(storage, "a.js"), md5=False)
    assert sources.hash_sources(listed(storage, "a.js")).md5s == both.md5s


def test_a_storage_that_reads_its_own_way_is_read_through_its_open(tmp_path, monkeypatch):
    """Only Django's FileSystemStorage is read directly; another storage's ``_open`` decides
    the bytes (a storage that decrypts, or serves from elsewhere)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "static" / "a.css", b"on disk")

    class Transforming(FileSystemStorage):
        def _open(self, name, mode="rb"):
            return ContentFile(b"as the storage reads it", name)

    found = sources.hash_sources(listed(Transforming(tmp_path / "static"), "a.css"))
    assert found.digests == [("a.css", hashlib.sha256(b"as the storage reads it").hexdigest())]


def test_a_link_out_of_the_folder_and_the_app_and_an_unsafe_name_are_refused(tmp_path):
    app = tmp_path / "app"
    write(app / "static" / "ok.css", b"ok")
    write(tmp_path / "secret.txt", b"secret")
    os.symlink(tmp_path / "secret.txt", app / "static" / "leak.css")
    write(app / "static" / "bad\\name.css", b"x")
    os.chdir(app)
    try:
        storage = FileSystemStorage(app / "static")
        with pytest.raises(S3StaticError) as raised:
            sources.hash_sources(listed(storage, "ok.css", "leak.css", "bad\\name.css"))
    finally:
        os.chdir(tmp_path)
    text = "\n".join(raised.value.details)
    assert "2 static files cannot be published" in raised.value.title
    assert f"leak.css: a link to {tmp_path / 'secret.txt'}, outside" in text
    assert "bad\\name.css: the name contains a backslash" in text
    assert "ok.css" not in text
