"""The CORS rules for web fonts (pure): wildcards, methods, origins, the rule to apply."""

from __future__ import annotations

import json

import pytest

from django_s3_static.errors import S3StaticError
from django_s3_static.publish import cors

SITE = "http://127.0.0.1:8000"


ELSEWHERE = "https://elsewhere.example"


def rule(*origins: str, methods: tuple[str, ...] = ("GET",), **extra) -> dict:
    return {"AllowedOrigins": list(origins), "AllowedMethods": list(methods), **extra}


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
    with pytest.raises(S3StaticError) as raised:
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


def test_readers_fonts_and_with_integrity_scripts_and_stylesheets():
    from django_s3_static.config import Config

    on, off = Config(bucket="bkt"), Config(bucket="bkt", integrity="off")
    assert cors.readers(["img/a.png", "fonts/x.woff2"], off) == "the fonts"
    assert cors.readers(["img/a.png", "css/site.css"], off) is None
    assert (
        cors.readers(["css/site.css"], on) == "the scripts and stylesheets rendered with integrity"
    )
    assert cors.readers(iter(["js/app.js", "fonts/x.ttf"]), on) == (
        "the fonts, and the scripts and stylesheets rendered with integrity"
    )
    assert cors.readers(["img/a.png"], on) is None
