"""reset_app's soft and hard modes, its dry run, and failures that restore the backup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import postgres_server as pg
from support import reset_project
from support.reset_project import (
    LIBRARY_TABLES,
    OLD_LIBRARY_MIGRATIONS,
    SHELF_TABLES,
    Project,
    sqlite_query,
)

postgres_server = pg.postgres_server
sqlite_template = reset_project.sqlite_template
postgres_template = reset_project.postgres_template
project = reset_project.project
sqlite_project = reset_project.sqlite_project


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
    assert sqlite_query(other)("SELECT COUNT(*) FROM library_book") == [(0,)]


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
