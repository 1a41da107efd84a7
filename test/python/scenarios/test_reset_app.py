"""Integration tests of ``manage.py reset_app`` on SQLite and on a real PostgreSQL server.

Each test copies the project in test/fixtures/resetproject to a temporary folder, with a
database already migrated and filled (made once per session and copied: a SQLite file, or a
PostgreSQL template database), and runs ``python manage.py ...`` in a subprocess so that
every command starts with fresh migration-loader state, as a developer's shell would.
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

postgres_server = pg.postgres_server

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


def _sqlite_query(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
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
            _sqlite_query(db)(statement)

    _migrate_and_seed(root, f"sqlite:///{db}", execute)
    return db


def _sqlite_project(tmp_path: Path, template: Path) -> Project:
    root = _copy_project(tmp_path / "project")
    db = root / "db.sqlite3"
    shutil.copyfile(template, db)
    return Project(root, Database(f"sqlite:///{db}", _sqlite_query(db), "sqlite"))


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


def _foreign_keys_to_library_book(project: Project) -> set[str]:
    """Tables of shelf whose foreign key constraint points at library_book."""
    if project.db.vendor == "sqlite":
        return {
            table
            for table in SHELF_TABLES
            for row in project.db.query(f"PRAGMA foreign_key_list({table})")
            if row[2] == "library_book"
        }
    rows = project.db.query(
        "SELECT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = 'library_book'::regclass"
    )
    return {table for (table,) in rows if table.startswith("shelf_")}


def _assert_graph_clean(project: Project) -> None:
    project.ok("migrate", "--check")
    project.ok("makemigrations", "--check", "--dry-run")


# -- soft mode ------------------------------------------------------------------------


def test_soft_reset_keeps_every_row(project: Project) -> None:
    before = project.db.snapshot()
    output = project.ok("reset_app", "library", "--soft", "--noinput")

    after = project.db.snapshot()
    for table in LIBRARY_TABLES + SHELF_TABLES:
        assert after[table] == before[table], table
    assert project.files("library/migrations") == ["0001_initial.py", "__init__.py"]
    assert project.db.migration_names("library") == ["0001_initial"]
    assert project.db.migration_names("shelf") == ["0001_initial", "0002_shelf_featured"]
    _assert_graph_clean(project)
    # The dependents now name the fresh migration; the backup holds the old files.
    shelf_0002 = (project.root / "shelf/migrations/0002_shelf_featured.py").read_text()
    assert '("library", "0001_initial")' in shelf_0002
    assert "0004_book_title_index" not in shelf_0002
    (backup,) = project.backups()
    backed_up = sorted(path.name for path in backup.iterdir())
    assert backed_up == sorted(["dependents", *OLD_LIBRARY_MIGRATIONS])
    assert "RunPython(seed_genres)" in output and "RunSQL(" in output


def test_soft_reset_after_confirmation(sqlite_project: Project) -> None:
    output = sqlite_project.ok("reset_app", "library", "--soft", input="yes\n")
    assert "Type 'yes' to continue" in output
    assert sqlite_project.files("library/migrations") == ["0001_initial.py", "__init__.py"]


def test_soft_reset_twice_and_with_both_apps(sqlite_project: Project) -> None:
    """A second reset (of both apps at once) starts from the first one's result."""
    before = sqlite_project.db.snapshot()
    sqlite_project.ok("reset_app", "library", "--soft", "--noinput")
    sqlite_project.ok("reset_app", "library", "shelf", "--soft", "--noinput")
    after = sqlite_project.db.snapshot()
    for table in LIBRARY_TABLES + SHELF_TABLES:
        assert after[table] == before[table]
    assert sqlite_project.files("shelf/migrations") == ["0001_initial.py", "__init__.py"]
    assert sqlite_project.db.migration_names("shelf") == ["0001_initial"]
    assert len(sqlite_project.backups()) == 2
    _assert_graph_clean(sqlite_project)


# -- hard mode ------------------------------------------------------------------------


def test_hard_reset_empties_the_app_and_keeps_other_apps(project: Project) -> None:
    before = project.db.snapshot()
    output = project.ok("reset_app", "library", "--noinput")

    after = project.db.snapshot()
    for table in LIBRARY_TABLES:
        assert after[table] == [], table
    # shelf keeps its rows; what pointed at library follows on_delete: the featured book
    # (SET_NULL) is cleared, the placements of books (CASCADE) are deleted.
    assert [row[:2] for row in after["shelf_shelf"]] == [row[:2] for row in before["shelf_shelf"]]
    assert all(row[2] is None for row in after["shelf_shelf"])
    assert after["shelf_placement"] == []
    assert "shelf.Placement.book -> library.Book (on_delete=CASCADE): 2 row(s)" in output
    assert project.files("library/migrations") == ["0001_initial.py", "__init__.py"]
    assert project.db.migration_names("library") == ["0001_initial"]
    assert project.db.migration_names("shelf") == ["0001_initial", "0002_shelf_featured"]
    assert _foreign_keys_to_library_book(project) == {"shelf_shelf", "shelf_placement"}
    _assert_graph_clean(project)


def test_hard_reset_of_two_apps(sqlite_project: Project) -> None:
    sqlite_project.ok("reset_app", "shelf", "library", "--noinput")
    for table in LIBRARY_TABLES + SHELF_TABLES:
        assert sqlite_project.db.rows(table) == [], table
    assert sqlite_project.files("shelf/migrations") == ["0001_initial.py", "__init__.py"]
    assert sqlite_project.db.migration_names("shelf") == ["0001_initial"]
    _assert_graph_clean(sqlite_project)


def test_hard_reset_picks_up_model_changes(sqlite_project: Project) -> None:
    """What hard mode is for: models changed in ways the old migrations never described."""
    sqlite_project.edit(
        "library/models.py",
        '    isbn = models.CharField(max_length=20, blank=True, default="")',
        "    isbn = models.CharField(max_length=13, unique=True)\n"
        "    pages = models.PositiveIntegerField()",
    )
    sqlite_project.ok("reset_app", "library", "--noinput")
    columns = [row[1] for row in sqlite_project.db.query("PRAGMA table_info(library_book)")]
    assert "pages" in columns
    _assert_graph_clean(sqlite_project)


def test_hard_reset_on_another_database(sqlite_project: Project, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    shutil.copyfile(sqlite_project.root / "db.sqlite3", other)
    env = {"RESETPROJECT_OTHER_DATABASE_URL": f"sqlite:///{other}"}
    before = sqlite_project.db.snapshot()
    sqlite_project.ok("reset_app", "library", "--database", "other", "--noinput", env=env)
    assert sqlite_project.db.snapshot() == before
    assert _sqlite_query(other)("SELECT COUNT(*) FROM library_book") == [(0,)]


# -- dry run --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [[], ["--soft"]], ids=["hard", "soft"])
def test_dry_run_changes_nothing(project: Project, mode: list[str]) -> None:
    tree, rows = project.tree(), project.db.snapshot()
    output = project.ok("reset_app", "library", "--dry-run", *mode)
    assert "Dry run: nothing was changed." in output
    assert "Plan:" in output
    assert project.tree() == tree
    assert project.db.snapshot() == rows


# -- failures restore the backup -------------------------------------------------------


def test_makemigrations_failure_restores_the_files(project: Project) -> None:
    """A default that cannot be serialized makes makemigrations fail after the old files
    were deleted: they must come back, and the database must not be touched."""
    project.edit(
        "library/models.py",
        "class Author(models.Model):",
        "class Unserializable:\n    pass\n\n\nclass Author(models.Model):",
    )
    project.edit(
        "library/models.py",
        '    isbn = models.CharField(max_length=20, blank=True, default="")',
        '    isbn = models.CharField(max_length=20, blank=True, default="")\n'
        "    extra = models.JSONField(default=Unserializable())",
    )
    tree, rows = project.tree(), project.db.snapshot()
    message = project.fails("reset_app", "library", "--noinput")
    assert "reset_app failed while running makemigrations library" in message
    assert "Cannot serialize" in message
    assert "The old migration files were restored" in message
    assert project.tree() == tree
    assert project.db.snapshot() == rows
    assert project.backups() == []


def test_database_failure_rolls_back_and_restores(project: Project) -> None:
    """A new model whose table already exists fails the CREATE TABLE after the old tables
    were dropped: the transaction must roll everything back and the files come back."""
    project.edit(
        "library/models.py",
        "class Genre(models.Model):",
        "class Loan(models.Model):\n    borrower = models.CharField(max_length=100)\n\n"
        '    class Meta:\n        db_table = "legacy_loan"\n\n\nclass Genre(models.Model):',
    )
    project.db.query("CREATE TABLE legacy_loan (id integer PRIMARY KEY)")
    tree, rows = project.tree(), project.db.snapshot()
    message = project.fails("reset_app", "library", "--noinput")
    assert "creating the tables from the new initial migration" in message
    assert "legacy_loan" in message
    assert "The database transaction was rolled back." in message
    assert project.tree() == tree
    assert project.db.snapshot() == rows
    assert _foreign_keys_to_library_book(project) == {"shelf_shelf", "shelf_placement"}
    project.ok("migrate", "--check")


# -- refusals: each names what, why and what to do, and changes nothing ------------------


def _refused(project: Project, *args: str, **kwargs: Any) -> str:
    tree, rows = project.tree(), project.db.snapshot()
    message = project.fails("reset_app", *args, **kwargs)
    assert project.tree() == tree
    assert project.db.snapshot() == rows
    return message


def test_refuses_without_debug_unless_forced(sqlite_project: Project) -> None:
    no_debug = {"RESETPROJECT_DEBUG": "0"}
    message = _refused(sqlite_project, "library", "--noinput", env=no_debug)
    assert "settings.DEBUG is False" in message and "--force" in message
    sqlite_project.ok("reset_app", "library", "--soft", "--noinput", "--force", env=no_debug)
    assert sqlite_project.files("library/migrations") == ["0001_initial.py", "__init__.py"]


def test_cancelled_at_the_prompt(sqlite_project: Project) -> None:
    message = _refused(sqlite_project, "library", input="no\n")
    assert "Reset cancelled: nothing was changed" in message
    message = _refused(sqlite_project, "library", input="")
    assert "--noinput" in message


def test_unknown_app(sqlite_project: Project) -> None:
    message = _refused(sqlite_project, "libary", "--noinput")
    assert "No installed app with label 'libary'" in message and "library" in message


def test_unknown_database(sqlite_project: Project) -> None:
    message = _refused(sqlite_project, "library", "--database", "replica", "--noinput")
    assert "Unknown database alias 'replica'" in message and "default" in message


def test_app_without_migrations_package(sqlite_project: Project) -> None:
    message = _refused(sqlite_project, "django_reset_app", "--noinput")
    assert "has no migrations package" in message and "makemigrations" in message


def _install_app(project: Project, label: str) -> None:
    project.edit("resetproject/settings.py", '    "shelf",\n', f'    "shelf",\n    "{label}",\n')


def test_app_with_empty_migrations_package(sqlite_project: Project) -> None:
    (sqlite_project.root / "empty" / "migrations").mkdir(parents=True)
    (sqlite_project.root / "empty" / "__init__.py").write_text("")
    (sqlite_project.root / "empty" / "migrations" / "__init__.py").write_text("")
    _install_app(sqlite_project, "empty")
    message = _refused(sqlite_project, "empty", "--noinput")
    assert "has no migrations, so there is nothing to reset" in message


def test_app_with_migrations_disabled(sqlite_project: Project) -> None:
    settings = sqlite_project.root / "resetproject/settings.py"
    settings.write_text(settings.read_text() + '\nMIGRATION_MODULES = {"library": None}\n')
    message = _refused(sqlite_project, "library", "--noinput", "--skip-checks")
    assert "migrations of 'library' are disabled (MIGRATION_MODULES" in message


def test_migrations_folder_without_init(sqlite_project: Project) -> None:
    (sqlite_project.root / "library/migrations/__init__.py").unlink()
    message = _refused(sqlite_project, "library", "--noinput")
    assert "namespace package without __init__.py" in message


def test_inconsistent_history(sqlite_project: Project) -> None:
    sqlite_project.db.query(
        "DELETE FROM django_migrations WHERE app = 'library' AND name = '0001_initial'"
    )
    message = _refused(sqlite_project, "library", "--noinput")
    assert "The migration history of database 'default' is inconsistent" in message
    assert "library.0002_book_isbn is applied before its dependency" in message


def test_installed_package_is_never_touched(sqlite_project: Project) -> None:
    message = _refused(sqlite_project, "contenttypes", "--noinput")
    assert "is an installed package" in message


def test_soft_refuses_pending_model_changes(sqlite_project: Project) -> None:
    sqlite_project.edit(
        "library/models.py",
        "    name = models.CharField(max_length=100)",
        "    name = models.CharField(max_length=100)\n    born = models.DateField(null=True)",
    )
    message = _refused(sqlite_project, "library", "--soft", "--noinput")
    assert "makemigrations would write: Add field born to author" in message
    assert "python manage.py makemigrations library" in message


def test_soft_refuses_unapplied_migrations(sqlite_project: Project) -> None:
    migration = sqlite_project.root / "library/migrations/0005_author_born.py"
    migration.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("library", "0004_book_title_index")]\n'
        "    operations = [\n"
        '        migrations.AddField("author", "born", models.DateField(null=True)),\n'
        "    ]\n"
    )
    sqlite_project.edit(
        "library/models.py",
        "    name = models.CharField(max_length=100)",
        "    name = models.CharField(max_length=100)\n    born = models.DateField(null=True)",
    )
    message = _refused(sqlite_project, "library", "--soft", "--noinput")
    assert "library.0005_author_born" in message
    assert "python manage.py migrate library" in message


def test_hard_refuses_protected_rows(sqlite_project: Project) -> None:
    """PROTECT means the developer wants to decide: the reset stops and says which rows."""
    sqlite_project.edit(
        "shelf/models.py",
        'book = models.ForeignKey("library.Book", on_delete=models.CASCADE',
        'book = models.ForeignKey("library.Book", on_delete=models.PROTECT',
    )
    sqlite_project.edit(
        "shelf/migrations/0001_initial.py",
        '"book",\n                    models.ForeignKey(\n'
        "                        on_delete=django.db.models.deletion.CASCADE,",
        '"book",\n                    models.ForeignKey(\n'
        "                        on_delete=django.db.models.deletion.PROTECT,",
    )
    message = _refused(sqlite_project, "library", "--noinput")
    assert "2 row(s) of shelf.Placement point at library.Book through 'book'" in message
    assert "on_delete=PROTECT" in message
    # Soft mode keeps the rows, so PROTECT does not matter there.
    sqlite_project.ok("reset_app", "library", "--soft", "--noinput")


def test_hard_refuses_a_cascade_blocked_further_down(sqlite_project: Project) -> None:
    """Placements would be deleted (CASCADE), but a label PROTECTs one of them."""
    sqlite_project.edit(
        "shelf/models.py",
        "    position = models.PositiveIntegerField(default=0)",
        "    position = models.PositiveIntegerField(default=0)\n\n\n"
        "class Label(models.Model):\n"
        "    placement = models.ForeignKey(Placement, on_delete=models.PROTECT)\n",
    )
    sqlite_project.ok("makemigrations", "shelf", "--name", "label")
    sqlite_project.ok("migrate", "shelf")
    sqlite_project.db.query("INSERT INTO shelf_label (placement_id) VALUES (1)")
    message = _refused(sqlite_project, "library", "--noinput")
    assert "is blocked further down" in message
    assert "Label.placement" in message


def test_app_without_models_left(sqlite_project: Project) -> None:
    """makemigrations writes nothing for an app whose models are all gone: restored."""
    app = sqlite_project.root / "gone"
    (app / "migrations").mkdir(parents=True)
    for name in ("__init__.py", "models.py", "migrations/__init__.py"):
        (app / name).write_text("")
    (app / "migrations" / "0001_initial.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    dependencies = []\n"
        "    operations = [\n"
        '        migrations.CreateModel("Old", [("id", models.AutoField(primary_key=True))]),\n'
        "    ]\n"
    )
    _install_app(sqlite_project, "gone")
    message = _refused(sqlite_project, "gone", "--noinput")
    assert "makemigrations wrote no migration into gone/migrations" in message
    assert "The old migration files were restored" in message


def test_refuses_dependents_it_cannot_rewrite(sqlite_project: Project) -> None:
    sqlite_project.edit(
        "shelf/migrations/0002_shelf_featured.py",
        '        ("library", "0004_book_title_index"),',
        '        ("library", "0004_" + "book_title_index"),',
    )
    message = _refused(sqlite_project, "library", "--soft", "--noinput")
    assert "shelf.0002_shelf_featured" in message and "cannot rewrite it" in message
    assert "__first__" in message


def test_refuses_a_broken_migration_graph(sqlite_project: Project) -> None:
    sqlite_project.edit(
        "shelf/migrations/0002_shelf_featured.py",
        '("library", "0004_book_title_index")',
        '("library", "0009_missing")',
    )
    message = _refused(sqlite_project, "library", "--noinput")
    assert "Could not load the project's migrations" in message
    assert "0009_missing" in message


def test_refuses_an_unreachable_database(sqlite_project: Project, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
    message = sqlite_project.fails(
        "reset_app", "library", "--noinput", env={"RESETPROJECT_DATABASE_URL": url}
    )
    assert "Could not read the migration history from database 'default'" in message
    assert "Check DATABASES" in message
