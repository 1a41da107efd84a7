import dataclasses

import pytest

from django_s3_static.config import (
    Config,
    flag,
    normalize_prefix,
    parse,
    runtime_values,
    static_cache_dir,
    values_from_settings,
)
from django_s3_static.errors import S3StaticError
from django_s3_static.publish.environment import app_env, read_env_dir
from django_s3_static.settings_table import BUILD, COMMANDS, DYNO, SETTINGS


def test_public_base_url_for_each_kind_of_bucket():
    assert Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bkt"}).public_base_url == (
        "https://bkt.s3.amazonaws.com/"
    )
    regional = Config.from_values(
        {"AWS_STORAGE_BUCKET_NAME": "bkt", "AWS_S3_REGION_NAME": "eu-west-1", "AWS_LOCATION": "s"}
    )
    assert regional.public_base_url == "https://bkt.s3.eu-west-1.amazonaws.com/s/"
    endpoint = Config.from_values(
        {"AWS_STORAGE_BUCKET_NAME": "bkt", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000/"}
    )
    assert endpoint.public_base_url == "http://127.0.0.1:9000/bkt/"
    cdn = Config.from_values(
        {
            "AWS_STORAGE_BUCKET_NAME": "bkt",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com",
            "AWS_LOCATION": "/static/v1/",
        }
    )
    assert cdn.public_base_url == "https://cdn.example.com/static/v1/"
    assert cdn.key("css/a.css") == "static/v1/css/a.css"


def test_no_bucket_is_a_clear_error():
    with pytest.raises(S3StaticError) as raised:
        Config.from_values({})
    assert "AWS_STORAGE_BUCKET_NAME is not set" in raised.value.title
    assert any("heroku config:set" in line for line in raised.value.details)


@pytest.mark.parametrize("value", ["0", "x", "1000", "-3"])
def test_bad_concurrency_is_a_clear_error(value):
    with pytest.raises(S3StaticError, match="DJANGO_S3_STATIC_CONCURRENCY must be a whole number"):
        Config.from_values(
            {"AWS_STORAGE_BUCKET_NAME": "bkt", "DJANGO_S3_STATIC_CONCURRENCY": value}
        )


def test_invalid_bucket_name():
    with pytest.raises(S3StaticError, match="not a valid S3 bucket name"):
        Config.from_values({"AWS_STORAGE_BUCKET_NAME": "a/b"})


def test_secrets_are_not_in_the_repr():
    config = Config.from_values(
        {
            "AWS_STORAGE_BUCKET_NAME": "bkt",
            "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
            "AWS_SESSION_TOKEN": "tok3n-value",
        }
    )
    assert "s3cr3t-value" not in repr(config)
    assert "tok3n-value" not in repr(config)


def test_prefix_normalization():
    assert normalize_prefix("/a//b/") == "a/b"
    assert normalize_prefix("") == ""


def test_unsafe_config_vars_never_reach_the_app():
    env = app_env(
        {
            "PATH": "/evil",
            "LD_PRELOAD": "x",
            "LD_LIBRARY_PATH": "x",
            "PYTHONPATH": "x",
            "PYTHONHOME": "x",
            "GIT_DIR": "x",
            "SECRET_KEY": "kept",
            "bad-name": "x",
        }
    )
    assert env == {"SECRET_KEY": "kept"}


def test_read_env_dir(tmp_path):
    (tmp_path / "SECRET_KEY").write_text("value\n")
    (tmp_path / "EMPTY").write_text("")
    (tmp_path / "not a name").write_text("x")
    assert read_env_dir(str(tmp_path)) == {"EMPTY": "", "SECRET_KEY": "value"}
    assert read_env_dir(str(tmp_path / "missing")) == {}


class Settings:
    """A Django settings object as the config reads it: attributes, nothing else."""

    def __init__(self, **values):
        self.__dict__.update(values)


def test_storages_options_win_over_aws_settings_which_win_over_config_vars():
    """django-storages' order: the storage's OPTIONS, then the AWS_* settings; config vars last."""
    settings = Settings(
        AWS_STORAGE_BUCKET_NAME="from-setting",
        AWS_LOCATION="setting-prefix",
        AWS_S3_REGION_NAME="eu-west-1",
        STORAGES={
            "staticfiles": {
                "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
                "OPTIONS": {
                    "bucket_name": "from-options",
                    "location": "static",
                    "custom_domain": "cdn.example.com",
                    "default_acl": "public-read",  # about uploads: not read
                    "querystring_auth": False,
                },
            }
        },
    )
    environ = {"AWS_STORAGE_BUCKET_NAME": "from-env", "AWS_S3_ENDPOINT_URL": "http://env:9000"}
    config = Config.from_values(runtime_values(settings, environ))
    assert (config.bucket, config.location) == ("from-options", "static")
    assert config.region == "eu-west-1"
    assert config.endpoint_url == "http://env:9000"
    assert config.public_base_url == "https://cdn.example.com/static/"


def test_django_storages_alternative_setting_names_are_read():
    settings = Settings(
        AWS_STORAGE_BUCKET_NAME="bkt",
        AWS_ACCESS_KEY_ID="generic",
        AWS_S3_ACCESS_KEY_ID="s3-specific",
        AWS_S3_SECRET_ACCESS_KEY="s3-secret",
        AWS_SECURITY_TOKEN="token",
    )
    config = Config.from_values(values_from_settings(settings))
    assert (config.access_key, config.secret_key, config.session_token) == (
        "s3-specific",
        "s3-secret",
        "token",
    )


def test_buildpack_switches_set_as_django_settings_are_read():
    """DJANGO_S3_STATIC_* work as Django settings too, as the README says, booleans included."""
    settings = Settings(
        AWS_STORAGE_BUCKET_NAME="bkt",
        DJANGO_S3_STATIC_STRICT_REFERENCES=True,
        DJANGO_S3_STATIC_CONCURRENCY=8,
        DJANGO_S3_STATIC_CACHE_DIR="/assets/cache/",
    )
    values = runtime_values(settings, {"DJANGO_S3_STATIC_STRICT_REFERENCES": "0"})
    assert flag(values, "strict_references") is True
    config = Config.from_values(values)
    assert (config.strict_references, config.concurrency, config.static_cache_dir) == (
        True,
        8,
        "assets/cache",
    )
    assert static_cache_dir({}) == "static_cache"


def test_defaults_are_stated_once():
    """Config has a field per row of the table, defaulting to the row's default."""
    config = Config(bucket="bkt")
    assert {f.name for f in dataclasses.fields(Config)} == set(SETTINGS)
    for attribute, setting in SETTINGS.items():
        if attribute not in ("bucket", "addressing_style", "verify"):  # parsed further
            assert getattr(config, attribute) == setting.default, attribute
    for where in (BUILD, DYNO, COMMANDS):
        assert Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bkt"}, where=where) == config


@pytest.mark.parametrize(
    "style, endpoint, url",
    [
        (None, "https://s3.example.com", "https://s3.example.com/bkt/"),
        ("path", "https://s3.example.com", "https://s3.example.com/bkt/"),
        ("virtual", "https://s3.example.com", "https://bkt.s3.example.com/"),
        ("auto", None, "https://bkt.s3.amazonaws.com/"),
    ],
)
def test_addressing_style(style, endpoint, url):
    values = {"AWS_STORAGE_BUCKET_NAME": "bkt", "AWS_S3_ADDRESSING_STYLE": style or ""}
    if endpoint:
        values["AWS_S3_ENDPOINT_URL"] = endpoint
    assert Config.from_values(values).public_base_url == url


def test_a_bad_addressing_style_is_a_clear_error():
    with pytest.raises(S3StaticError, match="AWS_S3_ADDRESSING_STYLE='sideways'"):
        Config.from_values(
            {"AWS_STORAGE_BUCKET_NAME": "bkt", "AWS_S3_ADDRESSING_STYLE": "sideways"}
        )


@pytest.mark.parametrize(
    "values, url",
    [
        (
            {"AWS_S3_REGION_NAME": "eu-west-1"},
            "https://s3.eu-west-1.amazonaws.com/static.example.com/",
        ),
        ({}, "https://s3.amazonaws.com/static.example.com/"),
    ],
)
def test_a_dotted_bucket_is_addressed_by_path_in_browsers(values, url):
    """static.example.com.s3.amazonaws.com does not match S3's *.s3 certificate."""
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "static.example.com", **values})
    assert config.public_base_url == url


def test_r2_needs_its_public_domain():
    values = {
        "AWS_STORAGE_BUCKET_NAME": "site",
        "AWS_S3_ENDPOINT_URL": "https://0123abcd.r2.cloudflarestorage.com",
    }
    assert "AWS_S3_CUSTOM_DOMAIN" in Config.from_values(values).public_url_problem()
    public = Config.from_values({**values, "AWS_S3_CUSTOM_DOMAIN": "pub-1.r2.dev"})
    assert public.public_url_problem() is None
    assert public.public_base_url == "https://pub-1.r2.dev/"
    assert Config(bucket="bkt").public_url_problem() is None


@pytest.mark.parametrize(
    "values, verify",
    [
        ({}, True),
        ({"AWS_S3_VERIFY": "False"}, False),
        ({"AWS_S3_VERIFY": "0", "AWS_CA_BUNDLE": "/ca.pem"}, False),
        ({"AWS_S3_VERIFY": "/etc/ssl/corp.pem"}, "/etc/ssl/corp.pem"),
        ({"AWS_CA_BUNDLE": "/ca.pem"}, "/ca.pem"),
    ],
)
def test_tls_verification(values, verify):
    assert Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bkt", **values}).verify == verify


@pytest.mark.parametrize(
    "values, compression",
    [
        ({}, "gzip"),  # auto, URLs straight at the bucket: S3 cannot compress per request
        ({"AWS_S3_CUSTOM_DOMAIN": "cdn.example.com"}, "off"),  # auto, the CDN compresses
        ({"AWS_S3_CUSTOM_DOMAIN": "cdn.example.com", "DJANGO_S3_STATIC_COMPRESS": "gzip"}, "gzip"),
        ({"DJANGO_S3_STATIC_COMPRESS": " OFF "}, "off"),
        ({"DJANGO_S3_STATIC_COMPRESS": "auto"}, "gzip"),
    ],
)
def test_compression_auto_gzip_off(values, compression):
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bkt", **values})
    Config.check_values(values)
    assert config.compression == compression


@pytest.mark.parametrize(
    "name, value, accepted",
    [
        ("DJANGO_S3_STATIC_COMPRESS", "brotli", "'brotli' is not one of auto, gzip, off."),
        ("DJANGO_S3_STATIC_COMPRESS", "1", "'1' is not one of auto, gzip, off."),
        ("DJANGO_S3_STATIC_INTEGRITY", "sha512", "'sha512' is not one of on, off (or 1, 0,"),
        ("DJANGO_S3_STATIC_PIPELINE_INTEGRITY", "maybe", "'maybe' is not one of on, off"),
        ("DJANGO_S3_STATIC_MANIFEST_STRICT", "2", "'2' is not one of on, off"),
        ("DJANGO_S3_STATIC_SET_CORS", "enable", "'enable' is not one of 1, 0 (or on, off,"),
    ],
)
def test_unknown_values_are_refused_at_build_time_with_the_accepted_ones(name, value, accepted):
    values = {"AWS_STORAGE_BUCKET_NAME": "bkt", name: value}
    with pytest.raises(S3StaticError) as raised:
        Config.check_values(values)
    assert raised.value.title.startswith(f"{name}={accepted}")
    assert f"heroku config:unset {name}" in raised.value.details[0]
    # On the dyno (a config var can change without a build) the value means the default.
    config = Config.from_values(values, where=DYNO)
    assert (config.compress, config.integrity, config.manifest_strict) == ("auto", "on", "on")
    assert (config.pipeline_integrity, config.set_cors) == ("off", False)


@pytest.mark.parametrize(
    "raw, value", [("0", "off"), ("false", "off"), ("No", "off"), ("1", "on"), ("", "on")]
)
def test_on_off_settings_take_the_usual_spellings(raw, value):
    values = {"AWS_STORAGE_BUCKET_NAME": "bkt", "DJANGO_S3_STATIC_MANIFEST_STRICT": raw}
    Config.check_values(values)
    dyno = Config.from_values(values, where=DYNO)
    assert parse(values, "manifest_strict") == value == dyno.manifest_strict


def test_choices_set_as_django_settings_are_read():
    settings = Settings(DJANGO_S3_STATIC_MANIFEST_STRICT=False, DJANGO_S3_STATIC_COMPRESS="off")
    values = runtime_values(settings, {"DJANGO_S3_STATIC_MANIFEST_STRICT": "1"})
    assert parse(values, "manifest_strict") == "off"
    assert parse(values, "compress") == "off"
