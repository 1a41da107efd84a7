"""The reset_app test project (test/fixtures/resetproject) copied per test, with its database
already migrated and filled (a SQLite file or a PostgreSQL template database, made once and copied).
Commands run as ``python manage.py ...`` subprocesses, so each starts with fresh migration state.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import postgres_server as pg

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "test" / "fixtures" / "resetproject"
LIB = REPO / "lib"


#: The project's data, filled once into the template databases.
SEED_SQL = [
    "INSERT INTO library_author (name) VALUES ('Le Guin'), ('Borges')",
    "INSERT INTO library_book (title, author_id, isbn) VALUES "
    "('Earthsea', 1, '111'), ('Ficciones', 2, '222'), ('The Lathe of Heaven', 1, '333')",
    "INSERT INTO library_book_genres (book_id, genre_id) VALUES (1, 1), (2, 1), (3, 2)",
    "INSERT INTO shelf_shelf (name, featured_id) VALUES ('Front', 1), ('Back', NULL)",
    "INSERT INTO shelf_placement (shelf_id, book_id, position) VALUES (1, 1, 0), (1, 2, 1)",
]
LIBRARY_TABLES = ["library_author", "library_book", "library_book_genres", "library_genre"]
SHELF_TABLES = ["shelf_shelf", "shelf_placement"]
OLD_LIBRARY_MIGRATIONS = [
    "0001_initial.py",
    "0002_book_isbn.py",
    "0003_genre_seed.py",
    "0004_book_title_index.py",
    "__init__.py",
]


@dataclass
class Database:
    """Plain SQL access to the project's database, independent of Django."""

    url: str
    query: Callable[[str], list[tuple[Any, ...]]]
    vendor: str

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        return sorted(self.query(f"SELECT * FROM {table}"), key=repr)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the project's tables, and the migration history (without dates)."""
        tables = {table: self.rows(table) for table in LIBRARY_TABLES + SHELF_TABLES}
        tables["django_migrations"] = sorted(self.query("SELECT app, name FROM django_migrations"))
        return tables

    def migration_names(self, app: str) -> list[str]:
        return sorted(
            name
            for (name,) in self.query(f"SELECT name FROM django_migrations WHERE app = '{app}'")
        )


@dataclass
class Project:
    """A copy of the test project and its database."""

    root: Path
    db: Database

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            PYTHONPATH=os.pathsep.join([str(LIB), str(self.root)]),
            PYTHONDONTWRITEBYTECODE="1",
            RESETPROJECT_DATABASE_URL=self.db.url,
        )
        return env

    def manage(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str, **kwargs: Any) -> str:
        result = self.manage(*args, **kwargs)
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def fails(self, *args: str, **kwargs: Any) -> str:
        """Run a command that must fail with a CommandError; return its message."""
        result = self.manage(*args, **kwargs)
        assert result.returncode != 0, f"{args} should fail:\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr, result.stderr
        return result.stdout + result.stderr

    def tree(self) -> dict[str, bytes]:
        """Every file of the project (but caches and the SQLite file), with its content."""
        return {
            str(path.relative_to(self.root)): path.read_bytes()
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
            and "__pycache__" not in path.parts
            and not path.name.startswith("db.sqlite3")
        }

    def files(self, folder: str) -> list[str]:
        return sorted(path.name for path in (self.root / folder).iterdir())

    def backups(self, app: str = "library") -> list[Path]:
        return sorted((self.root / app).glob("migrations_backup_*"))

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))


def _copy_project(destination: Path) -> Path:
    shutil.copytree(FIXTURE, destination, ignore=shutil.ignore_patterns("__pycache__", "db.*"))
    return destination


def _migrate_and_seed(root: Path, url: str, execute: Callable[[list[str]], None]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(LIB), str(root)]),
        PYTHONDONTWRITEBYTECODE="1",
        RESETPROJECT_DATABASE_URL=url,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    execute(SEED_SQL)


# -- SQLite ---------------------------------------------------------------------------


def sqlite_query(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute(sql).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()

    return query


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and filled SQLite file, copied by every SQLite test."""
    root = _copy_project(tmp_path_factory.mktemp("sqlite-template") / "project")
    db = root / "db.sqlite3"

    def execute(statements: list[str]) -> None:
        for statement in statements:
            sqlite_query(db)(statement)

    _migrate_and_seed(root, f"sqlite:///{db}", execute)
    return db


def _sqlite_project(tmp_path: Path, template: Path) -> Project:
    root = _copy_project(tmp_path / "project")
    db = root / "db.sqlite3"
    shutil.copyfile(template, db)
    return Project(root, Database(f"sqlite:///{db}", sqlite_query(db), "sqlite"))


# -- PostgreSQL -----------------------------------------------------------------------


def _pg_query(server: pg.PostgresServer, name: str) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with server.connect(name, autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    return query


@pytest.fixture(scope="session")
def postgres_template(
    postgres_server: pg.PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated and filled PostgreSQL database, the template of every PostgreSQL test."""
    name = "reset_app_template"
    url = postgres_server.create_database(name)
    root = _copy_project(tmp_path_factory.mktemp("pg-template") / "project")

    def execute(statements: list[str]) -> None:
        for statement in statements:
            _pg_query(postgres_server, name)(statement)

    _migrate_and_seed(root, url, execute)
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    """The test project on each backend."""
    if request.param == "sqlite":
        yield _sqlite_project(tmp_path, request.getfixturevalue("sqlite_template"))
        return
    server: pg.PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = f"reset_{tmp_path.name.lower().replace('-', '_')[-40:]}"
    server.drop_database(name)
    url = server.create_database(name, template=template)
    try:
        root = _copy_project(tmp_path / "project")
        yield Project(root, Database(url, _pg_query(server, name), "postgresql"))
    finally:
        server.drop_database(name)


@pytest.fixture
def sqlite_project(tmp_path: Path, sqlite_template: Path) -> Project:
    """For error paths, whose logic does not depend on the backend."""
    return _sqlite_project(tmp_path, sqlite_template)
