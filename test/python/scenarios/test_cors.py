"""CORS for web fonts: the pure rules (wildcards, methods, no configuration) and the real server.

The integration tests run against the local SeaweedFS, which enforces a bucket's CORS
configuration like S3: once a bucket has rules, a GET with an Origin they do not admit gets no
Access-Control-Allow-Origin. (Without any configuration SeaweedFS answers every origin, from its
global -s3.allowedOrigins=* default; AWS answers none. So these tests always set a configuration.)
"""

from __future__ import annotations

import urllib.request

import pytest

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.errors import S3StaticError
from django_s3_static.publish import cors

SITE = "http://127.0.0.1:8000"
ELSEWHERE = "https://elsewhere.example"


def rule(*origins: str, methods: tuple[str, ...] = ("GET",), **extra) -> dict:
    return {"AllowedOrigins": list(origins), "AllowedMethods": list(methods), **extra}


# --- pure functions -----------------------------------------------------------------------------


# --- against the local S3 server ----------------------------------------------------------------


def config_of(s3server, bucket: str, keys: tuple[str, str] | None = None) -> Config:
    """The build's view of a bucket; the tests arrange rules with boto3, as a user's tools would."""
    access, secret = keys or (s3server.access_key, s3server.secret_key)
    return Config.from_values(
        deploy_config(s3server, bucket, AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret)
    )


@pytest.fixture
def bucket(s3server):
    """A public bucket without a CORS configuration, as a new bucket is on AWS."""
    return s3server.bucket()


def test_read_rules_is_none_without_a_configuration(s3server, bucket):
    assert cors.read_rules(config_of(s3server, bucket)) is None


def test_read_rules_raises_other_errors(s3server):
    with pytest.raises(Exception) as raised:
        cors.read_rules(config_of(s3server, "no-such-bucket-dss-test"))
    assert "NoSuchBucket" in str(raised.value)


def test_add_rule_to_a_bucket_without_configuration(s3server, bucket):
    config = config_of(s3server, bucket)
    written = cors.add_rule(config, [SITE])
    assert written == [cors.rule_for([SITE])]
    assert cors.read_rules(config) == written
    assert cors.allows(cors.read_rules(config), SITE)
    # What boto3 reads back is what was written, too.
    stored = s3server.client().get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert stored == written


def test_add_rule_keeps_existing_rules_and_replaces_its_own(s3server, bucket):
    client = s3server.client()
    theirs = {
        "ID": "uploads",
        "AllowedOrigins": ["https://uploads.example.com"],
        "AllowedMethods": ["PUT", "POST"],
        "AllowedHeaders": ["Content-Type"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 600,
    }
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [theirs]})
    config = config_of(s3server, bucket)
    assert cors.read_rules(config) == [theirs]  # every field, as boto3 names it
    cors.add_rule(config, [ELSEWHERE])
    cors.add_rule(config, [SITE, ELSEWHERE])  # a second build with other origins
    assert cors.read_rules(config) == [theirs, cors.rule_for([SITE, ELSEWHERE])]


def test_check_bucket_warns_with_the_configuration_to_apply(s3server, bucket, capsys):
    client = s3server.client()
    theirs = rule(ELSEWHERE)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [theirs]})
    config = config_of(s3server, bucket)
    assert cors.check_bucket(config, ("*",)) == "missing"
    printed = capsys.readouterr().out
    command = cors.put_command(bucket, ["*"], cors.read_rules(config))
    assert printed.splitlines() == [
        f" !     Warning: Browsers will refuse the fonts: the CORS configuration of bucket "
        f"'{bucket}' does not let any site (*) read them.",
        " !     Web fonts are read cross-origin and need Access-Control-Allow-Origin; stylesheets,",
        " !     scripts and images load anyway, so only the fonts are missing. Apply this rule "
        "(the bucket's 1 other rule(s) are kept):",
        " !",
        f" !     {command}",
        " !",
        " !     or let the build add it (needs s3:GetBucketCORS and s3:PutBucketCORS):",
        " !       heroku config:set DJANGO_S3_STATIC_SET_CORS=1",
        " !     (DJANGO_S3_STATIC_CORS_ORIGINS can narrow it to the site's origins.)",
    ]
    # Nothing written without the switch. (SeaweedFS reports an unset MaxAgeSeconds as 0.)
    assert [r["AllowedOrigins"] for r in cors.read_rules(config)] == [[ELSEWHERE]]


def test_check_bucket_adds_the_rule_when_asked_then_finds_it(s3server, bucket, capsys):
    config = config_of(s3server, bucket)
    assert cors.check_bucket(config, (SITE,), set_cors=True) == "added"
    assert cors.check_bucket(config, (SITE,), set_cors=True) == "allowed"
    assert capsys.readouterr().out.splitlines() == [
        "       CORS rule added (DJANGO_S3_STATIC_SET_CORS): the bucket now lets "
        f"{SITE} load the fonts",
        f"       CORS checked: the bucket lets {SITE} load the fonts",
    ]
    assert cors.read_rules(config) == [cors.rule_for([SITE])]


def test_check_bucket_when_the_configuration_cannot_be_read(s3server, capsys):
    config = config_of(s3server, "no-such-bucket-dss-test")
    assert cors.check_bucket(config, ("*",)) == "unknown"
    printed = capsys.readouterr().out
    assert "Cannot read the CORS configuration of bucket 'no-such-bucket-dss-test'" in printed
    assert "(NoSuchBucket)" in printed and "s3:GetBucketCORS" in printed
    with pytest.raises(S3StaticError) as raised:
        cors.check_bucket(config, ("*",), set_cors=True)
    assert "DJANGO_S3_STATIC_SET_CORS cannot add" in raised.value.title


def test_check_bucket_fails_when_asked_to_add_the_rule_without_permission(s3server, bucket):
    env = s3server.env  # the read-only identity: GetBucketCors yes, PutBucketCors AccessDenied
    reader = config_of(
        s3server, bucket, (env["DSS_TEST_S3_READ_ACCESS_KEY"], env["DSS_TEST_S3_READ_SECRET_KEY"])
    )
    assert cors.check_bucket(reader, ("*",)) == "missing"  # a warning only
    with pytest.raises(S3StaticError) as raised:
        cors.check_bucket(reader, ("*",), set_cors=True)
    assert raised.value.title == (
        f"Cannot add the fonts' CORS rule to bucket '{bucket}' (AccessDenied)."
    )
    assert raised.value.details == [
        f"Grant the IAM user s3:PutBucketCORS on arn:aws:s3:::{bucket}, or set "
        "DJANGO_S3_STATIC_SET_CORS=0 and apply it yourself:",
        cors.put_command(bucket, ["*"], None),
    ]
    assert cors.read_rules(config_of(s3server, bucket)) is None


def _font_get(url: str, origin: str) -> str | None:
    """A browser's font request, minus the browser: GET with Origin; the ACAO header it gets."""
    request = urllib.request.Request(url, headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        response.read()
        return response.headers.get("Access-Control-Allow-Origin")


def test_the_server_answers_cors_as_allows_predicts(s3server, bucket):
    """SeaweedFS enforces the rules: Access-Control-Allow-Origin only for an admitted origin."""
    client = s3server.client()
    client.put_object(
        Bucket=bucket, Key="static/fonts/x.ttf", Body=b"\0\1\0\0", ContentType="font/ttf"
    )
    url = f"{s3server.endpoint}/{bucket}/static/fonts/x.ttf"

    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule(ELSEWHERE)]})
    assert _font_get(url, SITE) is None
    assert _font_get(url, ELSEWHERE) == ELSEWHERE
    config = config_of(s3server, bucket)
    assert not cors.allows(cors.read_rules(config), SITE)

    client.put_bucket_cors(
        Bucket=bucket, CORSConfiguration={"CORSRules": [rule(SITE, methods=("PUT",))]}
    )
    assert _font_get(url, SITE) is None  # the origin matches, but not for GET
    assert not cors.allows(cors.read_rules(config), SITE)

    cors.add_rule(config, [SITE])
    assert _font_get(url, SITE) == SITE
    assert _font_get(url, ELSEWHERE) is None
    assert cors.allows(cors.read_rules(config), SITE)

    cors.add_rule(config, ["*"])
    assert _font_get(url, ELSEWHERE) == ELSEWHERE
    assert cors.allows(cors.read_rules(config), ELSEWHERE)


def test_with_integrity_scripts_and_stylesheets_are_checked_and_pipeline_makes_it_an_error(
    s3server, bucket, capsys
):
    """Scripts and stylesheets rendered with integrity are CORS reads: a warning when only this
    package's tags may render them, an error when django-pipeline's do (every page then does)."""
    s3server.client().put_bucket_cors(
        Bucket=bucket, CORSConfiguration={"CORSRules": [rule(ELSEWHERE)]}
    )
    config = config_of(s3server, bucket)
    what = cors.readers(["css/site.0123456789ab.css", "js/app.0123456789ab.js"], config)
    assert cors.check_bucket(config, (SITE,), what=what) == "missing"
    printed = capsys.readouterr().out.splitlines()
    assert printed[:4] == [
        " !     Warning: Browsers will refuse the scripts and stylesheets rendered with integrity: "
        f"the CORS configuration of bucket '{bucket}' does not let {SITE} read them.",
        " !     A script or stylesheet with an integrity digest is rendered "
        'crossorigin="anonymous":',
        " !     browsers read it in CORS mode and refuse it without "
        "Access-Control-Allow-Origin, so",
        " !     the page loses its scripts and styles. Apply this rule "
        "(the bucket's 1 other rule(s) are kept):",
    ]
    assert printed[-1] == (
        " !     (or render the tags without integrity: heroku config:set "
        "DJANGO_S3_STATIC_INTEGRITY=off)"
    )
    pipeline = Config.from_values(
        deploy_config(s3server, bucket, DJANGO_S3_STATIC_PIPELINE_INTEGRITY="on")
    )
    with pytest.raises(S3StaticError) as raised:
        cors.check_bucket(pipeline, (SITE,), what=what)
    assert raised.value.title == printed[0].removeprefix(" !     Warning: ")
    assert raised.value.details[-1] == (
        "(or render the tags without integrity: heroku config:set "
        "DJANGO_S3_STATIC_PIPELINE_INTEGRITY=off)"
    )
    cors.add_rule(pipeline, [SITE])
    assert cors.check_bucket(pipeline, (SITE,), what=what) == "allowed"
