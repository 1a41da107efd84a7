"""Planning logic of ``manage.py reset_app``, kept apart from the database and the disk.

The management command (``management/commands/reset_app.py``) gathers facts - which
migrations exist, which are applied, which rows of other apps point at the app - and this
module turns them into a :class:`ResetPlan`: what will be removed, rewritten or lost, and
the problems that must stop the reset before anything is touched. Keeping it free of I/O
lets the rules be unit-tested without a database or a Django project.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import deletion

NodeKey = tuple[str, str]

#: Dependency names that Django resolves at load time; they survive a reset unchanged.
SPECIAL_NAMES = frozenset({"__first__", "__latest__"})

#: Operations that makemigrations writes again from the models: nothing of them is lost.
REGENERATED_OPERATIONS = frozenset(
    {
        "CreateModel",
        "DeleteModel",
        "RenameModel",
        "AlterModelTable",
        "AlterModelTableComment",
        "AlterUniqueTogether",
        "AlterIndexTogether",
        "AlterOrderWithRespectTo",
        "AlterModelOptions",
        "AlterModelManagers",
        "AddField",
        "RemoveField",
        "AlterField",
        "RenameField",
        "AddIndex",
        "RemoveIndex",
        "RenameIndex",
        "AddConstraint",
        "RemoveConstraint",
        "AlterConstraint",
    }
)

#: What happens to a row of another app whose foreign key points into a reset app.
ACTION_DELETE = "delete"
ACTION_SET_NULL = "set null"
ACTION_SET_DEFAULT = "set default"
ACTION_REFUSE = "refuse"

HARD = "hard"
SOFT = "soft"


@dataclass(frozen=True)
class MigrationInfo:
    """One migration file, reduced to what the plan needs."""

    app_label: str
    name: str
    dependencies: tuple[NodeKey, ...] = ()
    run_before: tuple[NodeKey, ...] = ()
    lost_operations: tuple[str, ...] = ()
    path: str = ""
    applied: bool = False

    @property
    def key(self) -> NodeKey:
        return (self.app_label, self.name)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.name}"


@dataclass(frozen=True)
class Dependent:
    """A migration of another app that names migrations of a reset app."""

    migration: MigrationInfo
    references: tuple[NodeKey, ...]
    rewritable: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Referencing:
    """A foreign key of another app's model that points at a model of a reset app."""

    model_label: str
    field_name: str
    target_label: str
    on_delete: str
    action: str
    rows: int

    @property
    def label(self) -> str:
        return f"{self.model_label}.{self.field_name}"


@dataclass
class ResetPlan:
    """Everything reset_app will do, shown to the user before anything is changed."""

    apps: tuple[str, ...]
    mode: str
    database: str
    vendor: str
    migrations: dict[str, list[MigrationInfo]]
    migration_dirs: dict[str, str] = field(default_factory=dict)
    backup_dirs: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[str]] = field(default_factory=dict)
    dependents: list[Dependent] = field(default_factory=list)
    referencing: list[Referencing] = field(default_factory=list)
    cascade: dict[str, int] = field(default_factory=dict)
    cascade_blocked: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def lost_operations(self) -> list[tuple[MigrationInfo, str]]:
        """RunPython/RunSQL and custom operations that the fresh migration will not have."""
        return [
            (migration, operation)
            for app_label in self.apps
            for migration in self.migrations.get(app_label, [])
            for operation in migration.lost_operations
        ]


def describe_lost_operations(operations: Iterable[object]) -> list[str]:
    """Name the operations that makemigrations will not write again.

    RunPython and RunSQL carry data and hand-written SQL that no model describes, so a
    fresh initial migration silently drops them; the user has to be told which ones.
    """
    lost: list[str] = []
    for operation in operations:
        kind = type(operation).__name__
        if kind == "SeparateDatabaseAndState":
            lost.extend(describe_lost_operations(getattr(operation, "database_operations", [])))
        elif kind == "RunPython":
            code = getattr(operation, "code", None)
            lost.append(f"RunPython({getattr(code, '__name__', repr(code))})")
        elif kind == "RunSQL":
            lost.append(f"RunSQL({_shorten(_sql_text(getattr(operation, 'sql', '')))})")
        elif kind not in REGENERATED_OPERATIONS or not _is_django_operation(operation):
            lost.append(f"{kind} (not written again by makemigrations)")
    return lost


def _is_django_operation(operation: object) -> bool:
    return type(operation).__module__.startswith("django.db.migrations.operations")


def _sql_text(sql: object) -> str:
    """RunSQL accepts a string or a list of strings / (sql, params) pairs."""
    if isinstance(sql, str):
        return sql
    if isinstance(sql, (list, tuple)):
        parts = [item[0] if isinstance(item, (list, tuple)) else item for item in sql]
        return "; ".join(str(part) for part in parts)
    return repr(sql)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def find_dependents(
    migrations: Iterable[MigrationInfo], reset_apps: Iterable[str]
) -> list[Dependent]:
    """Migrations of other apps whose dependencies or run_before name a reset app's migration.

    Those names disappear with the old files, so each of these migrations must be rewritten
    or the migration graph no longer loads. ``__first__``/``__latest__`` still resolve.
    """
    apps = set(reset_apps)
    dependents: list[Dependent] = []
    for migration in migrations:
        if migration.app_label in apps:
            continue
        references = tuple(
            key
            for key in (*migration.dependencies, *migration.run_before)
            if key[0] in apps and key[1] not in SPECIAL_NAMES
        )
        if references:
            dependents.append(Dependent(migration, tuple(dict.fromkeys(references))))
    return sorted(dependents, key=lambda dependent: dependent.migration.key)


def on_delete_action(on_delete: Callable[..., object] | None) -> str:
    """What reset_app does to rows that point at rows it deletes, following their on_delete.

    Hard mode empties the app; rows elsewhere that point into it cannot keep pointing at
    nothing, so CASCADE deletes them and SET_NULL/SET_DEFAULT rewrite them, as deleting
    the rows through Django would. PROTECT, RESTRICT, DO_NOTHING and custom handlers say
    the developer wants to decide, so the reset stops instead.
    """
    actions = {
        deletion.CASCADE: ACTION_DELETE,
        deletion.SET_NULL: ACTION_SET_NULL,
        deletion.SET_DEFAULT: ACTION_SET_DEFAULT,
    }
    # Django 6.1 added on_delete done by the database itself (DB_CASCADE, ...).
    for name, action in (
        ("DB_CASCADE", ACTION_DELETE),
        ("DB_SET_NULL", ACTION_SET_NULL),
        ("DB_SET_DEFAULT", ACTION_SET_DEFAULT),
    ):
        if hasattr(deletion, name):
            actions[getattr(deletion, name)] = action
    return actions.get(on_delete, ACTION_REFUSE)  # type: ignore[arg-type]


def on_delete_name(on_delete: Callable[..., object] | None) -> str:
    return getattr(on_delete, "__name__", repr(on_delete))


def unapplied(migrations: Iterable[MigrationInfo]) -> list[MigrationInfo]:
    return [migration for migration in migrations if not migration.applied]


def check_debug(debug: bool, force: bool) -> str | None:
    """A reset loses data or history: outside DEBUG it needs an explicit --force."""
    if debug or force:
        return None
    return (
        "settings.DEBUG is False, so this looks like a production database: reset_app "
        "refuses to run. It is meant for early development. If you really mean it, "
        "run it again with --force."
    )


def backup_dir_name(now: datetime) -> str:
    """Timestamped, so that repeated resets never overwrite an older backup."""
    return f"migrations_backup_{now:%Y%m%d-%H%M%S}"


def choose_new_target(new_names: Sequence[str]) -> str:
    """The fresh migration that dependents should name.

    makemigrations writes a single ``0001_initial`` unless the app has circular foreign
    keys with another app, in which case the first migration creates the models and
    later ones only add the circular fields: depending on the first avoids a cycle.
    """
    if not new_names:
        raise ValueError("makemigrations wrote no migration")
    return sorted(new_names)[0]


def rewrite_dependencies(
    source: str, replacements: Mapping[NodeKey, str]
) -> tuple[str, set[NodeKey]]:
    """Rewrite the names in ``("app", "name")`` entries of dependencies and run_before.

    Only the name string of literal two-string tuples in ``class Migration`` is touched, by
    position, so the rest of the file (quotes, comments, formatting) stays byte for byte.
    ``replacements`` maps an old ``(app, name)`` to its new name within the same app.
    Returns the new source and the set of old keys that were found and replaced; a key that
    was not found means the file builds its dependencies in code and must be edited by hand.
    """
    tree = ast.parse(source)
    edits: list[tuple[int, int, int, int, str]] = []
    found: set[NodeKey] = set()
    for element in _dependency_elements(tree):
        key = _literal_key(element)
        if key is None or key not in replacements:
            continue
        found.add(key)
        name_node = element.elts[1]  # type: ignore[attr-defined]
        original = ast.get_source_segment(source, name_node) or "''"
        quote = '"' if original.lstrip("rRbBuU")[:1] == '"' else "'"
        edits.append(
            (
                name_node.lineno,
                name_node.col_offset,
                name_node.end_lineno,
                name_node.end_col_offset,
                f"{quote}{replacements[key]}{quote}",
            )
        )
    return _apply_edits(source, edits), found


def _dependency_elements(tree: ast.Module) -> list[ast.expr]:
    elements: list[ast.expr] = []
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == "Migration"):
            continue
        for statement in node.body:
            target, value = _assignment(statement)
            if target in ("dependencies", "run_before") and isinstance(
                value, (ast.List, ast.Tuple)
            ):
                elements.extend(value.elts)
    return elements


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def _literal_key(element: ast.expr) -> NodeKey | None:
    if isinstance(element, (ast.Tuple, ast.List)) and len(element.elts) == 2:
        first, second = element.elts
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and isinstance(second, ast.Constant)
            and isinstance(second.value, str)
        ):
            return (first.value, second.value)
    return None


def _apply_edits(source: str, edits: list[tuple[int, int, int, int, str]]) -> str:
    """Splice replacements in; ast columns count UTF-8 bytes, so work on bytes."""
    data = source.encode("utf-8")
    line_starts = [0]
    for line in data.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    for line, col, end_line, end_col, text in sorted(edits, reverse=True):
        start = line_starts[line - 1] + col
        stop = line_starts[end_line - 1] + end_col
        data = data[:start] + text.encode("utf-8") + data[stop:]
    return data.decode("utf-8")


def check_dependent_source(dependent: Dependent, source: str) -> Dependent:
    """Mark a dependent as not rewritable when its references are not plain literals."""
    placeholder = {key: "__reset_app_probe__" for key in dependent.references}
    try:
        _, found = rewrite_dependencies(source, placeholder)
    except SyntaxError as error:
        return Dependent(dependent.migration, dependent.references, False, f"syntax error: {error}")
    missing = [key for key in dependent.references if key not in found]
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing)
        reason = f'{names} is not a literal ("app", "name") entry of dependencies/run_before'
        return Dependent(dependent.migration, dependent.references, False, reason)
    return dependent


def plan_problems(plan: ResetPlan, pending_changes: Mapping[str, Sequence[str]]) -> list[str]:
    """Everything that must stop the reset before it starts, each with what to do."""
    problems: list[str] = []
    for app_label in plan.apps:
        problems.extend(_app_problems(plan, app_label, pending_changes.get(app_label, ())))
    problems.extend(_dependent_problems(plan.dependents))
    if plan.mode == HARD:
        problems.extend(_referencing_problems(plan.referencing))
        if plan.cascade_blocked:
            problems.append(
                f"Deleting the rows of other apps that point at {_quoted(plan.apps)} "
                f"(on_delete=CASCADE) is blocked further down: {plan.cascade_blocked} Delete "
                "or re-point those rows first, or reset their app in the same command."
            )
    return problems


def _app_problems(plan: ResetPlan, app_label: str, pending: Sequence[str]) -> list[str]:
    migrations = plan.migrations.get(app_label, [])
    if not migrations:
        return [
            f"App '{app_label}' has no migrations, so there is nothing to reset. "
            f"Run 'python manage.py makemigrations {app_label}' to create its first migration."
        ]
    if plan.mode != SOFT:
        return []
    problems = []
    missing = unapplied(migrations)
    if missing:
        names = ", ".join(migration.label for migration in missing)
        problems.append(
            f"--soft needs every migration of '{app_label}' applied on database "
            f"'{plan.database}', but these are not: {names}. Run 'python manage.py migrate "
            f"{app_label}' first, or drop --soft to rebuild the app's tables empty."
        )
    if pending:
        changes = "; ".join(pending)
        problems.append(
            f"--soft keeps the tables as they are, so the models of '{app_label}' must match "
            f"its migrations, but makemigrations would write: {changes}. Run 'python "
            f"manage.py makemigrations {app_label}' and 'python manage.py migrate "
            f"{app_label}' first (or undo the model change), then reset again."
        )
    return problems


def _dependent_problems(dependents: Iterable[Dependent]) -> list[str]:
    return [
        f"{dependent.migration.label} ({dependent.migration.path}) depends on the migrations "
        f"being replaced, but reset_app cannot rewrite it: {dependent.reason}. Change its "
        f'dependencies to plain ("app", "name") tuples, or to ("{dependent.references[0][0]}'
        f'", "__first__"), and run reset_app again.'
        for dependent in dependents
        if not dependent.rewritable
    ]


def _referencing_problems(referencing: Iterable[Referencing]) -> list[str]:
    return [
        f"{ref.rows} row(s) of {ref.model_label} point at {ref.target_label} through "
        f"'{ref.field_name}' (on_delete={ref.on_delete}), which reset_app will not override. "
        f"Delete or re-point those rows first, or reset the app '{ref.model_label.split('.')[0]}'"
        f" in the same command."
        for ref in referencing
        if ref.action == ACTION_REFUSE and ref.rows
    ]


def format_plan(plan: ResetPlan) -> list[str]:
    """The plan as the lines printed before the confirmation prompt."""
    lines = [f"Plan: {plan.mode} reset of {_quoted(plan.apps)} on database '{plan.database}'"]
    for app_label in plan.apps:
        lines.extend(_format_app(plan, app_label))
    lines.extend(_format_dependents(plan))
    if plan.mode == HARD:
        lines.extend(_format_referencing(plan))
    return lines


def _format_app(plan: ResetPlan, app_label: str) -> list[str]:
    migrations = plan.migrations.get(app_label, [])
    lines = [f"  App '{app_label}' ({plan.migration_dirs.get(app_label, '?')}):"]
    names = ", ".join(migration.name for migration in migrations) or "(none)"
    lines.append(f"    Migration files replaced by one fresh initial migration: {names}")
    if app_label in plan.backup_dirs:
        lines.append(f"    Backup of the old files: {plan.backup_dirs[app_label]}")
    tables = ", ".join(plan.tables.get(app_label, [])) or "(none in the database)"
    if plan.mode == HARD:
        lines.append(f"    Tables dropped and created again EMPTY: {tables}")
        lines.append(f"    Rows of 'django_migrations' for '{app_label}' replaced by the new one")
    else:
        lines.append(f"    Tables kept with all their rows: {tables}")
        lines.append(
            f"    Rows of 'django_migrations' for '{app_label}' replaced by the new "
            "migration, recorded as applied without running it"
        )
    return lines


def _format_dependents(plan: ResetPlan) -> list[str]:
    if not plan.dependents:
        return ["  No migration of another app depends on these migrations."]
    lines = ["  Migrations of other apps rewritten to depend on the new initial migration:"]
    for dependent in plan.dependents:
        old = ", ".join(f"{app}.{name}" for app, name in dependent.references)
        state = "" if dependent.rewritable else "  <- cannot be rewritten"
        lines.append(f"    {dependent.migration.label} (was: {old}){state}")
    return lines


def _format_referencing(plan: ResetPlan) -> list[str]:
    if not plan.referencing:
        return ["  No table of another app has a foreign key to these apps."]
    lines = ["  Foreign keys of other apps that point at the rows being removed:"]
    for ref in plan.referencing:
        lines.append(
            f"    {ref.label} -> {ref.target_label} (on_delete={ref.on_delete}): "
            f"{_describe_effect(ref)}; its constraint is dropped and added back"
        )
    for model_label, count in sorted(plan.cascade.items()):
        lines.append(f"    DELETED by cascade: {count} row(s) of {model_label}")
    return lines


def _describe_effect(ref: Referencing) -> str:
    if not ref.rows:
        return "no row points there"
    effects = {
        ACTION_DELETE: "those rows are DELETED",
        ACTION_SET_NULL: "those rows are set to NULL",
        ACTION_SET_DEFAULT: "those rows are set to the field's default",
        ACTION_REFUSE: "reset_app stops",
    }
    return f"{ref.rows} row(s) point there, {effects[ref.action]}"


def format_lost_operations(plan: ResetPlan) -> list[str]:
    """The warning about data and SQL operations that disappear with the old files."""
    lost = plan.lost_operations
    if not lost:
        return []
    lines = ["WARNING: these operations are not in the fresh migration and will be lost:"]
    lines.extend(f"  {migration.label}: {operation}" for migration, operation in lost)
    if plan.mode == HARD:
        lines.append(
            "  The recreated tables will not get their data or SQL: copy what you still need "
            "into a new migration (makemigrations --empty) after the reset."
        )
    else:
        lines.append(
            "  This database keeps their effects; a new database built from the fresh "
            "migration will not: copy what you still need into a new migration."
        )
    return lines


def _quoted(labels: Iterable[str]) -> str:
    return ", ".join(f"'{label}'" for label in labels)
