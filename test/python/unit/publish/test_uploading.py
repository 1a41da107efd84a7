"""Checks made before any upload (pure)."""

import pytest

from django_s3_static.config import Config
from django_s3_static.errors import S3StaticError
from django_s3_static.publish.early_listing import follow_region
from django_s3_static.publish.uploading import refuse_oversized
from django_s3_static.s3.errors import RegionMismatch
from django_s3_static.s3.upload import MAX_PUT_BYTES, UploadJob


def test_a_file_one_put_cannot_store_fails_the_build_by_name():
    jobs = [
        UploadJob("a.css", "/a", 10, "0" * 32, True, "x"),
        UploadJob("video/intro.mp4", "/v", MAX_PUT_BYTES + 1, "0" * 32, False, "x"),
    ]
    with pytest.raises(S3StaticError) as raised:
        refuse_oversized(Config(bucket="bkt"), jobs)
    assert "1 static file larger than S3's 5 GiB limit" in raised.value.title
    assert "video/intro.mp4 (5.0 GiB)" in raised.value.title
    refuse_oversized(Config(bucket="bkt"), jobs[:1])  # small ones pass


def test_the_named_region_is_followed_only_when_none_was_set(capsys):
    mismatch = RegionMismatch("eu-west-1", "The bucket is in eu-west-1, not us-east-1.")
    followed = follow_region(Config(bucket="bkt"), mismatch)
    assert followed.region == "eu-west-1"
    assert "AWS_S3_REGION_NAME=eu-west-1" in capsys.readouterr().out
    with pytest.raises(RegionMismatch):
        follow_region(Config(bucket="bkt", region="us-east-2"), mismatch)


def test_a_file_in_a_records_folder_fails_the_build_before_any_upload():
    """Generated files (a post-processor's output) are checked too, not only the sources."""
    from django_s3_static.format.static_cache import StaticCache, StaticObject
    from django_s3_static.publish.uploading import refuse_records_namespace

    objects = {n: StaticObject(1, "0" * 32) for n in ("css/a.css", "gen/.manifests/b.css")}
    with pytest.raises(S3StaticError) as raised:
        refuse_records_namespace(StaticCache("sha256:x", "b", "p", {}, objects))
    assert "would land where prune_static keeps the release records (.manifests/)" in (
        raised.value.title
    )
    assert "gen/.manifests/b.css" in raised.value.title
    assert "Nothing was uploaded." in raised.value.details[-1]
    refuse_records_namespace(
        StaticCache("sha256:x", "b", "p", {}, {"css/a.css": objects["css/a.css"]})
    )
