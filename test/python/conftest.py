"""Shared fixtures: one real local S3 server per run, a fresh bucket per test, slugs to build.

``test/run`` starts the server and exports ``DSS_TEST_S3_*``; run directly (``pytest``), the session
starts its own.
"""

from __future__ import annotations

import os
import sys
import uuid

import pytest

from support.dyno import Slug
from support.s3server import S3Server, make_bucket, make_client


class ServerInfo:
    def __init__(self, endpoint: str, env: dict[str, str]) -> None:
        self.endpoint = endpoint
        self.env = env
        self.access_key = env["DSS_TEST_S3_ACCESS_KEY"]
        self.secret_key = env["DSS_TEST_S3_SECRET_KEY"]

    def client(self, access_key: str | None = None, secret_key: str | None = None):
        return make_client(
            self.endpoint, access_key or self.access_key, secret_key or self.secret_key
        )

    def bucket(self, public: bool = True) -> str:
        return make_bucket(self.client(), f"t-{uuid.uuid4().hex[:20]}", public)


UNIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit") + os.sep


def pytest_collection_modifyitems(items):
    """The folder decides: unit/ holds pure logic (``pytest -m unit`` runs it in seconds),
    scenarios/ the suites against real servers."""
    for item in items:
        unit = str(item.path).startswith(UNIT)
        item.add_marker(pytest.mark.unit if unit else pytest.mark.integration)


@pytest.fixture(scope="session")
def s3server(tmp_path_factory) -> ServerInfo:
    if os.environ.get("DSS_TEST_S3_ENDPOINT"):
        env = {k: v for k, v in os.environ.items() if k.startswith("DSS_TEST_S3_")}
        yield ServerInfo(env["DSS_TEST_S3_ENDPOINT"], env)
        return
    server = S3Server.start(str(tmp_path_factory.mktemp("s3")))
    try:
        yield ServerInfo(server.endpoint, server.env())
    finally:
        server.stop()


@pytest.fixture
def bucket(s3server) -> str:
    return s3server.bucket()


@pytest.fixture(scope="session")
def app_python_home() -> str:
    """The Python heroku/python would leave in .heroku/python (Django, gunicorn, boto3)."""
    return os.environ.get("DSS_TEST_APP_PYTHON_HOME") or sys.prefix


def deploy_config(s3server: ServerInfo, bucket: str, **extra: str) -> dict[str, str]:
    return {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_ACCESS_KEY_ID": s3server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3server.secret_key,
        "AWS_S3_ENDPOINT_URL": s3server.endpoint,
        "SECRET_KEY": "django-secret-for-tests",
        "DISABLE_COLLECTSTATIC": "1",
        **extra,
    }


@pytest.fixture
def make_slug(tmp_path, app_python_home):
    def make(fixture: str = "example_app", python_home: str | None = None) -> Slug:
        root = tmp_path / f"slug-{uuid.uuid4().hex[:8]}"
        return Slug(str(root), python_home or app_python_home).prepare(fixture)

    return make


@pytest.fixture(scope="session")
def django61_python_home() -> str:
    """An app Python with Django 6.1, gunicorn and django-pipeline but no boto3, made once and
    kept in test/.cache.

    It checks two things at once: the buildpack on Django 6.1, and an app that does not ship boto3
    (the build helper then installs its own into CACHE_DIR).
    """
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".cache")
    home = os.path.join(root, "app-django61")
    marker = os.path.join(home, ".installed-2")  # bump when the packages change
    if not os.path.exists(marker):
        import subprocess

        subprocess.run([sys.executable, "-m", "venv", "--clear", home], check=True)
        subprocess.run(
            [
                f"{home}/bin/python",
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "Django>=6.1,<6.2",
                "gunicorn==27.0.1",
                "django-pipeline==4.1.0",
                "rcssmin==1.3.0",
                "rjsmin==1.3.0",
            ],
            check=True,
        )
        open(marker, "w").close()
    return home
