import pytest

from django_s3_static.config import Config, app_env, normalize_prefix, read_env_dir
from django_s3_static.errors import BuildError


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
    with pytest.raises(BuildError) as raised:
        Config.from_values({})
    assert "AWS_STORAGE_BUCKET_NAME is not set" in raised.value.title
    assert any("heroku config:set" in line for line in raised.value.details)


@pytest.mark.parametrize("value", ["0", "x", "1000", "-3"])
def test_bad_concurrency_is_a_clear_error(value):
    with pytest.raises(BuildError, match="DJANGO_S3_STATIC_CONCURRENCY must be a whole number"):
        Config.from_values(
            {"AWS_STORAGE_BUCKET_NAME": "bkt", "DJANGO_S3_STATIC_CONCURRENCY": value}
        )


def test_invalid_bucket_name():
    with pytest.raises(BuildError, match="not a valid S3 bucket name"):
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
