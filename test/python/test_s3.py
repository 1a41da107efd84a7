"""The S3 module against the real local S3 server (SeaweedFS): listing, uploading, errors."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os

import pytest

from django_s3_static import s3
from django_s3_static.config import Config
from django_s3_static.errors import BuildError
from django_s3_static.plan import HASHED_CACHE_CONTROL
from support.s3server import public_get


def config_for(s3server, bucket: str, **extra: str) -> Config:
    return Config.from_values(
        {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_ACCESS_KEY_ID": s3server.access_key,
            "AWS_SECRET_ACCESS_KEY": s3server.secret_key,
            "AWS_S3_ENDPOINT_URL": s3server.endpoint,
            **extra,
        }
    )


def job(tmp_path, name: str, content: bytes, immutable: bool = True) -> s3.UploadJob:
    path = tmp_path / name.replace("/", "_")
    path.write_bytes(content)
    return s3.UploadJob(name, str(path), len(content), hashlib.md5(content).hexdigest(), immutable)


def test_listing_pages_by_1000_keys_and_stays_in_the_prefix(s3server, bucket):
    client = s3server.client()
    names = [f"static/f{i:05d}.txt" for i in range(1999)] + ["other/outside.txt"]
    names += ["static/a b/ç+%20.css", "static/x/&<>'\".js"]  # keys the XML and the URL must carry
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=bucket, Key=key, Body=b"x"), names))
    config = config_for(s3server, bucket, AWS_LOCATION="static")
    inventory, requests = s3mod_list(config)
    assert requests == 3  # ceil(2001 / 1000)
    assert len(inventory) == 2001
    assert all(key.startswith("static/") for key in inventory)
    assert inventory["static/f00000.txt"].md5 == hashlib.md5(b"x").hexdigest()
    assert "static/a b/ç+%20.css" in inventory
    assert "static/x/&<>'\".js" in inventory
    assert inventory["static/f00000.txt"].modified > 1.7e9  # seconds since the epoch


def s3mod_list(config: Config):
    return s3.list_inventory(s3.make_client(config), config)


def test_upload_sets_type_cache_control_and_is_public(s3server, bucket, tmp_path):
    config = config_for(s3server, bucket, AWS_LOCATION="static")
    jobs = [
        job(tmp_path, "css/site.0123456789ab.css", b"body { color: red }"),
        job(tmp_path, "js/app.0123456789ab.js", b"console.log(1)"),
        job(tmp_path, "fonts/f.0123456789ab.woff2", b"\x00woff2"),
        job(tmp_path, "css/site.css", b"body { color: red }", immutable=False),
    ]
    result = s3.upload(config, jobs, lambda j: "immutable!" if j.immutable else "short")
    assert sorted(result.uploaded) == sorted(j.name for j in jobs)
    assert result.failed == []
    status, headers, body = public_get(
        f"{s3server.endpoint}/{bucket}/static/css/site.0123456789ab.css"
    )
    assert (status, body) == (200, b"body { color: red }")
    assert headers["Content-Type"] == "text/css; charset=utf-8"
    assert headers["Cache-Control"] == "immutable!"
    _, headers, _ = public_get(f"{s3server.endpoint}/{bucket}/static/js/app.0123456789ab.js")
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    _, headers, _ = public_get(f"{s3server.endpoint}/{bucket}/static/fonts/f.0123456789ab.woff2")
    assert headers["Content-Type"] == "font/woff2"
    _, headers, _ = public_get(f"{s3server.endpoint}/{bucket}/static/css/site.css")
    assert headers["Cache-Control"] == "short"


def test_hashed_objects_are_never_overwritten(s3server, bucket, tmp_path):
    config = config_for(s3server, bucket)
    client = s3.make_client(config)
    first = job(tmp_path, "a.0123456789ab.css", b"first")
    assert s3.upload(config, [first], lambda j: HASHED_CACHE_CONTROL).uploaded == [first.name]
    (tmp_path / "other").mkdir()
    second = job(tmp_path / "other", "a.0123456789ab.css", b"second")
    result = s3.upload(config, [second], lambda j: HASHED_CACHE_CONTROL)
    assert result.already_there == [second.name]
    assert client.get_object(Bucket=bucket, Key=first.name)["Body"].read() == b"first"


def test_a_corrupted_body_is_refused_by_content_md5(s3server, bucket, tmp_path):
    config = config_for(s3server, bucket)
    bad = job(tmp_path, "x.0123456789ab.css", b"real content")
    bad = s3.UploadJob(bad.name, bad.path, bad.size, hashlib.md5(b"other").hexdigest(), True)
    result = s3.upload(config, [bad], lambda j: HASHED_CACHE_CONTROL)
    assert result.uploaded == []
    assert [name for name, _ in result.failed] == [bad.name]


def test_read_only_credentials_name_the_missing_permission(s3server, bucket, tmp_path):
    env = s3server.env
    config = Config.from_values(
        {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_ACCESS_KEY_ID": env["DSS_TEST_S3_READ_ACCESS_KEY"],
            "AWS_SECRET_ACCESS_KEY": env["DSS_TEST_S3_READ_SECRET_KEY"],
            "AWS_S3_ENDPOINT_URL": s3server.endpoint,
        }
    )
    client = s3.make_client(config)
    inventory, _ = s3.list_inventory(client, config)  # listing is allowed
    assert inventory == {}
    result = s3.upload(config, [job(tmp_path, "a.css", b"a")], lambda j: "x")
    error = result.failed[0][1]
    assert "Access denied" in error.title
    assert any("s3:PutObject" in line for line in error.details)


@pytest.mark.parametrize(
    "change, title",
    [
        ({"AWS_SECRET_ACCESS_KEY": "wrong-secret-0123456789"}, "S3 refused the credentials"),
        ({"AWS_STORAGE_BUCKET_NAME": "no-such-bucket-x"}, "does not exist"),
        ({"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9"}, "Cannot reach http://127.0.0.1:9"),
    ],
)
def test_listing_errors_say_what_failed(s3server, bucket, change, title):
    config = config_for(s3server, bucket, **change)
    with pytest.raises(BuildError) as raised:
        s3.list_inventory(s3.make_client(config), config)
    assert title in raised.value.title
    assert "wrong-secret" not in str(raised.value.title) + " ".join(raised.value.details)


def test_fetch_public_reports_refusal_and_success(s3server, tmp_path):
    private = s3server.bucket(public=False)
    s3server.client().put_object(Bucket=private, Key="a.css", Body=b"a")
    assert s3mod_fetch(f"{s3server.endpoint}/{private}/a.css").startswith("HTTP 403")
    public = s3server.bucket(public=True)
    s3server.client().put_object(Bucket=public, Key="a.css", Body=b"a")
    assert s3mod_fetch(f"{s3server.endpoint}/{public}/a.css") is None


def s3mod_fetch(url: str):
    return s3.fetch_public(url, timeout=5)


def test_content_types():
    assert s3.content_type("a.js") == "text/javascript; charset=utf-8"
    assert s3.content_type("a.mjs") == "text/javascript; charset=utf-8"
    assert s3.content_type("a.css") == "text/css; charset=utf-8"
    assert s3.content_type("a.svg") == "image/svg+xml"
    assert s3.content_type("a.woff2") == "font/woff2"
    assert s3.content_type("a.TTF") == "font/ttf"
    assert s3.content_type("a.png") == "image/png"
    assert s3.content_type("noext") == "application/octet-stream"
    assert os.path.splitext("x.map")[1] == ".map" and s3.content_type("x.map") == "application/json"
