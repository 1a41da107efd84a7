"""Unhashed copies another uploader replaced: found at their source and stored again as the
static cache records them (``publish.refresh``), or left to a collect."""

from __future__ import annotations

import hashlib
import os

from django_s3_static.format.static_cache import StaticObject
from django_s3_static.publish import refresh
from django_s3_static.s3.compare import ORIGINAL_CACHE_CONTROL, Difference
from django_s3_static.s3.encoding import GZIP, gzip_bytes

CSS = b"body { color: #123456; margin: 0 auto; padding: 0; }\n" * 20


def write(path, data: bytes) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    return str(path)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def gzip_record(data: bytes) -> StaticObject:
    body = gzip_bytes(data)
    return StaticObject(len(body), md5(body), GZIP, None)


def test_the_first_folder_holding_the_name_is_its_source(tmp_path):
    first = write(tmp_path / "app" / "static" / "css" / "site.css", b"app")
    write(tmp_path / "assets" / "css" / "site.css", b"assets")
    prefixed = write(tmp_path / "vendor" / "lib.js", b"lib")
    roots = [
        ["vendor", str(tmp_path / "vendor")],
        ["", str(tmp_path / "app" / "static")],
        ["", str(tmp_path / "assets")],
    ]
    assert refresh.source_file("css/site.css", roots) == first
    assert refresh.source_file("vendor/lib.js", roots) == prefixed
    assert refresh.source_file("lib.js", roots) is None
    assert refresh.source_file("css/none.css", roots) is None


def test_a_link_out_of_its_folder_is_no_source(tmp_path):
    write(tmp_path / "secret.txt", b"secret")
    os.makedirs(tmp_path / "static")
    os.symlink(tmp_path / "secret.txt", tmp_path / "static" / "secret.txt")
    assert refresh.source_file("secret.txt", [["", str(tmp_path / "static")]]) is None


def test_a_copy_stored_gzip_is_stored_gzip_again(tmp_path):
    path = write(tmp_path / "static" / "css" / "site.css", CSS)
    job = refresh.job_for("css/site.css", gzip_record(CSS), path)
    assert job is not None
    assert (job.size, job.md5, job.compress) == (len(CSS), md5(CSS), True)
    assert (job.immutable, job.cache_control) == (False, ORIGINAL_CACHE_CONTROL)


def test_a_copy_stored_as_collected_is_stored_so_again(tmp_path):
    path = write(tmp_path / "static" / "css" / "site.css", CSS)
    job = refresh.job_for("css/site.css", StaticObject(len(CSS), md5(CSS), None, None), path)
    assert job is not None and job.compress is False


def test_a_source_that_does_not_give_the_recorded_object_is_left_to_a_collect(tmp_path):
    """A copy post-processing made (or a source edited since): another object than recorded."""
    path = write(tmp_path / "static" / "css" / "site.css", CSS + b"/* edited */")
    assert refresh.job_for("css/site.css", gzip_record(CSS), path) is None
    objects = {"css/site.css": gzip_record(CSS), "js/bundle.js": gzip_record(CSS)}
    diffs = [Difference("css/site.css", "size"), Difference("js/bundle.js", "md5")]
    write(tmp_path / "static" / "js" / "other.js", CSS)
    jobs, left = refresh.plan(diffs, objects, [["", str(tmp_path / "static")]])
    assert jobs == [] and left == diffs


def test_without_source_folders_every_copy_is_left_to_a_collect(tmp_path):
    diffs = [Difference("css/site.css", "size")]
    assert refresh.plan(diffs, {"css/site.css": gzip_record(CSS)}, None) == ([], diffs)


def test_copies_their_sources_give_are_planned(tmp_path):
    write(tmp_path / "static" / "css" / "site.css", CSS)
    diffs = [Difference("css/site.css", "size")]
    jobs, left = refresh.plan(
        diffs, {"css/site.css": gzip_record(CSS)}, [["", str(tmp_path / "static")]]
    )
    assert [job.name for job in jobs] == ["css/site.css"] and left == []
