"""Where the build's requests go: the bucket's region, followed or named, HTTP_PROXY, NO_PROXY."""

from __future__ import annotations

import os
import urllib.parse
import urllib.request

from support import aws_builds
from support.aws_builds import configure, manage, manifest, not_stored
from support.awsproxy import ForwardProxy
from support.s3server import request_counts

FOLLOW = "The bucket is in eu-west-1: following it"

aws = aws_builds.aws


def signed_region(record) -> str | None:
    authorization = record.request_headers.get("Authorization", "")
    return authorization.split("Credential=")[1].split("/")[2] if authorization else None


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
