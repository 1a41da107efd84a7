"""The settings snippet on a plain namespace: what it keeps of the app's settings, and what it
changes for WhiteNoise's middleware, whose ``STATIC_ROOT`` names no folder on a dyno (the warning
itself is shown on a real dyno in ``scenarios/test_moving_in.py``)."""

from __future__ import annotations

import pytest

from django_s3_static.config import APP_STATICFILES_BACKEND
from django_s3_static.snippet import STORAGE_BACKEND, WHITENOISE_MIDDLEWARE, install

MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", WHITENOISE_MIDDLEWARE]


@pytest.fixture(autouse=True)
def bucket(monkeypatch):
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "my-bucket")


def test_whitenoise_gets_no_static_root_where_the_folder_is_missing(tmp_path):
    settings = {"MIDDLEWARE": MIDDLEWARE, "STATIC_ROOT": tmp_path / "staticfiles"}
    install(settings)
    assert settings["STATIC_ROOT"] is None
    assert settings["MIDDLEWARE"] == MIDDLEWARE  # the middleware stays, for WHITENOISE_ROOT


def test_a_static_root_that_exists_is_kept_for_whitenoise(tmp_path):
    """collectstatic ran (a developer's machine, heroku/python's collectstatic): WhiteNoise
    serves what it wrote, as before."""
    settings = {"MIDDLEWARE": tuple(MIDDLEWARE), "STATIC_ROOT": str(tmp_path)}
    install(settings)
    assert settings["STATIC_ROOT"] == str(tmp_path)


def test_without_whitenoise_static_root_is_left_alone(tmp_path):
    missing = tmp_path / "staticfiles"
    settings = {"MIDDLEWARE": MIDDLEWARE[:1], "STATIC_ROOT": missing}
    install(settings)
    assert settings["STATIC_ROOT"] == missing


def test_the_app_s_static_storage_and_url_are_kept_for_the_fingerprint():
    """A command run on a dyno (verify_static) fingerprints what the build saw: the app's own
    storage class (``build.app_storage``) and STATIC_URL, which the snippet replaces."""
    settings = {
        "STATIC_URL": "/static/",
        "STORAGES": {"staticfiles": {"BACKEND": "myapp.storage.ModuleStorage"}},
    }
    install(settings)
    assert settings[APP_STATICFILES_BACKEND] == "myapp.storage.ModuleStorage"
    assert settings["STORAGES"]["staticfiles"]["BACKEND"] == STORAGE_BACKEND
    assert settings["DJANGO_S3_STATIC_APP_STATIC_URL"] == "/static/"
    assert settings["STATIC_URL"].startswith("https://my-bucket.")
