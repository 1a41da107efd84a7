"""What the visitor downloads: objects stored gzip-compressed, their digests, the settings' values.

Real builds of the example app (bin/compile) against the local S3 servers: the compressible files
are stored gzip-compressed with ``Content-Encoding: gzip`` and decode to the collected bytes; the
static cache records the stored sizes and MD5s (so the fast path stays one listing) and the
decoded digests; switching compression on or off never fails a build or re-uploads; a file gzip
does not shrink is stored as it is; ``verify_static`` reports an object replaced behind the
build's back; an unknown setting value fails the build before anything is uploaded.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil

import pytest

from conftest import delta, deploy_config
from django_s3_static.s3.encoding import integrity
from support.awsproxy import AwsProxy
from support.checkout import command_env, example_checkout
from support.checkout import manage as checkout_manage
from support.dyno import FIXTURES
from support.s3server import SECRET_KEY

STATIC = os.path.join(FIXTURES, "example_app", "exampleapp", "static")


def build(slug, server, bucket, **config):
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION="static", **config))
    result = slug.compile()
    return result


def cache_of(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def stored(server, bucket, name) -> tuple[bytes, str | None]:
    """The object's bytes as stored, and its Content-Encoding (boto3 does not decode)."""
    answer = server.client().get_object(Bucket=bucket, Key=f"static/{name}")
    return answer["Body"].read(), answer.get("ContentEncoding")


def listing(server, bucket) -> dict:
    found = {}
    paginator = server.client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix="static/"):
        found.update({o["Key"][len("static/") :]: o for o in page.get("Contents", [])})
    return found


def add_incompressible_text(slug) -> bytes:
    """A .txt (a compressible type) whose content gzip cannot shrink: it must stay as it is."""
    data = random.Random(7).randbytes(3000)
    with open(os.path.join(slug.build_dir, "exampleapp", "static", "noise.txt"), "wb") as handle:
        handle.write(data)
    return data


def test_compressible_files_are_stored_gzip_and_the_fast_path_stays_one_listing(
    make_slug, anys3, bucket
):
    slug = make_slug("example_app")
    noise = add_incompressible_text(slug)
    result = build(slug, anys3, bucket)
    assert result.returncode == 0, result.output
    assert "gzip-compressing" in result.stdout
    assert "of them gzip-compressed:" in result.stdout
    cache = cache_of(slug)
    objects, paths = cache["objects"], cache["paths"]
    # Text and TTF compressed; PNG, and files gzip does not shrink by 5%, as collected.
    for original in ("css/site.css", "fonts/LICENSE-DejaVu.txt", "fonts/example-mono.ttf"):
        for name in (original, paths[original]):
            body, encoding = stored(anys3, bucket, name)
            assert encoding == "gzip" == objects[name]["encoding"], name
            decoded = gzip.decompress(body)
            assert integrity(decoded) == objects[name]["integrity"]
            if name == original:  # the unhashed copy is the source file, byte for byte
                with open(os.path.join(STATIC, original), "rb") as handle:
                    assert decoded == handle.read()
    for name in ("img/logo.png", paths["img/logo.png"]):
        assert stored(anys3, bucket, name)[1] is None
        assert "encoding" not in objects[name] and "integrity" not in objects[name]
    for name in ("css/base.css", "js/app.js"):  # 85 and 117 bytes: gzip saves nothing
        assert stored(anys3, bucket, name)[1] is None and "encoding" not in objects[name]
        assert "integrity" in objects[name]
    assert stored(anys3, bucket, "noise.txt") == (noise, None)
    assert objects["noise.txt"] == {"md5": objects["noise.txt"]["md5"], "size": len(noise),
                                    "integrity": integrity(noise)}  # fmt: skip
    # The cache records the stored bytes: what the listing shows.
    listed = listing(anys3, bucket)
    for name, entry in objects.items():
        assert (listed[name]["Size"], listed[name]["ETag"].strip('"')) == (
            entry["size"],
            entry["md5"],
        ), name

    # The cache committed: the next build checks it with one listing, as before.
    again = make_slug("example_app")
    add_incompressible_text(again)
    shutil.copytree(
        os.path.join(slug.build_dir, "static_cache"), os.path.join(again.build_dir, "static_cache")
    )
    before = anys3.request_counts(bucket)
    fast = build(again, anys3, bucket)
    assert fast.returncode == 0, fast.output
    assert "Static files unchanged" in fast.stdout
    assert delta(before, anys3.request_counts(bucket)) == {"LIST": 1, "PUT": 1}


def test_switching_compression_keeps_what_the_bucket_has_and_uploads_only_changes(
    make_slug, s3server, bucket
):
    first = make_slug("example_app")
    off = build(first, s3server, bucket, DJANGO_S3_STATIC_COMPRESS="off")
    assert off.returncode == 0, off.output
    assert "gzip-compressing" not in off.stdout
    assert all("encoding" not in entry for entry in cache_of(first)["objects"].values())

    # Compression turned on, one script changed, no committed cache: the objects stored as
    # collected stay so (never re-uploaded, no conflict); only the changed ones go up, gzip.
    second = make_slug("example_app")
    script = os.path.join(second.build_dir, "exampleapp", "static", "js", "app.js")
    with open(script, "a") as handle:
        handle.write("\n// a change\n" * 20)
    before = s3server.request_counts(bucket)
    on = build(second, s3server, bucket, DJANGO_S3_STATIC_COMPRESS="gzip")
    assert on.returncode == 0, on.output
    assert "Uploading 2 objects" in on.stdout  # js/app.<new hash>.js and js/app.js
    assert delta(before, s3server.request_counts(bucket))["PUT"] == 4  # the new cache, the record
    cache = cache_of(second)
    new = cache["paths"]["js/app.js"]
    assert cache["objects"][new]["encoding"] == cache["objects"]["js/app.js"]["encoding"] == "gzip"
    assert "encoding" not in cache["objects"][cache["paths"]["css/site.css"]]
    assert stored(s3server, bucket, cache["paths"]["css/site.css"])[1] is None

    # And back off with the gzip objects there: kept gzip, recorded as they are.
    third = make_slug("example_app")
    shutil.copy(script, os.path.join(third.build_dir, "exampleapp", "static", "js", "app.js"))
    with open(os.path.join(third.build_dir, "exampleapp", "static", "css", "base.css"), "a") as f:
        f.write("\n.more { margin: 0 }\n")
    back = build(third, s3server, bucket, DJANGO_S3_STATIC_COMPRESS="off")
    assert back.returncode == 0, back.output
    kept = cache_of(third)["objects"]
    assert kept[new]["encoding"] == "gzip"
    assert "encoding" not in kept[cache_of(third)["paths"]["css/base.css"]]


def test_behind_a_cdn_domain_auto_leaves_compression_to_the_cdn(make_slug, s3server, bucket):
    slug = make_slug("example_app")
    result = build(
        slug,
        s3server,
        bucket,
        AWS_S3_CUSTOM_DOMAIN="cdn.example.com",
        DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK="1",
    )
    assert result.returncode == 0, result.output
    assert "gzip-compressing" not in result.stdout
    assert all("encoding" not in entry for entry in cache_of(slug)["objects"].values())


@pytest.mark.parametrize(
    "name, value, accepted",
    [
        ("DJANGO_S3_STATIC_COMPRESS", "brotli", "auto, gzip, off"),
        ("DJANGO_S3_STATIC_MANIFEST_STRICT", "sometimes", "on, off (or 1, 0, true, false,"),
    ],
)
def test_an_unknown_setting_value_fails_the_build_before_any_upload(
    make_slug, s3server, bucket, name, value, accepted
):
    slug = make_slug("example_app")
    before = s3server.request_counts(bucket)
    result = build(slug, s3server, bucket, **{name: value})
    assert result.returncode == 1
    assert f" !     Error: {name}={value!r} is not one of {accepted}" in result.stdout
    assert f"heroku config:unset {name}" in result.stdout
    assert "PUT" not in delta(before, s3server.request_counts(bucket))
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))


def manage(app, server, bucket, *args, **config):
    env = command_env(deploy_config(server, bucket, AWS_LOCATION="static", **config))
    return checkout_manage(app, env, *args)


def test_verify_static_reports_an_object_replaced_behind_the_builds_back(tmp_path, anys3, bucket):
    app = example_checkout(tmp_path)
    published = manage(app, anys3, bucket, "publish_static")
    assert published.returncode == 0, published.stdout + published.stderr
    fresh = manage(app, anys3, bucket, "verify_static")
    assert fresh.returncode == 0, fresh.stderr
    assert "integrity digests)" in fresh.stdout

    cache = json.loads((app / "static_cache" / "manifest.json").read_text())
    hashed = cache["paths"]["css/site.css"]
    body, encoding = stored(anys3, bucket, hashed)
    assert encoding == "gzip"
    decoded = gzip.decompress(body)
    tampered = decoded[:-1] + (b" " if decoded.endswith(b"\n") else b"\n")  # same length
    anys3.client().put_object(
        Bucket=bucket,
        Key=f"static/{hashed}",
        Body=gzip.compress(tampered, mtime=0),
        ContentEncoding="gzip",
        ContentType="text/css",
    )
    found = manage(app, anys3, bucket, "verify_static")
    assert found.returncode == 1
    assert (
        f"1 whose content does not give the integrity digest the cache records ({hashed}): "
        "replaced after the publish; browsers refuse them where a page renders that digest"
    ) in found.stderr
    skipped = manage(app, anys3, bucket, "verify_static", "--no-digests")
    assert "integrity digest" not in skipped.stderr


def test_verify_static_refused_the_objects_names_the_permission_and_the_way_around_it(
    tmp_path, s3server, bucket
):
    """Keys that may list but not read (``s3:GetObject`` missing), as AWS answers them: 403."""
    app = example_checkout(tmp_path)
    with AwsProxy(s3server.endpoint) as proxy:
        published = manage(app, s3server, bucket, "publish_static", AWS_S3_ENDPOINT_URL=proxy.url)
        assert published.returncode == 0, published.stdout + published.stderr
        proxy.behave(deny_get_object=True)
        refused = manage(app, s3server, bucket, "verify_static", AWS_S3_ENDPOINT_URL=proxy.url)
        denied = proxy.behaved["access_denied_403"]
        skipped = manage(
            app, s3server, bucket, "verify_static", "--no-digests", AWS_S3_ENDPOINT_URL=proxy.url
        )
    assert refused.returncode == 1, refused.stdout
    assert denied >= 1
    assert f"Access denied: these credentials may not read from bucket {bucket!r}" in refused.stderr
    assert f"Grant the IAM user the s3:GetObject permission on arn:aws:s3:::{bucket}/*" in (
        refused.stderr
    )
    assert "python manage.py verify_static --no-digests" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert SECRET_KEY not in refused.stdout + refused.stderr
    assert skipped.returncode == 0, skipped.stderr
    assert "is fresh: sources and" in skipped.stdout
    assert "integrity digests" not in skipped.stdout
