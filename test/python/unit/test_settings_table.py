"""The table of settings: each kind parsed, its defaults, and where a bad value fails (pure)."""

import pytest
from django.core.checks import WARNING

from django_s3_static import checks
from django_s3_static.config import SECRET_SETTINGS, Config, flag, parse, problem
from django_s3_static.errors import S3StaticError
from django_s3_static.settings_table import COMMANDS, DYNO, EVERYWHERE, FLAG, NUMBER, SETTINGS, TEXT


@pytest.mark.parametrize(
    "attribute, raw, value",
    [
        ("concurrency", "8", 8),
        ("concurrency", " 256 ", 256),
        ("concurrency", None, 32),
        ("concurrency", "  ", 32),
        ("set_cors", "Yes", True),
        ("set_cors", "on", True),
        ("set_cors", "FALSE", False),
        ("set_cors", None, False),
        ("compress", " GZIP ", "gzip"),
        ("compress", None, "auto"),
        ("integrity", "0", "off"),
        ("integrity", "true", "on"),
        ("pipeline_integrity", None, "off"),
        ("addressing_style", "Virtual", "virtual"),
        ("cors_origins_value", " https://a.example ", "https://a.example"),
        ("cors_origins_value", None, "*"),
        ("region", None, None),
        ("endpoint_url", "http://s3.local:9000/ ", "http://s3.local:9000"),
        ("custom_domain", "/cdn.example.com/", "cdn.example.com"),
        ("static_cache_dir", "/assets//cache/", "assets/cache"),
        ("static_cache_dir", "/", "static_cache"),
        ("location", "", ""),
    ],
)
def test_the_table_parses_each_kind(attribute, raw, value):
    values = {} if raw is None else {SETTINGS[attribute].name: raw}
    assert parse(values, attribute) == value
    assert parse(values, attribute, strict=False) == value
    assert problem(values, attribute) is None


@pytest.mark.parametrize(
    "attribute, raw, message, fix",
    [
        (
            "concurrency",
            "500",
            "DJANGO_S3_STATIC_CONCURRENCY must be a whole number from 1 to 256, not '500'.",
            "Fix it with: heroku config:set DJANGO_S3_STATIC_CONCURRENCY=32",
        ),
        (
            "read_timeout",
            "30s",
            "DJANGO_S3_STATIC_READ_TIMEOUT must be a whole number from 1 to 600, not '30s'.",
            "Fix it with: heroku config:set DJANGO_S3_STATIC_READ_TIMEOUT=30",
        ),
        (
            "debug",
            "Verbose",
            "DJANGO_S3_STATIC_DEBUG='Verbose' is not one of 1, 0 (or on, off, true, false, yes, "
            "no).",
            "Fix it, or unset it for the default (0): heroku config:unset DJANGO_S3_STATIC_DEBUG",
        ),
        (
            "manifest_strict",
            "2",
            "DJANGO_S3_STATIC_MANIFEST_STRICT='2' is not one of on, off (or 1, 0, true, false, "
            "yes, no).",
            "Fix it, or unset it for the default (on): heroku config:unset "
            "DJANGO_S3_STATIC_MANIFEST_STRICT",
        ),
        (
            "addressing_style",
            "Sideways",
            "AWS_S3_ADDRESSING_STYLE='Sideways' is not one of auto, path, virtual.",
            "Fix it, or unset it for the default (auto): heroku config:unset "
            "AWS_S3_ADDRESSING_STYLE",
        ),
    ],
)
def test_a_bad_value_of_each_kind_raises_or_means_the_default(attribute, raw, message, fix):
    values = {SETTINGS[attribute].name: f" {raw} "}
    with pytest.raises(S3StaticError) as raised:
        parse(values, attribute)
    assert (raised.value.title, *raised.value.details) == (message, fix)
    assert problem(values, attribute) == (message, fix)
    assert parse(values, attribute, strict=False) == SETTINGS[attribute].default
    if SETTINGS[attribute].kind == FLAG:
        assert flag(values, attribute) is False


def test_every_row_says_where_it_is_read_and_no_secret_can_be_reported():
    for setting in SETTINGS.values():
        assert setting.where and set(setting.where) <= set(EVERYWHERE), setting.name
        if setting.kind == NUMBER:
            assert setting.low <= setting.default <= setting.high, setting.name
    # Only numbers, flags and choices are ever wrong, and a message shows the value.
    assert {SETTINGS[a].kind for a in SETTINGS if SETTINGS[a].name in SECRET_SETTINGS} == {TEXT}


BUILD_ONLY_BAD = {
    "AWS_STORAGE_BUCKET_NAME": "bkt",
    "DJANGO_S3_STATIC_CONCURRENCY": "500",
    "DJANGO_S3_STATIC_COMPRESS": "brotli",
    "DJANGO_S3_STATIC_SET_CORS": "enable",
}


def test_the_dyno_ignores_a_bad_value_of_a_setting_it_does_not_read():
    config = Config.from_values(BUILD_ONLY_BAD, where=DYNO)
    assert (config.concurrency, config.compress, config.set_cors) == (32, "auto", False)
    assert config.public_base_url == "https://bkt.s3.amazonaws.com/"
    with pytest.raises(S3StaticError, match="DJANGO_S3_STATIC_CONCURRENCY must be a whole"):
        Config.from_values(BUILD_ONLY_BAD)
    with pytest.raises(S3StaticError, match="DJANGO_S3_STATIC_CONCURRENCY must be a whole"):
        Config.from_values(BUILD_ONLY_BAD, where=COMMANDS)
    # The commands do not read the build's switches either.
    assert Config.from_values({**BUILD_ONLY_BAD, "DJANGO_S3_STATIC_CONCURRENCY": "8"}, COMMANDS)


def test_the_dyno_renders_with_the_default_for_a_bad_value_it_reads():
    """A bad addressing style shapes the dyno's URLs: there it means auto, and the check warns."""
    values = {
        "AWS_STORAGE_BUCKET_NAME": "bkt",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.com",
        "AWS_S3_ADDRESSING_STYLE": "sideways",
    }
    assert Config.from_values(values, where=DYNO).public_base_url == ("https://s3.example.com/bkt/")
    with pytest.raises(S3StaticError, match="AWS_S3_ADDRESSING_STYLE='sideways'"):
        Config.from_values(values)
    # A missing bucket has no default to fall back on: it fails everywhere.
    with pytest.raises(S3StaticError, match="AWS_STORAGE_BUCKET_NAME is not set"):
        Config.from_values({}, where=DYNO)


def test_the_build_refuses_a_bad_value_of_any_setting_even_one_only_the_dyno_reads():
    with pytest.raises(S3StaticError, match="DJANGO_S3_STATIC_RELEASE_PROMOTES='maybe'"):
        Config.check_values({"DJANGO_S3_STATIC_RELEASE_PROMOTES": "maybe"})
    with pytest.raises(S3StaticError, match="DJANGO_S3_STATIC_CONNECT_TIMEOUT must be"):
        Config.check_values({"DJANGO_S3_STATIC_CONNECT_TIMEOUT": "0"})
    Config.check_values({"DJANGO_S3_STATIC_RELEASE_PROMOTES": "1", "AWS_S3_VERIFY": "/ca.pem"})


def test_the_check_warns_of_each_bad_value_the_dyno_passes_over():
    """Named with its value and the fix: a warning, since the pages still render."""
    values = {
        **BUILD_ONLY_BAD,
        "AWS_S3_ADDRESSING_STYLE": "sideways",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t value",
        "DJANGO_S3_STATIC_INTEGRITY": "1",
    }
    warnings = checks.setting_warnings(values)
    assert {warning.level for warning in warnings} == {WARNING}
    assert [(warning.id, warning.msg, warning.hint) for warning in warnings] == [
        (
            "django_s3_static.W002",
            "django-s3-static: AWS_S3_ADDRESSING_STYLE='sideways' is not one of auto, path, "
            "virtual. The default (auto) applies.",
            "Fix it, or unset it for the default (auto): heroku config:unset "
            "AWS_S3_ADDRESSING_STYLE",
        ),
        (
            "django_s3_static.W003",
            "django-s3-static: DJANGO_S3_STATIC_CONCURRENCY must be a whole number from 1 to 256, "
            "not '500'. The dyno ignores it, but the next build and the static commands "
            "(promote_static, verify_static, prune_static) fail on it.",
            "Fix it with: heroku config:set DJANGO_S3_STATIC_CONCURRENCY=32",
        ),
        (
            "django_s3_static.W003",
            "django-s3-static: DJANGO_S3_STATIC_SET_CORS='enable' is not one of 1, 0 (or on, off, "
            "true, false, yes, no). The dyno ignores it, but the next build fails on it.",
            "Fix it, or unset it for the default (0): heroku config:unset "
            "DJANGO_S3_STATIC_SET_CORS",
        ),
        (
            "django_s3_static.W003",
            "django-s3-static: DJANGO_S3_STATIC_COMPRESS='brotli' is not one of auto, gzip, off. "
            "The dyno ignores it, but the next build fails on it.",
            "Fix it, or unset it for the default (auto): heroku config:unset "
            "DJANGO_S3_STATIC_COMPRESS",
        ),
    ]
    assert checks.setting_warnings({"AWS_STORAGE_BUCKET_NAME": "bkt"}) == []
