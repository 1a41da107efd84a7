"""Unit tests of the planning rules of reset_app (the pure modules of django_reset_app): no
database, no Django project, no subprocess."""

from __future__ import annotations

import ast
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.db import migrations, models

import django_reset_app
from django_reset_app.dependents import (
    check_dependent_source,
    choose_new_target,
    find_dependents,
    rewrite_dependencies,
)
from django_reset_app.lost_operations import describe_lost_operations
from django_reset_app.on_delete import on_delete_action, on_delete_name
from django_reset_app.plan import (
    ACTION_DELETE,
    ACTION_REFUSE,
    ACTION_SET_DEFAULT,
    ACTION_SET_NULL,
    HARD,
    SOFT,
    Dependent,
    MigrationInfo,
    Referencing,
    ResetPlan,
    backup_dir_name,
)
from django_reset_app.problems import check_debug, plan_problems
from django_reset_app.report import format_lost_operations, format_plan

PACKAGE = Path(django_reset_app.__file__).parent
COMMAND = PACKAGE / "management" / "commands" / "reset_app.py"
#: The modules that hold the rules: nothing in them touches a database or the disk.
PURE_MODULES = ("plan", "lost_operations", "dependents", "on_delete", "problems", "report")


def info(app: str, name: str, *deps: tuple[str, str], **kwargs: object) -> MigrationInfo:
    return MigrationInfo(app, name, dependencies=tuple(deps), **kwargs)  # type: ignore[arg-type]


def plan(mode: str = HARD, **kwargs: object) -> ResetPlan:
    defaults: dict[str, object] = {
        "apps": ("library",),
        "mode": mode,
        "database": "default",
        "vendor": "sqlite",
        "migrations": {"library": [info("library", "0001_initial", applied=True)]},
    }
    defaults.update(kwargs)
    return ResetPlan(**defaults)  # type: ignore[arg-type]


# -- operations that a fresh migration loses --------------------------------------------


def seed(apps: object, schema_editor: object) -> None:
    """A data migration function."""


def test_regenerated_operations_are_not_lost() -> None:
    operations = [
        migrations.CreateModel("Book", [("id", models.AutoField(primary_key=True))]),
        migrations.AddField("book", "title", models.CharField(max_length=10)),
        migrations.AlterField("book", "title", models.CharField(max_length=20)),
        migrations.AddIndex("book", models.Index(fields=["title"], name="title_idx")),
    ]
    assert describe_lost_operations(operations) == []


def test_run_python_and_run_sql_are_lost() -> None:
    operations = [
        migrations.RunPython(seed),
        migrations.RunSQL("CREATE INDEX a ON b (c)", "DROP INDEX a"),
        migrations.RunSQL(["UPDATE a SET b = 1", ("UPDATE a SET c = %s", [2])]),
    ]
    assert describe_lost_operations(operations) == [
        "RunPython(seed)",
        "RunSQL('CREATE INDEX a ON b (c)')",
        "RunSQL('UPDATE a SET b = 1; UPDATE a SET c = %s')",
    ]


def test_long_sql_is_shortened() -> None:
    (lost,) = describe_lost_operations([migrations.RunSQL("SELECT " + "x, " * 50)])
    assert lost.endswith("...')") and len(lost) < 80


def test_database_operations_inside_separate_database_and_state() -> None:
    operation = migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunSQL("ALTER TABLE a RENAME TO b")],
        state_operations=[migrations.DeleteModel("A")],
    )
    assert describe_lost_operations([operation]) == ["RunSQL('ALTER TABLE a RENAME TO b')"]


def test_custom_operations_are_lost() -> None:
    class CreateExtension(migrations.RunSQL):
        pass

    class Custom:
        pass

    lost = describe_lost_operations([CreateExtension("SELECT 1"), Custom()])
    assert lost == [
        "CreateExtension (not written again by makemigrations)",
        "Custom (not written again by makemigrations)",
    ]


# -- dependents -----------------------------------------------------------------------


def test_dependents_are_other_apps_naming_reset_migrations() -> None:
    all_migrations = [
        info("library", "0001_initial"),
        info("library", "0002_more", ("library", "0001_initial")),
        info("shelf", "0001_initial", ("library", "0002_more"), ("library", "0001_initial")),
        info("shelf", "0002_first", ("library", "__first__"), ("shelf", "0001_initial")),
        info("desk", "0001_initial", ("library", "__latest__")),
        MigrationInfo("desk", "0002_before", run_before=(("library", "0002_more"),)),
        info("other", "0001_initial", ("auth", "0001_initial")),
    ]
    dependents = find_dependents(all_migrations, ["library"])
    assert [(d.migration.label, d.references) for d in dependents] == [
        ("desk.0002_before", (("library", "0002_more"),)),
        ("shelf.0001_initial", (("library", "0002_more"), ("library", "0001_initial"))),
    ]


def test_dependents_between_reset_apps_are_left_to_makemigrations() -> None:
    all_migrations = [info("shelf", "0001_initial", ("library", "0001_initial"))]
    assert find_dependents(all_migrations, ["library", "shelf"]) == []


# -- rewriting dependencies -----------------------------------------------------------

SOURCE = """\
# Généré à la main: non-ASCII text before the entries must not shift the edits.
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("library", "0004_book_title_index"),  # keep this comment
        ('library',
         '0002_book_isbn'),
        ["shelf", "0001_initial"],
    ]
    run_before: list = [("library", "0003_genre_seed")]

    operations = [("library", "0002_book_isbn")]
"""


def test_rewrite_keeps_everything_but_the_names() -> None:
    replacements = {
        ("library", "0004_book_title_index"): "0001_initial",
        ("library", "0002_book_isbn"): "0001_initial",
        ("library", "0003_genre_seed"): "0001_initial",
    }
    new, found = rewrite_dependencies(SOURCE, replacements)
    assert found == set(replacements)
    assert '("library", "0001_initial"),  # keep this comment' in new
    assert "('library',\n         '0001_initial')," in new
    assert 'run_before: list = [("library", "0001_initial")]' in new
    # Outside dependencies/run_before nothing changes, not even a matching tuple.
    assert 'operations = [("library", "0002_book_isbn")]' in new
    assert new.splitlines()[0] == SOURCE.splitlines()[0]
    assert '["shelf", "0001_initial"]' in new
    ast.parse(new)


def test_rewrite_reports_keys_it_did_not_find() -> None:
    new, found = rewrite_dependencies(SOURCE, {("library", "0009_missing"): "x"})
    assert (new, found) == (SOURCE, set())


def test_non_literal_dependency_is_not_rewritable() -> None:
    source = (
        "from django.db import migrations\n"
        "NAME = '0004_book_title_index'\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('library', NAME)]\n"
    )
    dependent = Dependent(
        MigrationInfo("shelf", "0002_x", path="shelf/migrations/0002_x.py"),
        (("library", "0004_book_title_index"),),
    )
    checked = check_dependent_source(dependent, source)
    assert not checked.rewritable
    assert "library.0004_book_title_index is not a literal" in checked.reason
    (problem,) = plan_problems(plan(dependents=[checked]), {})
    assert "shelf.0002_x (shelf/migrations/0002_x.py)" in problem
    assert "cannot rewrite it" in problem and '("library", "__first__")' in problem


def test_syntax_error_is_not_rewritable() -> None:
    dependent = Dependent(MigrationInfo("shelf", "0002_x"), (("library", "0001_initial"),))
    checked = check_dependent_source(dependent, "class Migration(:\n")
    assert not checked.rewritable and checked.reason.startswith("syntax error")


def test_literal_dependency_is_rewritable() -> None:
    dependent = Dependent(MigrationInfo("shelf", "0002_x"), (("library", "0002_book_isbn"),))
    assert check_dependent_source(dependent, SOURCE) == dependent


# -- rows of other apps -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_delete", "action"),
    [
        (models.CASCADE, ACTION_DELETE),
        (models.SET_NULL, ACTION_SET_NULL),
        (models.SET_DEFAULT, ACTION_SET_DEFAULT),
        (models.PROTECT, ACTION_REFUSE),
        (models.RESTRICT, ACTION_REFUSE),
        (models.DO_NOTHING, ACTION_REFUSE),
        (models.SET(42), ACTION_REFUSE),
    ],
)
def test_on_delete_decides_what_happens(on_delete: object, action: str) -> None:
    assert on_delete_action(on_delete) == action  # type: ignore[arg-type]


def test_on_delete_names() -> None:
    assert on_delete_name(models.CASCADE) == "CASCADE"
    assert on_delete_name(None) == "None"


def ref(action: str, rows: int, on_delete: str = "PROTECT") -> Referencing:
    return Referencing("shelf.Placement", "book", "library.Book", on_delete, action, rows)


def test_protected_rows_stop_a_hard_reset_only() -> None:
    hard = plan(referencing=[ref(ACTION_REFUSE, 3)])
    (problem,) = plan_problems(hard, {})
    assert "3 row(s) of shelf.Placement point at library.Book through 'book'" in problem
    assert "(on_delete=PROTECT)" in problem and "reset the app 'shelf'" in problem
    soft = plan(SOFT, referencing=[ref(ACTION_REFUSE, 3)])
    assert plan_problems(soft, {}) == []


def test_protected_foreign_key_without_rows_is_fine() -> None:
    assert plan_problems(plan(referencing=[ref(ACTION_REFUSE, 0)]), {}) == []


def test_cascade_blocked_further_down_stops_a_hard_reset() -> None:
    blocked = plan(cascade_blocked="Cannot delete some instances of model 'Placement'.")
    (problem,) = plan_problems(blocked, {})
    assert "is blocked further down: Cannot delete some instances" in problem


# -- the app itself ---------------------------------------------------------------------


def test_app_without_migrations_cannot_be_reset() -> None:
    (problem,) = plan_problems(plan(migrations={"library": []}), {})
    assert "has no migrations" in problem and "makemigrations library" in problem


def test_soft_needs_everything_applied() -> None:
    unapplied = [info("library", "0001_initial", applied=True), info("library", "0002_x")]
    soft = plan(SOFT, migrations={"library": unapplied})
    (problem,) = plan_problems(soft, {})
    assert "library.0002_x" in problem and "python manage.py migrate library" in problem
    hard = plan(migrations={"library": unapplied})
    assert plan_problems(hard, {}) == []


def test_soft_needs_models_matching_migrations() -> None:
    pending = {"library": ["Add field born to author", "Remove field isbn from book"]}
    (problem,) = plan_problems(plan(SOFT), pending)
    assert "Add field born to author; Remove field isbn from book" in problem
    assert "python manage.py makemigrations library" in problem
    assert plan_problems(plan(), pending) == []


def test_debug_guard() -> None:
    assert check_debug(debug=True, force=False) is None
    assert check_debug(debug=False, force=True) is None
    message = check_debug(debug=False, force=False)
    assert message is not None and "DEBUG is False" in message and "--force" in message


def test_backup_folder_name_is_timestamped() -> None:
    name = backup_dir_name(datetime(2025, 3, 4, 5, 6, 7))
    assert name == "migrations_backup_20250304-050607"


def test_new_target_is_the_first_fresh_migration() -> None:
    assert choose_new_target(["0001_initial"]) == "0001_initial"
    assert choose_new_target(["0002_book_shelf", "0001_initial"]) == "0001_initial"
    with pytest.raises(ValueError):
        choose_new_target([])


# -- what the user reads ------------------------------------------------------------------


def test_hard_plan_text() -> None:
    migrations_of_library = [
        info("library", "0001_initial", applied=True),
        info("library", "0002_seed", applied=True, lost_operations=("RunPython(seed)",)),
    ]
    hard = plan(
        migrations={"library": migrations_of_library},
        migration_dirs={"library": "library/migrations/"},
        backup_dirs={"library": "library/migrations_backup_20250101-000000/"},
        tables={"library": ["library_author", "library_book"]},
        dependents=[Dependent(info("shelf", "0001_initial"), (("library", "0002_seed"),))],
        referencing=[
            ref(ACTION_DELETE, 2, "CASCADE"),
            ref(ACTION_SET_NULL, 0, "SET_NULL"),
        ],
        cascade={"shelf.Placement": 2},
    )
    text = "\n".join(format_plan(hard))
    assert "Plan: hard reset of 'library' on database 'default'" in text
    assert "0001_initial, 0002_seed" in text
    assert "library/migrations_backup_20250101-000000/" in text
    assert "Tables dropped and created again EMPTY: library_author, library_book" in text
    assert "shelf.0001_initial (was: library.0002_seed)" in text
    assert "(on_delete=CASCADE): 2 row(s) point there, those rows are DELETED" in text
    assert "(on_delete=SET_NULL): no row points there" in text
    assert "DELETED by cascade: 2 row(s) of shelf.Placement" in text
    warning = "\n".join(format_lost_operations(hard))
    assert "library.0002_seed: RunPython(seed)" in warning
    assert "makemigrations --empty" in warning


def test_soft_plan_text() -> None:
    soft = plan(SOFT, tables={"library": ["library_book"]})
    text = "\n".join(format_plan(soft))
    assert "Tables kept with all their rows: library_book" in text
    assert "recorded as applied without running it" in text
    assert "No migration of another app depends on these migrations." in text
    assert "Foreign keys" not in text
    assert format_lost_operations(soft) == []


# -- the command stays within Django and the standard library ---------------------------


def _imports(path: Path) -> set[str]:
    """Every absolute import of a module, wherever it is in the file."""
    tree = ast.parse(path.read_text())
    return {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0)
        for alias in node.names
    }


def test_command_imports_only_django_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"django", "django_reset_app", "__future__"}
    for path in sorted(PACKAGE.rglob("*.py")):
        imported = {name.split(".")[0] for name in _imports(path)}
        assert imported <= allowed, (path.name, imported - allowed)
    pure = {f"django_reset_app.{name}" for name in PURE_MODULES}
    for name in PURE_MODULES:
        local = {m for m in _imports(PACKAGE / f"{name}.py") if m.startswith("django_reset_app")}
        assert local <= pure, (name, local - pure)
    local = {name for name in _imports(COMMAND) if name.startswith("django_reset_app")}
    assert local == {
        "django_reset_app.execute",
        "django_reset_app.facts",
        "django_reset_app.plan",
        "django_reset_app.problems",
        "django_reset_app.report",
    }
