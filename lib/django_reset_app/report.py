"""The plan as the user reads it before typing ``yes``: everything lost, said before it is."""

from __future__ import annotations

from django_reset_app.plan import (
    ACTION_DELETE,
    ACTION_REFUSE,
    ACTION_SET_DEFAULT,
    ACTION_SET_NULL,
    HARD,
    Referencing,
    ResetPlan,
    quoted,
)

_EFFECTS = {
    ACTION_DELETE: "those rows are DELETED",
    ACTION_SET_NULL: "those rows are set to NULL",
    ACTION_SET_DEFAULT: "those rows are set to the field's default",
    ACTION_REFUSE: "reset_app stops",
}


def format_plan(plan: ResetPlan) -> list[str]:
    """The plan as the lines printed before the confirmation prompt."""
    lines = [f"Plan: {plan.mode} reset of {quoted(plan.apps)} on database '{plan.database}'"]
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
    return f"{ref.rows} row(s) point there, {_EFFECTS[ref.action]}"


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
