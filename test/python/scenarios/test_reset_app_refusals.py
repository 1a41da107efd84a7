"""reset_app's refusals: each names what, why and what to do, and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support import reset_project
from support.reset_project import Project

sqlite_template = reset_project.sqlite_template
sqlite_project = reset_project.sqlite_project


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
