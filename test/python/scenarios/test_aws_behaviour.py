"""Builds and commands against S3 as AWS documents it, where the local server answers otherwise."""

from __future__ import annotations

import concurrent.futures
import os

from conftest import deploy_config
from django_s3_static.config import Config as BuildConfig
from django_s3_static.publish.early_listing import list_inventory
from support import aws_builds
from support.aws_builds import PREFIX, configure, hashed, manage, manifest, not_stored
from support.s3server import stored_objects

NO_CONDITIONAL = "The bucket does not do conditional writes (If-None-Match)"

aws = aws_builds.aws


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
