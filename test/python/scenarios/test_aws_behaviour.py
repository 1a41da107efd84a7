"""Builds and commands against S3 as AWS documents it, where the local server answers otherwise.

Every build goes through ``support.awsproxy.AwsProxy`` in front of the local S3 server
(``AWS_S3_ENDPOINT_URL`` points at it), with one AWS behaviour switched on per test: ETags of
SSE-KMS buckets, listings that write a space as ``+``, ``409 ConditionalRequestConflict``, a store
without conditional writes, a bucket in another region, and ``DeleteObjects`` that requires
``Content-MD5``. The last test sends the build's requests through a forward proxy named by the
``HTTP_PROXY`` config var. Assertions are on what a user sees: exit codes, the build's lines, what
the bucket holds (read from the server directly, not through the proxy), and what the proxies
counted.
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import threading
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import deploy_config
from django_s3_static.config import Config as BuildConfig
from django_s3_static.publish.early_listing import list_inventory
from support.awsproxy import AwsProxy, ForwardProxy, aws_url_encode
from support.dyno import ROOT
from support.s3server import request_counts, stored_objects

PREFIX = "static"
SEED = 20261130
LIB = os.path.join(ROOT, "lib")
FOLLOW = "The bucket is in eu-west-1: following it"
NO_CONDITIONAL = "The bucket does not do conditional writes (If-None-Match)"


@pytest.fixture
def aws(s3server):
    proxy = AwsProxy(s3server.endpoint, seed=SEED).start()
    yield proxy
    proxy.stop()


def configure(slug, s3server, bucket, endpoint, **extra) -> None:
    slug.set_config(
        **deploy_config(
            s3server, bucket, AWS_S3_ENDPOINT_URL=endpoint, AWS_LOCATION=PREFIX, **extra
        )
    )


def manage(slug, command: str):
    """A management command where the whole package is installed (a developer's machine, CI),
    with the slug's config vars: the slug itself carries only the runtime."""
    return slug.local(f"python manage.py {command}", env={"PYTHONPATH": LIB})


def manifest(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def hashed(cache: dict) -> set[str]:
    return {h for original, h in cache["paths"].items() if h != original}


def not_stored(s3server, bucket, cache: dict) -> list[str]:
    """Names the cache references that the bucket lacks, or holds with another size or MD5."""
    present = stored_objects(s3server.client(), bucket)
    return [
        name
        for name, entry in sorted(cache["objects"].items())
        if present.get(f"{PREFIX}/{name}") != (entry["size"], entry["md5"])
    ]


def signed_region(record) -> str | None:
    authorization = record.request_headers.get("Authorization", "")
    return authorization.split("Credential=")[1].split("/")[2] if authorization else None


def boto_client(endpoint: str, s3server, region: str = "us-east-1"):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=s3server.access_key,
        aws_secret_access_key=s3server.secret_key,
        region_name=region,
        config=Config(
            retries={"total_max_attempts": 1},
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def raw(proxy, method: str, target: str, body: bytes = b"", headers: dict | None = None):
    port = int(proxy.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def error_code(exc: ClientError) -> tuple[int, str]:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"]


# -- the proxy itself -----------------------------------------------------------------------------


def test_the_proxy_answers_as_aws_documents(s3server, bucket):
    direct = s3server.client()
    proxy = AwsProxy(s3server.endpoint, seed=SEED).start()
    try:
        via = boto_client(proxy.url, s3server)

        proxy.behave(kms_etags=True)
        put = via.put_object(Bucket=bucket, Key="static/a b.css", Body=b"one")
        md5 = hashlib.md5(b"one").hexdigest()
        etag = proxy.kms_etag("static/a b.css", md5)
        assert put["ETag"] == f'"{etag}"' and etag != md5 and len(etag) == 32
        assert via.head_object(Bucket=bucket, Key="static/a b.css")["ETag"] == f'"{etag}"'
        listed = via.list_objects_v2(Bucket=bucket, Prefix="static/")["Contents"]
        assert [(o["Key"], o["ETag"]) for o in listed] == [("static/a b.css", f'"{etag}"')]
        assert stored_objects(s3server.client(), bucket) == {
            "static/a b.css": (3, md5)
        }  # the server's own

        proxy.behave(kms_etags=False, plus_spaces=True)
        for key in ("static/a+b.css", "static/two words/c d.css"):
            direct.put_object(Bucket=bucket, Key=key, Body=b"two")
        # Asked for explicitly, the encoding is left to the caller: botocore shows it as sent.
        encoded = via.list_objects_v2(Bucket=bucket, Prefix="static/", EncodingType="url")
        assert [o["Key"] for o in encoded["Contents"]] == [
            "static/a+b.css",
            "static/a%2Bb.css",
            "static/two+words/c+d.css",
        ]
        folder = via.list_objects_v2(Bucket=bucket, Prefix="static/two words/", EncodingType="url")
        assert folder["Prefix"] == "static/two+words/"
        # AWS's own example: "test_file(3).png will appear as test_file%283%29.png".
        assert aws_url_encode("static/test_file(3).png") == "static/test_file%283%29.png"
        # botocore's own decoding (unquote_plus) reads what AWS writes.
        decoded = via.list_objects_v2(Bucket=bucket, Prefix="static/")["Contents"]
        assert [o["Key"] for o in decoded] == [
            "static/a b.css",
            "static/a+b.css",
            "static/two words/c d.css",
        ]

        proxy.behave(plus_spaces=False, conflict_409=True)
        conditional = {"Bucket": bucket, "Key": "static/new.css", "IfNoneMatch": "*"}
        with pytest.raises(ClientError) as conflict:
            via.put_object(Body=b"new", **conditional)
        assert error_code(conflict.value) == (409, "ConditionalRequestConflict")
        assert "static/new.css" not in stored_objects(
            s3server.client(), bucket
        )  # nothing was written
        via.put_object(Body=b"new", **conditional)  # the retry passes
        with pytest.raises(ClientError) as taken:
            via.put_object(Body=b"new", **conditional)
        assert error_code(taken.value) == (412, "PreconditionFailed")  # the server's own answer
        via.put_object(Bucket=bucket, Key="static/plain.css", Body=b"p")  # not conditional

        proxy.behave(conflict_409=False, no_conditional=True)
        with pytest.raises(ClientError) as refused:
            via.put_object(Body=b"x", **{**conditional, "Key": "static/other.css"})
        assert error_code(refused.value) == (501, "NotImplemented")
        via.put_object(Bucket=bucket, Key="static/other.css", Body=b"x")

        proxy.behave(no_conditional=False, region="eu-west-1")
        scope = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/{}/s3/aws4_request, X=1"
        elsewhere = {"Authorization": scope.format("us-east-1")}
        status, headers, body = raw(proxy, "GET", f"/{bucket}?list-type=2", headers=elsewhere)
        assert status == 301 and headers["x-amz-bucket-region"] == "eu-west-1"
        assert b"<Code>PermanentRedirect</Code>" in body
        assert f"<Bucket>{bucket}</Bucket>".encode() in body
        status, headers, body = raw(
            proxy, "HEAD", f"/{bucket}", headers={"Authorization": scope.format("us-east-2")}
        )
        assert (status, headers["x-amz-bucket-region"], body) == (301, "eu-west-1", b"")
        presigned = f"/{bucket}/static/a%20b.css?X-Amz-Credential=" + urllib.parse.quote(
            "AKIDEXAMPLE/20261130/us-west-2/s3/aws4_request", safe=""
        )
        assert raw(proxy, "GET", presigned)[0] == 301
        in_region = boto_client(proxy.url, s3server, "eu-west-1")
        assert in_region.list_objects_v2(Bucket=bucket)["KeyCount"] == 6  # signed there: passes
        with urllib.request.urlopen(f"{proxy.url}/{bucket}/static/a%20b.css") as public:
            assert public.read() == b"one"  # unsigned: passes

        proxy.behave(region=None, require_md5_on_delete=True)
        document = b"<Delete><Object><Key>static/plain.css</Key></Object></Delete>"
        status, _, body = raw(proxy, "POST", f"/{bucket}?delete", document)
        assert status == 400 and b"<Code>MissingContentMD5</Code>" in body
        assert "static/plain.css" in stored_objects(s3server.client(), bucket)
        client_md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
        with_md5 = boto_client(proxy.url, s3server)
        with_md5.meta.events.register(
            "before-sign.s3.DeleteObjects",
            lambda request, **kwargs: request.headers.__setitem__("Content-MD5", client_md5),
        )
        with_md5.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": "static/plain.css"}], "Quiet": True}
        )
        assert "static/plain.css" not in stored_objects(s3server.client(), bucket)
    finally:
        proxy.stop()
    assert proxy.behaved["kms_etag"] == 2  # the PUT and the HEAD; the listing counts its own
    assert proxy.behaved["listed_kms_etag"] == 1
    assert proxy.behaved["plus_spaces"] == 3 + 1 + 3  # botocore asks for url encoding itself
    assert proxy.behaved["conflict_409"] == 1
    assert proxy.behaved["not_implemented_501"] == 1
    assert proxy.behaved["permanent_redirect_301"] == 3
    assert proxy.behaved["missing_md5_400"] == 1
    assert proxy.deletes == [
        ([f"{bucket}/static/plain.css"], 400),
        ([f"{bucket}/static/plain.css"], 200),
    ]
    assert [t for t in threading.enumerate() if t.name.startswith("faultproxy")] == []


# -- builds ---------------------------------------------------------------------------------------


def test_kms_bucket_takes_the_fast_path_and_still_refuses_a_hashed_object_of_another_size(
    make_slug, s3server, bucket, aws
):
    """SSE-KMS ETags are not MD5s: sizes alone prove the objects, and a hashed object whose size
    differs is a conflict the build names, never overwrites."""
    aws.behave(kms_etags=True)
    slug = make_slug()
    configure(slug, s3server, bucket, aws.url)
    first = slug.compile()
    assert first.returncode == 0, first.output
    assert "Collecting: no committed static cache" in first.stdout
    cache = manifest(slug)
    assert not_stored(s3server, bucket, cache) == []
    assert aws.behaved["kms_etag"] >= len(cache["objects"])  # every PUT answered a KMS ETag

    aws.reset_counters()
    second = slug.compile()
    assert second.returncode == 0, second.output
    assert "Static files unchanged" in second.stdout
    assert "Collecting" not in second.stdout
    assert [r.key.split("/")[1] for r in aws.puts()] == [".manifests"]  # the release's record
    assert aws.behaved["listed_kms_etag"] == len(cache["objects"]) + 2  # the record, its cache

    verified = manage(slug, "verify_static")
    assert verified.returncode == 0, verified.output
    assert "is fresh: sources and" in verified.stdout

    name = cache["paths"]["css/base.css"]
    key = f"{PREFIX}/{name}"
    tampered = b"/* written by something else */\n" + b"x" * cache["objects"][name]["size"]
    s3server.client().put_object(Bucket=bucket, Key=key, Body=tampered)
    aws.reset_counters()
    third = slug.compile()
    assert third.returncode == 1, third.output
    assert "1 with another size in the bucket (css/base." in third.stdout
    assert f"1 hashed objects in the bucket differ from the built files ({key})" in third.stdout
    assert "Traceback" not in third.output
    assert [r for r in aws.puts() if r.key == key] == []
    body = s3server.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == tampered  # never overwritten


def add_static(slug, name: str, content: bytes) -> None:
    path = os.path.join(slug.build_dir, "exampleapp", "static", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)


def test_names_with_spaces_and_plus_signs_in_aws_encoded_listings(
    make_slug, s3server, bucket, aws, monkeypatch
):
    aws.behave(plus_spaces=True)
    slug = make_slug()
    with open(os.path.join(slug.build_dir, "exampleapp", "static", "img", "logo.png"), "rb") as f:
        png = f.read()
    add_static(slug, "img/a b.png", png)
    add_static(slug, "img/a+b.png", png + b"\0")  # another content: another hash
    add_static(slug, "img/two words/c d.png", png + b"\0\0")
    configure(slug, s3server, bucket, aws.url)
    # Two pushes, two commits: builds of one commit within one second share one record's name.
    monkeypatch.setenv("SOURCE_VERSION", "1111111111111111")
    first = slug.compile()
    assert first.returncode == 0, first.output
    cache = manifest(slug)
    spaced = sorted(n for n in cache["objects"] if " " in n or "+" in n)
    assert len(spaced) == 6  # each file and its hashed copy
    assert not_stored(s3server, bucket, cache) == []

    aws.reset_counters()
    monkeypatch.setenv("SOURCE_VERSION", "2222222222222222")
    second = slug.compile()
    assert second.returncode == 0, second.output
    assert "Static files unchanged" in second.stdout
    assert aws.behaved["plus_spaces"] == 6  # the listing wrote them AWS's way

    client = s3server.client()
    leftovers = [f"{PREFIX}/old/left over.css", f"{PREFIX}/old/left+over.css"]
    for key in leftovers:
        client.put_object(Bucket=bucket, Key=key, Body=b".old {}")
    before = set(stored_objects(s3server.client(), bucket))
    aws.reset_counters()
    pruned = manage(slug, "prune_static --keep 1 --min-age 0")
    assert pruned.returncode == 0, pruned.output
    assert "Deleted 3 objects" in pruned.stdout  # and the first build's record
    sent = [key for keys, status in aws.deletes for key in keys]
    records = [key for key in sent if key.startswith(f"{bucket}/{PREFIX}/.manifests/")]
    assert len(records) == 1
    assert sorted(set(sent) - set(records)) == sorted(f"{bucket}/{key}" for key in leftovers)
    assert all(key.partition("/")[2] in before for key in sent)  # no key that does not exist
    after = stored_objects(s3server.client(), bucket)
    assert not any(key in after for key in leftovers)
    assert not_stored(s3server, bucket, cache) == []  # the spaced files are all still there


def test_conflicting_conditional_writes_are_retried(make_slug, s3server, bucket, aws):
    aws.behave(conflict_409=True)
    slug = make_slug()
    configure(slug, s3server, bucket, aws.url)
    result = slug.compile()
    assert result.returncode == 0, result.output
    cache = manifest(slug)
    assert not_stored(s3server, bucket, cache) == []
    names = {f"{PREFIX}/{name}" for name in hashed(cache)}
    conflicted = {r.key for r in aws.records if r.action == "conflict_409"}
    assert conflicted == names  # every hashed object met a 409 first
    written = {r.key for r in aws.puts() if r.status == 200 and r.if_none_match == "*"}
    assert written == names


def test_a_store_without_conditional_writes_gets_plain_puts(make_slug, s3server, bucket, aws):
    aws.behave(no_conditional=True)
    slug = make_slug()
    configure(slug, s3server, bucket, aws.url)
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert NO_CONDITIONAL in result.stdout
    cache = manifest(slug)
    assert not_stored(s3server, bucket, cache) == []
    assert aws.behaved["not_implemented_501"] >= 1
    names = {f"{PREFIX}/{name}" for name in hashed(cache)}
    written = {r.key for r in aws.puts() if r.status == 200}
    assert names <= written
    assert all(r.if_none_match is None for r in aws.puts() if r.status == 200)


def test_the_region_s3_names_is_followed_when_none_is_set(make_slug, s3server, bucket, aws):
    aws.behave(region="eu-west-1")
    slug = make_slug()
    configure(slug, s3server, bucket, aws.url)
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert FOLLOW in result.stdout
    assert "heroku config:set AWS_S3_REGION_NAME=eu-west-1 saves the detour" in result.stdout
    assert not_stored(s3server, bucket, manifest(slug)) == []
    assert aws.behaved["permanent_redirect_301"] == 1  # the first listing, then none
    puts = aws.puts()
    assert puts and {signed_region(r) for r in puts} == {"eu-west-1"}

    # With the committed cache, the listing starts alongside the settings, signed for us-east-1.
    aws.reset_counters()
    fast = slug.compile()
    assert fast.returncode == 0, fast.output
    assert FOLLOW in fast.stdout
    assert "Static files unchanged" in fast.stdout
    assert aws.behaved["permanent_redirect_301"] == 1
    assert [r.key.split("/")[1] for r in aws.puts()] == [".manifests"]  # the release's record

    # The commands follow it the same way: verify_static agrees with the build.
    verified = manage(slug, "verify_static")
    assert verified.returncode == 0, verified.output
    assert FOLLOW in verified.stdout

    slug.set_config(AWS_S3_REGION_NAME="eu-west-1")  # the detour saved
    aws.reset_counters()
    again = slug.compile()
    assert again.returncode == 0, again.output
    assert "Static files unchanged" in again.stdout
    assert FOLLOW not in again.stdout
    assert aws.behaved["permanent_redirect_301"] == 0


def test_a_region_set_wrong_fails_naming_the_right_one(make_slug, s3server, bucket, aws):
    aws.behave(region="eu-west-1")
    slug = make_slug()
    configure(slug, s3server, bucket, aws.url, AWS_S3_REGION_NAME="us-east-2")
    result = slug.compile()
    assert result.returncode != 0, result.output
    assert "is in eu-west-1, not us-east-2" in result.stdout
    assert "heroku config:set AWS_S3_REGION_NAME=eu-west-1" in result.stdout
    assert FOLLOW not in result.stdout
    assert "Traceback" not in result.output
    assert aws.count("PUT") == 0
    assert not os.path.exists(os.path.join(slug.build_dir, "static_cache"))


def test_prune_deletes_where_delete_objects_requires_content_md5(make_slug, s3server, bucket, aws):
    aws.behave(require_md5_on_delete=True)
    slug = make_slug()
    configure(slug, s3server, bucket, aws.url)
    built = slug.compile()
    assert built.returncode == 0, built.output
    leftover = f"{PREFIX}/css/old.0123456789ab.css"
    s3server.client().put_object(Bucket=bucket, Key=leftover, Body=b".old {}")
    pruned = manage(slug, "prune_static --keep 1 --min-age 0")
    assert pruned.returncode == 0, pruned.output
    assert f"delete  {leftover}" in pruned.stdout
    assert "Deleted 1 objects" in pruned.stdout
    assert aws.deletes == [([f"{bucket}/{leftover}"], 200)]
    assert aws.behaved["missing_md5_400"] == 0
    assert leftover not in stored_objects(s3server.client(), bucket)
    assert not_stored(s3server, bucket, manifest(slug)) == []


def test_http_proxy_config_var_routes_the_build_and_no_proxy_excludes_it(
    make_slug, s3server, bucket
):
    with ForwardProxy() as forward:
        slug = make_slug()
        configure(slug, s3server, bucket, s3server.endpoint, HTTP_PROXY=forward.url)
        metrics = s3server.env["DSS_TEST_S3_METRICS"]
        puts = request_counts(metrics, bucket).get("PUT", 0)  # making the bucket
        first = slug.compile()
        assert first.returncode == 0, first.output
        cache = manifest(slug)
        assert not_stored(s3server, bucket, cache) == []
        origin = urllib.parse.urlsplit(s3server.endpoint).netloc
        assert set(forward.origins) == {origin}
        assert forward.counts["GET"] >= 1  # the listing (and the public check)
        # Every PUT the server got for this bucket came through the proxy.
        assert forward.counts["PUT"] == request_counts(metrics, bucket)["PUT"] - puts
        assert forward.counts["PUT"] >= len(cache["objects"])

        slug.set_config(NO_PROXY="127.0.0.1,localhost")
        with open(os.path.join(slug.build_dir, "exampleapp", "static", "js", "app.js"), "a") as f:
            f.write("\n// changed\n")
        through = forward.count()
        puts = request_counts(metrics, bucket)["PUT"]
        second = slug.compile()
        assert second.returncode == 0, second.output
        assert "Uploading 2 objects" in second.stdout
        assert request_counts(metrics, bucket)["PUT"] == puts + 4  # the new cache, the record
        assert forward.count() == through  # none of them through the proxy


def test_a_service_that_lists_out_of_order_is_listed_the_plain_way(s3server, bucket, aws):
    """A listing in ranges relies on S3's order and on start-after: where a service keeps
    neither, the first range sees it and the prefix is listed once more, the plain way."""
    client = s3server.client()
    names = [f"f{i:05d}.css" for i in range(1100)]
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(
            pool.map(
                lambda n: client.put_object(Bucket=bucket, Key=f"{PREFIX}/{n}", Body=b"x"), names
            )
        )
    config = BuildConfig.from_values(
        deploy_config(s3server, bucket, AWS_S3_ENDPOINT_URL=aws.url, AWS_LOCATION=PREFIX)
    )
    ranged, _ = list_inventory(config, names)
    assert aws.behaved == {}  # in order: two ranges
    starts = [r for r in aws.records if "start-after=" in r.target]
    assert len(starts) == 1 and len(ranged) == 1100
    aws.behave(unordered_listing=True)
    aws.reset_counters()
    found, requests = list_inventory(config, names)
    assert found == ranged
    assert aws.behaved["unordered_listing"] == requests
    assert requests >= 2 + 1  # the plain listing's two pages, after what the ranges sent
