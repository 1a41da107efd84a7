"""Shared fixtures: real local S3 servers, a fresh bucket per test, slugs to build.

Two S3 implementations: SeaweedFS (``s3server``, every scenario) and Ceph's RADOS Gateway
(``cephserver``), which the tests that take ``anys3`` also run against, as ``[seaweedfs]`` and
``[ceph]`` (their ``bucket`` is made on that server). ``test/run`` starts both and exports
``DSS_TEST_S3_*`` and ``DSS_TEST_CEPH_*``; run directly (``pytest``), the session starts each the
first time a test needs it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import uuid

import pytest

from support import ceph_server
from support import s3server as seaweedfs
from support.dyno import Slug
from support.s3server import S3Server, make_bucket, make_client

BACKENDS = ("seaweedfs", "ceph")
#: The Ceph endpoints whose ops log barrier bucket this process has made sure of.
_BARRIERS: set[str] = set()


class ServerInfo:
    """One S3 server as the tests see it. ``env`` uses the ``DSS_TEST_S3_*`` names whichever
    server it is (``DSS_TEST_S3_READ_ACCESS_KEY``, ...); ``name`` is ``seaweedfs`` or ``ceph``."""

    def __init__(self, endpoint: str, env: dict[str, str], name: str = "seaweedfs") -> None:
        self.name = name
        self.endpoint = endpoint
        self.env = env
        self.access_key = env["DSS_TEST_S3_ACCESS_KEY"]
        self.secret_key = env["DSS_TEST_S3_SECRET_KEY"]

    def __repr__(self) -> str:
        return f"ServerInfo({self.name}, {self.endpoint})"

    def request_counts(self, bucket: str) -> dict[str, int]:
        """The requests of each kind (LIST, PUT, GET, ...) the server has served for a bucket,
        counted by the server itself: SeaweedFS's Prometheus counters, RGW's ops log."""
        if self.name == "ceph":
            if self.endpoint not in _BARRIERS:
                with contextlib.suppress(Exception):  # made by another test process already
                    self.client().create_bucket(Bucket=ceph_server.BARRIER_BUCKET)
                _BARRIERS.add(self.endpoint)
            ops_log = self.env["DSS_TEST_S3_OPS_LOG"]
            return ceph_server.request_counts(ops_log, bucket, self.endpoint)
        return seaweedfs.request_counts(self.env["DSS_TEST_S3_METRICS"], bucket)

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
        yield ServerInfo(env["DSS_TEST_S3_ENDPOINT"], env, "seaweedfs")
        return
    server = S3Server.start(str(tmp_path_factory.mktemp("s3")))
    try:
        yield ServerInfo(server.endpoint, server.env(), "seaweedfs")
    finally:
        server.stop()


def _ceph_info(env: dict[str, str]) -> ServerInfo:
    """DSS_TEST_CEPH_X as DSS_TEST_S3_X, so a test reads the keys it needs by one name."""
    prefix = "DSS_TEST_CEPH_"
    named = {"DSS_TEST_S3_" + k[len(prefix) :]: v for k, v in env.items() if k.startswith(prefix)}
    return ServerInfo(named["DSS_TEST_S3_ENDPOINT"], named, "ceph")


@pytest.fixture(scope="session")
def cephserver(tmp_path_factory) -> ServerInfo:
    """Ceph RGW: the one test/run started, else one for this session (apt's ceph-mon, ceph-osd
    and radosgw; a missing one fails the tests that need it, saying what to install)."""
    if os.environ.get("DSS_TEST_CEPH_ENDPOINT"):
        yield _ceph_info(dict(os.environ))
        return
    try:
        server = ceph_server.CephServer.start(str(tmp_path_factory.mktemp("ceph")))
    except ceph_server.CephMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield _ceph_info(server.env())
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3servers(s3server, cephserver) -> dict[str, ServerInfo]:
    """Both servers, by name."""
    return {"seaweedfs": s3server, "ceph": cephserver}


_FIXTURE = {"seaweedfs": "s3server", "ceph": "cephserver"}


@pytest.fixture(params=BACKENDS)
def anys3(request) -> ServerInfo:
    """The test once on each S3 server (ids ``seaweedfs`` and ``ceph``); each server starts the
    first time a test needs it. To run only some cases on both, parametrize it:
    ``@pytest.mark.parametrize("variant, anys3", [...], indirect=["anys3"])``."""
    return request.getfixturevalue(_FIXTURE[request.param])


def server_of(request) -> ServerInfo:
    """The test's S3 server: ``anys3`` when the test takes it, else SeaweedFS (``s3server``)."""
    return request.getfixturevalue("anys3" if "anys3" in request.fixturenames else "s3server")


@pytest.fixture
def bucket(request) -> str:
    """A fresh public bucket on the test's server (see ``server_of``)."""
    return server_of(request).bucket()


@pytest.fixture(scope="session")
def app_python_home() -> str:
    """The Python heroku/python would leave in .heroku/python (Django, gunicorn, boto3)."""
    return os.environ.get("DSS_TEST_APP_PYTHON_HOME") or sys.prefix


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """What changed between two ``request_counts``: the requests made in between, by kind."""
    return {
        k: after.get(k, 0) - before.get(k, 0)
        for k in set(after) | set(before)
        if after.get(k, 0) != before.get(k, 0)
    }


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
    os.makedirs(root, exist_ok=True)
    # Test files run in parallel processes (pytest-xdist): one makes it, the others wait.
    with open(os.path.join(root, "app-django61.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            _make_django61(home, marker)
    return home


def _make_django61(home: str, marker: str) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--clear", home], check=True)
    packages = [
        "Django>=6.1,<6.2",
        "gunicorn==27.0.1",
        "django-pipeline==4.1.0",
        "rcssmin==1.3.0",
        "rjsmin==1.3.0",
    ]
    pip = [f"{home}/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *packages], check=True)
    open(marker, "w").close()
