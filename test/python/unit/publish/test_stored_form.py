"""The form each collected file is stored in, against what the bucket already holds (pure, but for
reading the collected files it compresses)."""

from __future__ import annotations

import hashlib

from django_s3_static.format.static_cache import StaticObject
from django_s3_static.publish import stored_form
from django_s3_static.publish.collected_files import CollectedFiles
from django_s3_static.s3.encoding import gzip_bytes, integrity
from django_s3_static.s3.types import RemoteObject

CSS = b"body { margin: 0; padding: 0; color: #333; }\n" * 50
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def collected(tmp_path, files: dict[str, bytes]) -> dict[str, StaticObject]:
    objects = {}
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        digest = integrity(data) if name.endswith(".css") else None
        objects[name] = StaticObject(len(data), md5(data), None, digest)
    return objects


def remote(data: bytes) -> RemoteObject:
    return RemoteObject(len(data), md5(data))


def key(name: str) -> str:
    return f"static/{name}"


HASHED = {"css/a.0123456789ab.css", "img/b.0123456789ab.png"}


def test_a_cold_bucket_uploads_everything_and_compresses_the_compressible(tmp_path):
    objects = collected(tmp_path, {"css/a.0123456789ab.css": CSS, "img/b.0123456789ab.png": PNG})
    plan = stored_form.plan(objects, None, {}, key, "gzip", HASHED, CollectedFiles(str(tmp_path)))
    assert plan.uploads == objects and plan.present == {} and plan.conflicts == []
    assert plan.compress == {"css/a.0123456789ab.css"}
    off = stored_form.plan(objects, None, {}, key, "off", HASHED, CollectedFiles(str(tmp_path)))
    assert off.compress == set()


def test_objects_already_there_keep_their_form_whichever_it_is(tmp_path):
    """Stored as collected by an older build, or gzip by a newer one: both are kept as they are
    (never re-uploaded, never a conflict), and the cache records what the bucket holds."""
    objects = collected(tmp_path, {"css/a.0123456789ab.css": CSS, "img/b.0123456789ab.png": PNG})
    gz = gzip_bytes(CSS)
    as_collected = {key(n): remote(d) for n, d in (("css/a.0123456789ab.css", CSS),)}
    as_collected[key("img/b.0123456789ab.png")] = remote(PNG)
    plan = stored_form.plan(
        objects, None, as_collected, key, "gzip", HASHED, CollectedFiles(str(tmp_path))
    )
    assert plan.present == objects and plan.uploads == {} and plan.checked == 0
    compressed = {**as_collected, key("css/a.0123456789ab.css"): remote(gz)}
    plan = stored_form.plan(
        objects, None, compressed, key, "off", HASHED, CollectedFiles(str(tmp_path))
    )
    assert plan.uploads == {} and plan.conflicts == []
    assert plan.present["css/a.0123456789ab.css"] == StaticObject(
        len(gz), md5(gz), "gzip", integrity(CSS)
    )
    assert plan.checked == 1  # compressed here to compare: the committed cache did not say


def test_the_committed_cache_saves_compressing_an_unchanged_file_again(tmp_path):
    objects = collected(tmp_path, {"css/a.0123456789ab.css": CSS})
    gz = gzip_bytes(CSS)
    recorded = StaticObject(len(gz), md5(gz), "gzip", integrity(CSS))
    (tmp_path / "css" / "a.0123456789ab.css").unlink()  # it would fail if it read the file
    inventory = {key("css/a.0123456789ab.css"): remote(gz)}
    committed = {"css/a.0123456789ab.css": recorded}
    plan = stored_form.plan(
        objects, committed, inventory, key, "gzip", HASHED, CollectedFiles(str(tmp_path))
    )
    assert plan.present == {"css/a.0123456789ab.css": recorded} and plan.checked == 0


def test_a_hashed_name_with_other_content_is_a_conflict_an_unhashed_copy_is_replaced(tmp_path):
    objects = collected(tmp_path, {"css/a.0123456789ab.css": CSS, "css/a.css": CSS})
    other = b"body { color: red }\n" * 50
    inventory = {key("css/a.0123456789ab.css"): remote(other), key("css/a.css"): remote(other)}
    plan = stored_form.plan(
        objects, None, inventory, key, "gzip", HASHED, CollectedFiles(str(tmp_path))
    )
    assert [(d.name, d.reason) for d in plan.conflicts] == [("css/a.0123456789ab.css", "size")]
    assert list(plan.uploads) == ["css/a.css"] and plan.compress == {"css/a.css"}


def test_with_etags_that_are_not_md5s_sizes_decide(tmp_path):
    """SSE-KMS: no ETag is an MD5, so the gzip form is recognised by its size alone."""
    objects = collected(tmp_path, {"css/a.0123456789ab.css": CSS})
    gz = gzip_bytes(CSS)
    inventory = {key("css/a.0123456789ab.css"): RemoteObject(len(gz), "f" * 32)}
    plan = stored_form.plan(
        objects, None, inventory, key, "gzip", HASHED, CollectedFiles(str(tmp_path))
    )
    assert plan.present["css/a.0123456789ab.css"].encoding == "gzip"


def test_a_record_carried_over_without_its_file_is_taken_as_it_is(tmp_path):
    """An incremental collect carries unchanged records from the committed cache: no file to
    compress, and a stored form already."""
    gz = gzip_bytes(CSS)
    carried = StaticObject(len(gz), md5(gz), "gzip", integrity(CSS))
    plain = StaticObject(len(CSS), md5(CSS), None, integrity(CSS))
    objects = {"css/a.0123456789ab.css": carried, "css/a.css": plain}
    inventory = {key("css/a.0123456789ab.css"): remote(gz), key("css/a.css"): remote(gz)}
    plan = stored_form.plan(
        objects, None, inventory, key, "gzip", HASHED, CollectedFiles(str(tmp_path))
    )
    assert plan.present == {"css/a.0123456789ab.css": carried}
    assert list(plan.uploads) == ["css/a.css"]  # no file to compare with: uploaded again
