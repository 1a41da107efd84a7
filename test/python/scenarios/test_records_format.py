"""The records in the bucket: small, stored once per cache, read by prune in either format, hidden
from visitors by the documented policy, and kept apart from the static files.

Against real local servers; the record is written by the build's own code (``uploading.record``)
in this process, on a static cache made without collecting (a 10,000-object one costs no build).
"""

from __future__ import annotations

import json
import os
import time

import pytest

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.publish.release import Release
from django_s3_static.publish.uploading import check_records_private, record
from django_s3_static.s3.bucket import Bucket
from django_s3_static.s3.public import public_read_policy
from support.checkout import command_env, example_checkout
from support.checkout import manage as checkout_manage
from support.releases import keys, put_release
from support.s3server import documented_policy, public_get

MD5 = "0" * 32


def config_of(server, bucket: str) -> Config:
    return Config.from_values(deploy_config(server, bucket, AWS_LOCATION="static"))


def listing(config: Config) -> dict:
    with Bucket(config) as client:
        return client.list()[0]


def ten_thousand_objects() -> StaticCache:
    """The static cache of a 10,000-source app (5,000 images, 2,500 stylesheets and scripts,
    each under its name and its hashed name), as a build writes it."""
    paths, objects = {}, {}
    for i in range(10_000):
        kind = ("img", "png") if i % 2 else (("css", "css") if i % 4 else ("js", "js"))
        name = f"{kind[0]}/app{i % 50}/file-{i}.{kind[1]}"
        hashed = f"{name[: -len(kind[1]) - 1]}.{i:012x}.{kind[1]}"
        paths[name] = hashed
        objects[name] = objects[hashed] = StaticObject(2_000 + i, MD5)
    return StaticCache("sha256:" + "a" * 64, "bucket", "static", paths, objects)


def test_a_release_of_an_unchanged_10000_object_cache_puts_under_1_kb(s3server, bucket, tmp_path):
    """Every build records its release, the fast path included: each used to PUT the whole
    cache (4.27 MB of JSON on this tree), now the cache is stored once and a release is a
    pointer to it."""
    config = config_of(s3server, bucket)
    cache = ten_thousand_objects()
    assert len(cache.to_json()) > 2_000_000
    first = record(config, cache, listing(config), Release("1111111111111111", "shop"))

    # The next push, nothing changed: the fast path loads the committed cache and records.
    committed, text = static_cache.load_text(static_cache.write(cache, str(tmp_path)))
    before = s3server.request_counts(bucket)
    second = record(config, committed, listing(config), Release("2222222222222222", "shop"), text)
    after = s3server.request_counts(bucket)
    assert after.get("PUT", 0) - before.get("PUT", 0) == 1

    stored = {key: size for key, size in sizes(s3server, bucket).items()}
    assert stored[f"static/{second}"] < 1024, stored[f"static/{second}"]
    caches = [key for key in stored if key.startswith("static/.manifests/caches/")]
    assert len(caches) == 1 and first != second
    assert stored[caches[0]] < 1_000_000  # the cache itself, stored once, compressed


def sizes(server, bucket: str) -> dict[str, int]:
    found = {}
    for page in server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
    return found


def test_records_of_both_formats_are_read_and_pruned_with_their_caches(s3server, bucket, tmp_path):
    """A bucket recorded by an earlier version (whole caches in the records), then by this one
    (pointers to stored caches): prune reads both, keeps the caches its kept records point to,
    deletes the others."""
    client = s3server.client()
    start = time.time() - 60
    first = put_release(client, bucket, ["css/a.1.css"], "shop", stamp=start)
    (first_cache,) = (k for k in keys(client, bucket) if k.startswith("static/.manifests/caches/"))
    put_release(client, bucket, ["css/b.2.css"], "shop", stamp=start + 1, old_style=True)
    put_release(client, bucket, ["css/c.3.css"], "shop", stamp=start + 2)
    before = keys(client, bucket)
    checkout = example_checkout(tmp_path)
    env = command_env(deploy_config(s3server, bucket, AWS_LOCATION="static"))
    pruned = checkout_manage(checkout, env, "prune_static", "--keep", "2", "--min-age", "0")
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "Deleting 1 objects and 1 old records (and 1 stored caches only they used)" in (
        pruned.stdout
    )
    assert before - keys(client, bucket) == {first, first_cache, "static/css/a.1.css"}


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_record_whose_stored_cache_is_gone_stops_prune_with_its_name(
    damage, s3server, bucket, tmp_path
):
    """What that release uses cannot be known: prune deletes nothing and says what to do."""
    client = s3server.client()
    start = time.time() - 60
    put_release(client, bucket, ["css/a.1.css"], "shop", stamp=start, old_style=True)
    name = put_release(client, bucket, ["css/b.2.css"], "shop", stamp=start + 1)
    stored = next(k for k in keys(client, bucket) if k.startswith("static/.manifests/caches/"))
    if damage == "missing":
        client.delete_object(Bucket=bucket, Key=stored)
    else:
        client.put_object(Bucket=bucket, Key=stored, Body=b"\x1f\x8b not really gzip")
    before = keys(client, bucket)
    env = command_env(deploy_config(s3server, bucket, AWS_LOCATION="static"))
    pruned = checkout_manage(
        example_checkout(tmp_path), env, "prune_static", "--keep", "1", "--min-age", "0"
    )
    assert pruned.returncode == 1
    assert f"The record {name} points to {stored}, which " in pruned.stderr
    if damage == "missing":
        assert "is missing; nothing was deleted." in pruned.stderr
        assert "A build of its state stores the cache again" in pruned.stderr
    else:
        assert "cannot be read (the cache is not gzip data" in pruned.stderr
    assert "Traceback" not in pruned.stderr
    assert keys(client, bucket) == before


@pytest.mark.parametrize(
    "nested, anys3",
    [(False, "seaweedfs"), (False, "ceph"), (True, "seaweedfs")],  # RGW: one folder deep only
    indirect=["anys3"],
)
def test_visitors_cannot_read_records_under_the_documented_policy(nested, anys3, bucket):
    """Records list the app's INSTALLED_APPS, AppConfig hashes and Django's version: with the
    policy the README gave (arn:aws:s3:::bucket/*) anyone could read them. A review app's
    prefix inside production's keeps its records hidden too."""
    config = config_of(anys3, bucket)
    policy = public_read_policy(config)
    assert json.loads(policy) == json.loads(documented_policy(bucket))
    client = anys3.client()
    client.put_bucket_policy(Bucket=bucket, Policy=policy)
    prefix = "static/pr-42" if nested else "static"
    client.put_object(Bucket=bucket, Key=f"{prefix}/css/site.0123456789ab.css", Body=b"a{}")
    name = put_release(client, bucket, ["css/site.0123456789ab.css"], "shop", prefix=prefix)
    stored = [k for k in keys(client, bucket) if "/.manifests/" in k]
    assert len(stored) == 2 and name in stored  # the pointer and the cache it points to

    base = f"{anys3.endpoint}/{bucket}"
    assert public_get(f"{base}/{prefix}/css/site.0123456789ab.css")[0] == 200
    for key in stored:
        assert public_get(f"{base}/{key}")[0] == 403, key
        assert client.get_object(Bucket=bucket, Key=key)["Body"].read()  # prune reads them


def test_the_build_warns_when_visitors_can_read_its_record(s3server, bucket, capsys):
    config = config_of(s3server, bucket)
    name = record(config, StaticCache("sha256:x", bucket, "static"), {}, Release(None, "shop"))
    check_records_private(config, name)
    assert "Visitors can read" not in capsys.readouterr().out  # the documented policy

    older = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    older["Resource"] = f"arn:aws:s3:::{bucket}/*"  # what the README gave before
    s3server.client().put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [older]})
    )
    check_records_private(config, name)
    shown = capsys.readouterr().out
    assert f"Warning: Visitors can read the release records: {config.public_base_url}" in shown
    assert "INSTALLED_APPS" in shown and public_read_policy(config) in shown


def test_a_static_file_in_a_records_folder_fails_the_build_before_any_upload(
    make_slug, s3server, bucket
):
    """A STATICFILES_DIRS prefix (or ignore patterns that let dot folders through) puts static
    files under .manifests/, where prune_static would take them for records."""
    slug = make_slug()
    extra = os.path.join(slug.build_dir, "extra")
    os.makedirs(extra)
    with open(os.path.join(extra, "notes.css"), "w") as handle:
        handle.write("p { color: red; }\n")
    settings = os.path.join(slug.build_dir, "exampleapp", "settings.py")
    with open(settings, "a") as handle:
        handle.write(
            '\nSTATICFILES_DIRS = [*STATICFILES_DIRS, (".manifests", BASE_DIR / "extra")]\n'
        )
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static"))
    result = slug.compile()
    assert result.returncode == 1, result.output
    assert "1 static file cannot be published:" in result.output
    assert ".manifests/notes.css: the name has a '.manifests' folder, where prune_static keeps" in (
        result.output
    )
    assert keys(s3server.client(), bucket) == set()
