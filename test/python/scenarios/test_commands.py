"""publish_static and verify_static in a developer's checkout, then the build's fast path.

Every test runs on both local S3 servers (SeaweedFS and Ceph RGW). Requests are counted by the
server itself (SeaweedFS's Prometheus counters, RGW's ops log, per bucket), so the request budget
is checked on what really arrived: fast path = one LIST per 1,000 keys and the PUT of the
release's record; one changed file = the LIST plus one PUT per new object, the new static cache
and the record.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import delta, deploy_config
from support.checkout import command_env, example_checkout
from support.checkout import manage as checkout_manage


@pytest.fixture
def checkout(tmp_path, anys3, bucket):
    return example_checkout(tmp_path)


def manage(app, server, bucket, *args, **extra):
    config = deploy_config(server, bucket, **{"AWS_LOCATION": "static", **extra})
    return checkout_manage(app, command_env(config), *args)


def deploy(checkout, make_slug, server, bucket):
    """git push: a slug of the checkout as it is, with its committed cache."""
    slug = make_slug("example_app")
    shutil.rmtree(slug.build_dir)
    shutil.copytree(checkout, slug.build_dir)
    os.makedirs(os.path.join(slug.build_dir, ".heroku"))
    os.symlink(slug.python_home, os.path.join(slug.build_dir, ".heroku", "python"))
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION="static"))
    return slug


def counts(server, bucket):
    return server.request_counts(bucket)


def test_publish_then_verify_then_detect_every_kind_of_staleness(checkout, anys3, bucket):
    published = manage(checkout, anys3, bucket, "publish_static")
    assert published.returncode == 0, published.stdout + published.stderr
    assert "git add static_cache" in published.stdout
    assert (checkout / "static_cache" / "manifest.json").exists()

    again = manage(checkout, anys3, bucket, "publish_static")
    assert again.returncode == 0
    assert "Nothing to publish" in again.stdout

    verified = manage(checkout, anys3, bucket, "verify_static")
    assert verified.returncode == 0, verified.stderr
    assert "is fresh" in verified.stdout

    css = checkout / "exampleapp" / "static" / "css" / "base.css"
    css.write_text(css.read_text() + "\n/* one more line */\n")
    stale = manage(checkout, anys3, bucket, "verify_static", "--sources-only")
    assert stale.returncode == 1
    assert "stale: the static sources changed" in stale.stderr

    client = anys3.client()
    client.delete_object(Bucket=bucket, Key="static/css/site.css")
    both = manage(checkout, anys3, bucket, "verify_static")
    assert both.returncode == 1
    assert "stale" in both.stderr
    assert "1 missing in the bucket (css/site.css)" in both.stderr

    elsewhere = manage(checkout, anys3, bucket, "verify_static", AWS_LOCATION="v2")
    assert elsewhere.returncode == 1
    assert "other location" in elsewhere.stderr


def test_verify_without_a_cache_says_what_to_do(checkout, anys3, bucket):
    result = manage(checkout, anys3, bucket, "verify_static")
    assert result.returncode == 1
    assert "no committed static cache" in result.stderr
    assert "publish_static" in result.stderr


def test_publish_with_wrong_credentials_is_a_clean_error(checkout, anys3, bucket):
    result = manage(
        checkout, anys3, bucket, "publish_static", AWS_SECRET_ACCESS_KEY="wrong-0123456789abc"
    )
    assert result.returncode == 1
    assert "S3 refused the credentials" in result.stderr
    assert "Traceback" not in result.stderr
    assert "wrong-0123456789abc" not in result.stdout + result.stderr


def test_committed_cache_makes_the_build_skip_collectstatic_within_the_request_budget(
    checkout, anys3, bucket, make_slug
):
    assert manage(checkout, anys3, bucket, "publish_static").returncode == 0
    slug = deploy(checkout, make_slug, anys3, bucket)

    before = counts(anys3, bucket)
    fast = slug.compile()
    assert fast.returncode == 0, fast.output
    assert "Static files unchanged" in fast.stdout
    assert "Collecting" not in fast.stdout
    assert "Timings: inspect (settings only)" in fast.stdout  # no app was imported
    assert "started alongside inspect" in fast.stdout  # listed while the settings loaded
    # Every build is a release, recorded for prune_static: the one PUT of the fast path.
    assert "Recorded this release as static/.manifests/" in fast.stdout
    assert delta(before, counts(anys3, bucket)) == {"LIST": 1, "PUT": 1}

    # One changed source file: the fallback uploads only the new objects.
    css = os.path.join(slug.build_dir, "exampleapp", "static", "js", "app.js")
    with open(css, "a") as handle:
        handle.write("\n// changed\n")
    before = counts(anys3, bucket)
    changed = slug.compile()
    assert changed.returncode == 0, changed.output
    assert "Collecting: stale: the static sources changed" in changed.stdout
    # js/app.<new hash>.js is new; js/app.js (the unhashed copy) has new content.
    assert "Uploading 2 objects" in changed.stdout
    spent = delta(before, counts(anys3, bucket))
    assert spent.pop("LIST") == 1
    # The two new objects, the new static cache (stored once) and the record that points to it.
    assert spent.pop("PUT") == 4
    # Anonymous GETs of the public access check and of the record (which visitors must not
    # read), and one GetBucketCors (the app has fonts). SeaweedFS counts the refused GET of the
    # record under no bucket.
    assert spent.pop("GET") == (3 if anys3.name == "ceph" else 2)
    assert spent == {}, spent


def test_a_cache_without_finders_record_is_checked_by_django_and_refreshed_by_publish(
    checkout, anys3, bucket, make_slug
):
    """Caches written before the finders record (or hand-edited ones) still give the fast path,
    by a full Django start-up; publish_static adds the record without uploading anything."""
    assert manage(checkout, anys3, bucket, "publish_static").returncode == 0
    cache_file = checkout / "static_cache" / "manifest.json"
    document = json.loads(cache_file.read_text())
    del document["finders"]
    cache_file.write_text(json.dumps(document, indent=1))

    def build(requests):
        slug = deploy(checkout, make_slug, anys3, bucket)
        before = counts(anys3, bucket)
        result = slug.compile()
        assert result.returncode == 0, result.output
        assert "Static files unchanged" in result.stdout
        assert delta(before, counts(anys3, bucket)) == requests
        return result

    # Every build records its release, whether the cache was recorded before or not; this
    # cache, without its finders record, is one the bucket has not stored yet: it, then the
    # record that points to it.
    old = build({"LIST": 1, "PUT": 2})
    assert "Timings: inspect " in old.stdout and "settings only" not in old.stdout
    assert "static_cache/manifest.json has no finders record, so Django was started" in old.stdout
    assert "run 'python manage.py publish_static' and commit it" in old.stdout

    before = counts(anys3, bucket)
    refreshed = manage(checkout, anys3, bucket, "publish_static")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "Updated its finders record" in refreshed.stdout
    # Nothing uploaded; the refreshed cache is the very one the first publish recorded.
    assert delta(before, counts(anys3, bucket)) == {"LIST": 1}
    assert "finders" in json.loads(cache_file.read_text())

    new = build({"LIST": 1, "PUT": 1})
    assert "Timings: inspect (settings only)" in new.stdout
    assert "no finders record" not in new.stdout
