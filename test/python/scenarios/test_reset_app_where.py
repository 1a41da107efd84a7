"""``reset_app`` refuses a database that is not a developer's own, on a real PostgreSQL server.

DEBUG alone does not tell: a staging app often runs with DEBUG on, and ``--noinput`` skips the
question. On a Heroku dyno (``DYNO`` set), or against a database on another machine (here the
test server reached through a relay on this machine's non-loopback address), the command
refuses before it reads or writes anything, unless ``--allow-remote`` says it is meant.

Each test copies test/fixtures/resetproject and its own database from a migrated, filled
template, and runs ``python manage.py`` in a subprocess, as a developer's shell would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import postgres_server as pg
from support.tcp_relay import TcpRelay, outward_address

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "test" / "fixtures" / "resetproject"
LIB = REPO / "lib"
TEMPLATE = "reset_app_where_template"
SEED = [
    "INSERT INTO library_author (name) VALUES ('Le Guin')",
    "INSERT INTO library_book (title, author_id, isbn) VALUES ('Earthsea', 1, '111')",
]
TABLES = ["library_author", "library_book", "django_migrations"]

postgres_server = pg.postgres_server


def manage(root: Path, url: str, *args: str, env: dict[str, str] | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DYNO"}
    clean.update(
        PYTHONPATH=os.pathsep.join([str(LIB), str(root)]),
        PYTHONDONTWRITEBYTECODE="1",
        RESETPROJECT_DATABASE_URL=url,
        **(env or {}),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def template(postgres_server: pg.PostgresServer, tmp_path_factory) -> str:
    postgres_server.drop_database(TEMPLATE)
    url = postgres_server.create_database(TEMPLATE)
    root = tmp_path_factory.mktemp("where-template") / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "db.*"))
    migrated = manage(root, url, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with postgres_server.connect(TEMPLATE, autocommit=True) as connection:
        for statement in SEED:
            connection.execute(statement)
    return TEMPLATE


@pytest.fixture
def project(postgres_server, template, tmp_path) -> Iterator[tuple[Path, str]]:
    """A copy of the project and the name of its own database (copied from the template)."""
    name = f"where_{tmp_path.name.lower().replace('-', '_')[-40:]}"
    postgres_server.drop_database(name)
    postgres_server.create_database(name, template=template)
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "db.*"))
    try:
        yield root, name
    finally:
        postgres_server.drop_database(name)


def state(server: pg.PostgresServer, root: Path, name: str) -> tuple[dict, dict]:
    """Every file of the project, and every row of its tables."""
    files = {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    with server.connect(name) as connection:
        rows = {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall()) for t in TABLES}
    return files, rows


def refused(server, root: Path, name: str, url: str, env: dict[str, str] | None = None) -> str:
    before = state(server, root, name)
    result = manage(root, url, "reset_app", "library", "--soft", "--noinput", env=env)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert state(server, root, name) == before
    return result.stdout + result.stderr


def reset(root: Path, url: str, env: dict[str, str] | None = None) -> None:
    result = manage(
        root, url, "reset_app", "library", "--soft", "--noinput", "--allow-remote", env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (root / "library" / "migrations").iterdir()) == [
        "0001_initial.py",
        "__init__.py",
    ]


def test_on_a_dyno_with_debug_on_it_refuses_unless_allowed(postgres_server, project):
    root, name = project
    url = postgres_server.url(name)  # 127.0.0.1: local, but the dyno's own database
    message = refused(postgres_server, root, name, url, env={"DYNO": "web.1"})
    assert "DYNO is set (web.1): this is a Heroku dyno" in message
    assert "--allow-remote" in message
    reset(root, url, env={"DYNO": "web.1"})


def test_a_database_on_another_machine_is_refused_unless_allowed(postgres_server, project):
    root, name = project
    address = outward_address()
    if address is None:
        pytest.fail("This machine has no non-loopback IPv4 address to reach the server by.")
    with TcpRelay(address, (postgres_server.host, postgres_server.port)) as relay:
        url = f"postgres://{pg.SUPERUSER}@{address}:{relay.port}/{name}"
        message = refused(postgres_server, root, name, url)
        assert f"The database 'default' is on {address}, not on this machine" in message
        assert "--allow-remote" in message
        assert relay.connections == 0  # refused before connecting
        reset(root, url)
        assert relay.connections >= 1  # the reset went through the relay
    with postgres_server.connect(name) as connection:
        applied = connection.execute(
            "SELECT name FROM django_migrations WHERE app = 'library'"
        ).fetchall()
    assert applied == [("0001_initial",)]
