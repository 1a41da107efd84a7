"""The S3 client against both real local S3 servers (SeaweedFS and Ceph RGW): listing, uploading,
conditional writes, errors."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os

import pytest

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.errors import S3StaticError
from django_s3_static.publish.early_listing import list_inventory
from django_s3_static.s3 import listing
from django_s3_static.s3 import upload as upload_module
from django_s3_static.s3.bucket import Bucket
from django_s3_static.s3.compare import HASHED_CACHE_CONTROL
from django_s3_static.s3.public import fetch_public
from django_s3_static.s3.upload import Uploader, UploadJob
from support.dyno import ROOT
from support.s3server import public_get


def config_for(server, bucket: str, **extra: str) -> Config:
    return Config.from_values(deploy_config(server, bucket, **extra))


def job(
    tmp_path, name: str, content: bytes, immutable: bool = True, cache_control: str = "x"
) -> UploadJob:
    path = tmp_path / name.replace("/", "_")
    path.write_bytes(content)
    md5 = hashlib.md5(content).hexdigest()
    return UploadJob(name, str(path), len(content), md5, immutable, cache_control)


def upload(config: Config, jobs: list[UploadJob]):
    return Uploader(config).run(jobs)


def test_listing_pages_by_1000_keys_and_stays_in_the_prefix(anys3, bucket):
    client = anys3.client()
    names = [f"static/f{i:05d}.txt" for i in range(1999)] + ["other/outside.txt"]
    names += ["static/a b/ç+%20.css", "static/x/&<>'\".js"]  # keys the XML and the URL must carry
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=bucket, Key=key, Body=b"x"), names))
    config = config_for(anys3, bucket, AWS_LOCATION="static")
    inventory, requests = s3mod_list(config)
    assert requests == 3  # ceil(2001 / 1000)
    assert len(inventory) == 2001
    assert all(key.startswith("static/") for key in inventory)
    assert inventory["static/f00000.txt"].md5 == hashlib.md5(b"x").hexdigest()
    assert "static/a b/ç+%20.css" in inventory
    assert "static/x/&<>'\".js" in inventory
    assert inventory["static/f00000.txt"].modified > 1.7e9  # seconds since the epoch

    # The same objects in ranges at once: the build expects most of them (an older release's
    # keys lie between, and before and after them); the ranges find every object.
    expected = [n for i, n in enumerate(names[:-3]) if i % 7] + names[-2:]
    expected = [name.removeprefix("static/") for name in expected]
    ranged, ranged_requests = list_inventory(config, expected)
    assert ranged == inventory  # keys, sizes, ETags and dates
    ranges = len(listing.ranges(sorted(f"static/{name}" for name in expected)))
    assert ranges == 2  # 1,715 keys expected: two pages, two ranges
    # Each range reads its own pages; the others cost at most one more page per range.
    assert requests <= ranged_requests <= requests + ranges - 1


def s3mod_list(config: Config):
    return list_inventory(config)


def test_upload_sets_type_cache_control_and_is_public(anys3, bucket, tmp_path):
    config = config_for(anys3, bucket, AWS_LOCATION="static")
    jobs = [
        job(tmp_path, "css/site.0123456789ab.css", b"body { color: red }", True, "immutable!"),
        job(tmp_path, "js/app.0123456789ab.js", b"console.log(1)", True, "immutable!"),
        job(tmp_path, "fonts/f.0123456789ab.woff2", b"\x00woff2", True, "immutable!"),
        job(tmp_path, "css/site.css", b"body { color: red }", False, "short"),
    ]
    result = upload(config, jobs)
    assert sorted(result.uploaded) == sorted(j.name for j in jobs)
    assert result.failed == []
    status, headers, body = public_get(
        f"{anys3.endpoint}/{bucket}/static/css/site.0123456789ab.css"
    )
    assert (status, body) == (200, b"body { color: red }")
    assert headers["Content-Type"] == "text/css; charset=utf-8"
    assert headers["Cache-Control"] == "immutable!"
    _, headers, _ = public_get(f"{anys3.endpoint}/{bucket}/static/js/app.0123456789ab.js")
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    _, headers, _ = public_get(f"{anys3.endpoint}/{bucket}/static/fonts/f.0123456789ab.woff2")
    assert headers["Content-Type"] == "font/woff2"
    _, headers, _ = public_get(f"{anys3.endpoint}/{bucket}/static/css/site.css")
    assert headers["Cache-Control"] == "short"


def test_hashed_objects_are_never_overwritten(anys3, bucket, tmp_path):
    config = config_for(anys3, bucket)
    first = job(tmp_path, "a.0123456789ab.css", b"first", True, HASHED_CACHE_CONTROL)
    assert upload(config, [first]).uploaded == [first.name]
    (tmp_path / "other").mkdir()
    second = job(tmp_path / "other", "a.0123456789ab.css", b"second", True, HASHED_CACHE_CONTROL)
    result = upload(config, [second])
    assert result.already_there == [second.name]
    with Bucket(config) as bucket_client:
        assert bucket_client.get(first.name) == b"first"


def test_a_corrupted_body_is_refused_by_content_md5(anys3, bucket, tmp_path):
    config = config_for(anys3, bucket)
    bad = job(tmp_path, "x.0123456789ab.css", b"real content")
    bad = UploadJob(bad.name, bad.path, bad.size, hashlib.md5(b"other").hexdigest(), True, "x")
    result = upload(config, [bad])
    assert result.uploaded == []
    assert [name for name, _ in result.failed] == [bad.name]


def test_read_only_credentials_name_the_missing_permission(anys3, bucket, tmp_path):
    env = anys3.env
    config = Config.from_values(
        {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_ACCESS_KEY_ID": env["DSS_TEST_S3_READ_ACCESS_KEY"],
            "AWS_SECRET_ACCESS_KEY": env["DSS_TEST_S3_READ_SECRET_KEY"],
            "AWS_S3_ENDPOINT_URL": anys3.endpoint,
        }
    )
    inventory, _ = list_inventory(config)  # listing is allowed
    assert inventory == {}
    result = upload(config, [job(tmp_path, "a.css", b"a")])
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
def test_listing_errors_say_what_failed(anys3, bucket, change, title):
    config = config_for(anys3, bucket, **change)
    with pytest.raises(S3StaticError) as raised:
        list_inventory(config)
    assert title in raised.value.title
    assert "wrong-secret" not in str(raised.value.title) + " ".join(raised.value.details)


def test_fetch_public_reports_refusal_and_success(anys3, tmp_path):
    private = anys3.bucket(public=False)
    anys3.client().put_object(Bucket=private, Key="a.css", Body=b"a")
    assert s3mod_fetch(f"{anys3.endpoint}/{private}/a.css").startswith("HTTP 403")
    public = anys3.bucket(public=True)
    anys3.client().put_object(Bucket=public, Key="a.css", Body=b"a")
    assert s3mod_fetch(f"{anys3.endpoint}/{public}/a.css") is None


def s3mod_fetch(url: str):
    return fetch_public(url, timeout=5)


BOTO3_FREE = """
import hashlib, json, os, sys

class NoBoto:  # refuses boto3 and botocore: the fast path and uploads must not need them
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("boto3", "botocore", "s3transfer"):
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, NoBoto())
from django_s3_static.config import Config
from django_s3_static.s3.bucket import Bucket
from django_s3_static.s3.upload import Uploader, UploadJob

config = Config.from_values(json.loads(sys.argv[1]))
path = sys.argv[2]
content = open(path, "rb").read()
job = UploadJob("css/a.0123456789ab.css", path, len(content),
                hashlib.md5(content).hexdigest(), True, "public, max-age=1")
result = Uploader(config).run([job])
with Bucket(config) as bucket:
    bucket.put_small("static/.manifests/20261128T000000Z-local-0123456789ab.json", b'{"a": 1}',
                     "application/json", "no-store")
    inventory, requests = bucket.list()
print(json.dumps({"uploaded": result.uploaded, "failed": [n for n, _ in result.failed],
                  "keys": sorted(inventory), "requests": requests,
                  "imported": sorted(m for m in sys.modules if m.startswith(("boto", "s3t")))}))
"""


def test_explicit_keys_list_upload_and_record_without_boto3(anys3, bucket, tmp_path):
    import json
    import subprocess
    import sys

    values = deploy_config(anys3, bucket, AWS_LOCATION="static")
    css = tmp_path / "a.css"
    css.write_bytes(b"body { color: blue }")
    lib = os.path.join(ROOT, "lib")
    process = subprocess.run(
        [sys.executable, "-c", BOTO3_FREE, json.dumps(values), str(css)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": lib},
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    answer = json.loads(process.stdout)
    assert answer["uploaded"] == ["css/a.0123456789ab.css"] and answer["failed"] == []
    assert answer["keys"] == [
        "static/.manifests/20261128T000000Z-local-0123456789ab.json",
        "static/css/a.0123456789ab.css",
    ]
    assert answer["requests"] == 1
    assert answer["imported"] == []
    stored = anys3.client().get_object(
        Bucket=bucket, Key="static/.manifests/20261128T000000Z-local-0123456789ab.json"
    )
    assert stored["Body"].read() == b'{"a": 1}' and stored["CacheControl"] == "no-store"


def test_without_explicit_keys_boto3_finds_the_credentials(anys3, bucket, tmp_path):
    """No keys in the settings or config vars: boto3's own chain (here a shared credentials
    file, as a developer's machine has) signs the same requests."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {anys3.access_key}\n"
        f"aws_secret_access_key = {anys3.secret_key}\n"
    )
    config = Config.from_values(
        {"AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": anys3.endpoint}
    )
    saved = {k: os.environ.pop(k, None) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
    try:
        result = upload(config, [job(tmp_path, "b.css", b"b", False)])
        inventory, _ = list_inventory(config)
    finally:
        os.environ.pop("AWS_SHARED_CREDENTIALS_FILE")
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    assert result.uploaded == ["b.css"]
    assert list(inventory) == ["b.css"]


def test_the_publish_record_is_retried_like_uploads(anys3, bucket):
    from support.faultproxy import FaultProxy

    with FaultProxy(anys3.endpoint, seed=7) as proxy:
        proxy.set_faults("PUT", limit=2, slowdown=1.0)  # the first two PUTs: 503 SlowDown
        config = config_for(anys3, bucket, AWS_S3_ENDPOINT_URL=proxy.url)
        with Bucket(config) as client:
            client.put_small(".manifests/r.json", b"{}", "application/json", "no-store")
        assert proxy.count("PUT") == 3
    assert anys3.client().get_object(Bucket=bucket, Key=".manifests/r.json")["Body"].read() == b"{}"


def _committed(bucket: str, prefix: str = "static"):
    from django_s3_static.format.static_cache import StaticCache

    return StaticCache("sha256:" + "0" * 64, bucket, prefix)


def test_the_early_listing_is_used_only_when_the_settings_list_the_same_place(anys3, bucket):
    from django_s3_static.publish.early_listing import EarlyListing

    anys3.client().put_object(Bucket=bucket, Key="static/a.css", Body=b"a")
    values = deploy_config(anys3, bucket, AWS_LOCATION="static")
    config = Config.from_values(values)

    same = EarlyListing(values, _committed(bucket))
    inventory, requests, seconds = same.result(config)
    assert list(inventory) == ["static/a.css"] and requests == 1 and seconds is not None

    # Published elsewhere (a bucket that does not even exist): that listing's error is dropped,
    # and the configured place is listed.
    moved = EarlyListing(values, _committed("no-such-bucket-early"))
    inventory, requests, seconds = moved.result(config)
    assert list(inventory) == ["static/a.css"] and seconds is None

    # The settings use other credentials than the config vars: listed again with theirs.
    other = EarlyListing({**values, "AWS_SECRET_ACCESS_KEY": "wrong-secret-x"}, _committed(bucket))
    inventory, _, seconds = other.result(config)
    assert list(inventory) == ["static/a.css"] and seconds is None

    # No committed cache, or no explicit keys: nothing is listed early.
    assert EarlyListing(values, None).config is None
    keyless = {k: v for k, v in values.items() if not k.startswith("AWS_SECRET")}
    assert EarlyListing(keyless, _committed(bucket)).config is None


def test_an_early_listing_error_is_the_answer_when_the_place_is_the_same(anys3):
    from django_s3_static.publish.early_listing import EarlyListing

    values = deploy_config(anys3, "no-such-bucket-early", AWS_LOCATION="static")
    early = EarlyListing(values, _committed("no-such-bucket-early"))
    with pytest.raises(S3StaticError, match="does not exist"):
        early.result(Config.from_values(values))


def test_a_refused_first_put_stops_the_upload_after_one_request(
    anys3, bucket, tmp_path, monkeypatch
):
    """Credentials that may not write: one PUT is refused, the other 49 are never sent.

    The head start is widened so a loaded machine cannot answer after it ends (by default the
    rest start after 25 ms, and would each be refused in turn)."""
    from support.faultproxy import FaultProxy

    monkeypatch.setattr(upload_module, "FIRST_PUT_HEAD_START", 30.0)
    env = anys3.env
    jobs = [job(tmp_path, f"f{i}.0123456789ab.css", b"x%d" % i) for i in range(50)]
    with FaultProxy(anys3.endpoint) as proxy:  # no faults: it counts what reaches the server
        config = Config.from_values(
            {
                "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_ACCESS_KEY_ID": env["DSS_TEST_S3_READ_ACCESS_KEY"],
                "AWS_SECRET_ACCESS_KEY": env["DSS_TEST_S3_READ_SECRET_KEY"],
                "AWS_S3_ENDPOINT_URL": proxy.url,
            }
        )
        result = upload(config, jobs)
        assert proxy.count("PUT") == 1
    assert result.uploaded == [] and result.not_sent == 49 and len(result.failed) == 50
    assert result.failed[0][0] == "f0.0123456789ab.css"  # the refused one comes first
    assert all("Access denied" in error.title for _, error in result.failed)
