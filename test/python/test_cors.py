"""CORS for web fonts: the pure rules (wildcards, methods, no configuration) and the real server.

The integration tests run against the local SeaweedFS, which enforces a bucket's CORS
configuration like S3: once a bucket has rules, a GET with an Origin they do not admit gets no
Access-Control-Allow-Origin. (Without any configuration SeaweedFS answers every origin, from its
global -s3.allowedOrigins=* default; AWS answers none. So these tests always set a configuration.)
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import deploy_config
from django_s3_static.build import cors
from django_s3_static.config import Config
from django_s3_static.errors import BuildError

SITE = "http://127.0.0.1:8000"
ELSEWHERE = "https://elsewhere.example"


def rule(*origins: str, methods: tuple[str, ...] = ("GET",), **extra) -> dict:
    return {"AllowedOrigins": list(origins), "AllowedMethods": list(methods), **extra}


# --- pure functions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], False),
        (["css/site.css", "js/app.js", "img/logo.png"], False),
        (["css/site.css", "fonts/example-mono.68251ecf9eea.ttf"], True),
        (["fonts/A.WOFF2"], True),
        (["f.woff", "g.otf"], True),
        (["legacy/icons.eot"], True),
        (["fonts/x.woff2.map", "fonts.css", "woff"], False),
    ],
)
def test_has_fonts(names, expected):
    assert cors.has_fonts(names) is expected
    assert cors.has_fonts(iter(names)) is expected  # any iterable, e.g. a dict's keys


def test_parse_origins_defaults_to_any_origin():
    assert cors.parse_origins(None) == ("*",)
    assert cors.parse_origins("") == ("*",)
    assert cors.parse_origins("  ") == ("*",)


def test_parse_origins_normalizes_to_what_browsers_send():
    value = " https://WWW.Example.com/ ,https://example.herokuapp.com,,https://www.example.com "
    assert cors.parse_origins(value) == ("https://www.example.com", "https://example.herokuapp.com")
    assert cors.parse_origins("https://*.example.com,http://127.0.0.1:8000") == (
        "https://*.example.com",
        "http://127.0.0.1:8000",
    )


@pytest.mark.parametrize(
    "value",
    [
        "example.com",
        "https://example.com/app",
        "ftp://example.com",
        "https://*.*.example.com",
        "https://exa mple.com",
        "https://example.com'",
        ",",
    ],
)
def test_parse_origins_refuses_what_no_browser_sends(value):
    with pytest.raises(BuildError) as raised:
        cors.parse_origins(value)
    assert cors.ORIGINS_SETTING in raised.value.title


def test_no_configuration_or_no_rule_allows_nothing():
    assert not cors.allows(None, SITE)
    assert not cors.allows([], SITE)
    assert not cors.allows(None, "*")


def test_any_origin_rule():
    rules = [rule("*")]
    assert cors.allows(rules, SITE)
    assert cors.allows(rules, "https://www.example.com")
    assert cors.allows(rules, "*")
    assert cors.allows(rules, "https://*.example.com")


def test_only_get_matters_to_a_browser():
    assert not cors.allows([rule("*", methods=("PUT", "POST"))], SITE)
    assert not cors.allows([rule("*", methods=("HEAD",))], SITE)
    assert cors.allows([rule("*", methods=("PUT", "GET"))], SITE)
    assert not cors.allows([{"AllowedOrigins": ["*"]}], SITE)  # malformed: no methods


def test_exact_origins():
    rules = [rule(ELSEWHERE)]
    assert cors.allows(rules, ELSEWHERE)
    assert not cors.allows(rules, SITE)
    assert not cors.allows(rules, "*")  # one origin is not every origin
    assert not cors.allows(rules, "https://elsewhere.example:8443")
    assert not cors.allows(rules, "http://elsewhere.example")


def test_a_later_rule_can_allow_what_an_earlier_one_does_not():
    rules = [rule(SITE, methods=("PUT",)), rule(ELSEWHERE), rule(SITE, methods=("GET", "HEAD"))]
    assert cors.allows(rules, SITE)


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://www.example.com", True),
        ("https://a.b.example.com", True),
        ("https://example.com", False),  # the wildcard stands for "something."
        ("http://www.example.com", False),
        ("https://evil-example.com", False),
        ("https://www.example.com.evil.net", False),
        ("https://*.example.com", True),  # the same pattern
        ("https://*.www.example.com", True),  # a narrower pattern
        ("https://*.com", False),  # a wider one
        ("https://*", False),
        ("*", False),
    ],
)
def test_one_wildcard_inside_an_origin(origin, expected):
    assert cors.allows([rule("https://*.example.com")], origin) is expected


def test_wildcard_port_and_scheme_patterns():
    assert cors.allows([rule("http://127.0.0.1:*")], SITE)
    assert not cors.allows([rule("http://127.0.0.1:*")], "http://127.0.0.2:8000")
    assert not cors.allows([rule("http://127.0.0.1:*")], "https://127.0.0.1:8000")
    assert cors.allows([rule("https://*")], "https://*.example.com")
    assert not cors.allows([rule("https://*")], SITE)


def test_allows_all_needs_every_origin():
    rules = [rule(SITE), rule("https://*.example.com")]
    assert cors.allows_all(rules, [SITE, "https://www.example.com"])
    assert not cors.allows_all(rules, [SITE, ELSEWHERE])


def test_rule_for():
    assert cors.rule_for([SITE, "https://*.example.com"]) == {
        "ID": "django-s3-static-fonts",
        "AllowedOrigins": [SITE, "https://*.example.com"],
        "AllowedMethods": ["GET", "HEAD"],
        "AllowedHeaders": ["*"],
        "MaxAgeSeconds": 86400,
    }
    assert cors.allows([cors.rule_for(["*"])], SITE)


def test_rule_json_is_the_exact_cli_configuration():
    assert cors.rule_json(["*"]) == (
        '{"CORSRules": [{"ID": "django-s3-static-fonts", "AllowedOrigins": ["*"], '
        '"AllowedMethods": ["GET", "HEAD"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 86400}]}'
    )


def test_rule_json_keeps_the_other_rules_and_replaces_an_earlier_one_of_ours():
    theirs = rule("https://uploads.example.com", methods=("PUT",), ID="uploads")
    ours_before = cors.rule_for([ELSEWHERE])
    configuration = json.loads(cors.rule_json([SITE], [theirs, ours_before]))
    assert configuration == {"CORSRules": [theirs, cors.rule_for([SITE])]}


def test_put_command():
    assert cors.put_command("my-app-static", ["*"], None) == (
        "aws s3api put-bucket-cors --bucket my-app-static --cors-configuration "
        f"'{cors.rule_json(['*'])}'"
    )


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
    name = s3server.bucket()
    s3server.client().delete_bucket_cors(Bucket=name)
    return name


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
    with pytest.raises(BuildError) as raised:
        cors.check_bucket(config, ("*",), set_cors=True)
    assert "DJANGO_S3_STATIC_SET_CORS cannot add" in raised.value.title


def test_check_bucket_fails_when_asked_to_add_the_rule_without_permission(s3server, bucket):
    env = s3server.env  # the read-only identity: GetBucketCors yes, PutBucketCors AccessDenied
    reader = config_of(
        s3server, bucket, (env["DSS_TEST_S3_READ_ACCESS_KEY"], env["DSS_TEST_S3_READ_SECRET_KEY"])
    )
    assert cors.check_bucket(reader, ("*",)) == "missing"  # a warning only
    with pytest.raises(BuildError) as raised:
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
