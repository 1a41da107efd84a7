"""The settings snippet on a plain namespace: what it changes for WhiteNoise's middleware, whose
``STATIC_ROOT`` names no folder on a dyno (the warning itself is shown on a real dyno in
``scenarios/test_moving_in.py``)."""

from __future__ import annotations

import pytest

from django_s3_static.runtime.snippet import WHITENOISE_MIDDLEWARE, install

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
