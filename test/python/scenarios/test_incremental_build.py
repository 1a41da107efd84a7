"""bin/compile with a stale committed cache: only what the change reaches is collected.

The example app's first build leaves its static cache in the slug's sources, as a committed one;
then a file changes. The build collects that file and the stylesheets whose references lead to
it, keeps every other object of the committed cache, uploads one object per new name, and writes
a cache equal to the one a build without any committed cache writes for the same sources. When
it cannot reason about the change, it collects everything and says why in one line.
"""

from __future__ import annotations

import gzip
import json
import os
import re

from conftest import delta, deploy_config
from support.checkout import command_env, example_checkout, manage

STATIC = os.path.join("exampleapp", "static")


def build(make_slug, s3server, bucket, **config):
    slug = make_slug("example_app")
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static", **config))
    result = slug.compile()
    assert result.returncode == 0, result.output
    return slug, result


def cache_of(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def edit(slug, name: str, data: bytes, append: bool = True) -> None:
    with open(os.path.join(slug.build_dir, STATIC, name), "ab" if append else "wb") as handle:
        handle.write(data)


def test_a_changed_image_reaches_the_stylesheets_that_refer_to_it(make_slug, s3server, bucket):
    slug, first = build(make_slug, s3server, bucket)
    total = len(cache_of(slug)["objects"])
    edit(slug, "img/logo.png", b"\0")  # site.css refers to it; nothing refers to site.css
    before = s3server.request_counts(bucket)
    changed = slug.compile()
    assert changed.returncode == 0, changed.output
    assert "Collecting: stale: the static sources changed since the cache was published" in (
        changed.stdout
    )
    # logo.png (its copy and its hashed copy), site.css's new hashed copy.
    assert (
        f"Collected 3 of {total:,} files (the change reaches 2 sources); {total - 3:,} reused "
        "from static_cache/manifest.json"
    ) in changed.stdout
    assert "Timings: inspect and incremental collect" in changed.stdout
    assert "Uploading 3 objects" in changed.stdout
    spent = delta(before, s3server.request_counts(bucket))
    assert spent.pop("GET", 0) <= 3  # the public check, the records check; the fonts' CORS rules
    assert spent == {"LIST": 1, "PUT": 5}  # three new objects, the new cache, the record

    # The same sources built with no committed cache, into another bucket: the same cache.
    other = s3server.bucket()
    fresh = make_slug("example_app")
    fresh.set_config(**deploy_config(s3server, other, AWS_LOCATION="static"))
    edit(fresh, "img/logo.png", b"\0")
    full = fresh.compile()
    assert full.returncode == 0 and "Collecting: no committed static cache" in full.stdout
    mine, theirs = cache_of(slug), cache_of(fresh)
    for section in ("paths", "objects", "incremental", "fingerprint"):
        assert mine[section] == theirs[section], section


def test_a_chain_of_changes_stays_incremental_and_a_removal_drops_objects(
    make_slug, s3server, bucket
):
    slug, _ = build(make_slug, s3server, bucket)
    edit(slug, "css/base.css", b"\n.more { color: red; }\n")  # site.css @imports it
    second = slug.compile()
    assert "(the change reaches 2 sources)" in second.stdout, second.output
    first_objects = cache_of(slug)["objects"]
    os.remove(os.path.join(slug.build_dir, STATIC, "js", "app.js"))
    third = slug.compile()
    assert third.returncode == 0, third.output
    assert "Collected 0 of" in third.stdout and "(the change reaches 0 sources, 1 removed)" in (
        third.stdout
    )
    after = cache_of(slug)
    assert "js/app.js" not in after["paths"] and "js/app.js" not in after["objects"]
    assert len(after["objects"]) == len(first_objects) - 2
    again = slug.compile()
    assert "Static files unchanged" in again.stdout, again.output


def test_objects_missing_from_the_bucket_mean_collecting_everything(make_slug, s3server, bucket):
    slug, _ = build(make_slug, s3server, bucket)
    hashed = cache_of(slug)["paths"]["img/favicon.png"]
    s3server.client().delete_object(Bucket=bucket, Key=f"static/{hashed}")
    edit(slug, "js/app.js", b"\n// changed\n")
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert (
        "Collecting everything: the committed cache's objects are not all in the bucket "
        f"(1 missing in the bucket ({hashed}))"
    ) in result.stdout
    assert re.search(r"Collected \d+ files \([^)]*\) from \d+ sources", result.stdout)
    assert f"static/{hashed}" in {
        item["Key"] for item in s3server.client().list_objects_v2(Bucket=bucket)["Contents"]
    }


def test_an_unchanged_copy_another_build_replaced_is_uploaded_again(make_slug, s3server, bucket):
    """Another release (another branch) wrote its own css/base.css: the unhashed copy of a
    source this build did not change. A full collect would upload this build's copy; so does
    the incremental one, and keeps the rest."""
    slug, _ = build(make_slug, s3server, bucket)
    client = s3server.client()
    client.put_object(Bucket=bucket, Key="static/css/base.css", Body=b"/* another branch */")
    edit(slug, "js/app.js", b"\n// changed\n")
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert "reused from static_cache/manifest.json" in result.stdout
    assert (
        "Collected again: the copy of 1 unchanged source, which another build replaced in the "
        "bucket (css/base.css)"
    ) in result.stdout
    with open(os.path.join(slug.build_dir, STATIC, "css", "base.css"), "rb") as handle:
        source = handle.read()
    body = client.get_object(Bucket=bucket, Key="static/css/base.css")["Body"].read()
    assert (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body) == source
    again = slug.compile()
    assert "Static files unchanged" in again.stdout, again.output


def test_a_cache_without_the_record_means_collecting_everything(make_slug, s3server, bucket):
    slug, _ = build(make_slug, s3server, bucket)
    path = os.path.join(slug.build_dir, "static_cache", "manifest.json")
    document = cache_of(slug)
    del document["incremental"]
    with open(path, "w") as handle:
        json.dump(document, handle)
    edit(slug, "js/app.js", b"\n// changed\n")
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert (
        "Collecting everything: the committed cache does not record what each file refers to "
        "(publish_static writes it)"
    ) in result.stdout
    assert "incremental" in cache_of(slug)  # the next build can be incremental again


def test_a_changed_setting_is_said_once(make_slug, s3server, bucket):
    """A stale context (here the strict-references switch) is the reason already printed."""
    slug, _ = build(make_slug, s3server, bucket)
    slug.set_config(DJANGO_S3_STATIC_STRICT_REFERENCES="1")
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert "Collecting: stale: DJANGO_S3_STATIC_STRICT_REFERENCES changed" in result.stdout
    assert "Collecting everything" not in result.stdout
    assert "reused from" not in result.stdout


def test_publish_static_collects_only_the_change_too(tmp_path, make_slug, s3server, bucket):
    """The developer's command shares the build's publish: the same incremental collect."""
    app = example_checkout(tmp_path)
    env = command_env(deploy_config(s3server, bucket, AWS_LOCATION="static"))

    def publish():
        done = manage(app, env, "publish_static")
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "Collecting: no committed static cache" in publish()
    css = app / "exampleapp" / "static" / "css" / "site.css"
    css.write_text(css.read_text() + "\n.more { color: red; }\n")
    second = publish()
    assert "(the change reaches 1 source); " in second and "reused from static_cache" in second
    assert "Wrote static_cache/manifest.json" in second
    assert "Nothing to publish" in publish()
