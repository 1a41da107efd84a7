"""What must stop a reset before it starts (a half-done one is hard to untangle), and what to do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django_reset_app.plan import (
    ACTION_REFUSE,
    HARD,
    SOFT,
    Dependent,
    Referencing,
    ResetPlan,
    quoted,
    unapplied,
)


def check_debug(debug: bool, force: bool) -> str | None:
    """A reset loses data or history: outside DEBUG it needs an explicit --force."""
    if debug or force:
        return None
    return (
        "settings.DEBUG is False, so this looks like a production database: reset_app "
        "refuses to run. It is meant for early development. If you really mean it, "
        "run it again with --force."
    )


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
                f"Deleting the rows of other apps that point at {quoted(plan.apps)} "
                f"(on_delete=CASCADE) is blocked further down: {plan.cascade_blocked} Delete "
                "or re-point those rows first, or reset their app in the same command."
            )
    return problems


def _app_problems(plan: ResetPlan, app_label: str, pending: Sequence[str]) -> list[str]:
    """Hard mode can rebuild any app with migrations; --soft must not record a lie."""
    if not plan.migrations.get(app_label):
        return [
            f"App '{app_label}' has no migrations, so there is nothing to reset. "
            f"Run 'python manage.py makemigrations {app_label}' to create its first migration."
        ]
    if plan.mode != SOFT:
        return []
    return _unapplied_problems(plan, app_label) + _pending_problems(app_label, pending)


def _unapplied_problems(plan: ResetPlan, app_label: str) -> list[str]:
    """--soft records the fresh migration as applied: that is only true if the old ones were."""
    missing = unapplied(plan.migrations[app_label])
    if not missing:
        return []
    names = ", ".join(migration.label for migration in missing)
    return [
        f"--soft needs every migration of '{app_label}' applied on database "
        f"'{plan.database}', but these are not: {names}. Run 'python manage.py migrate "
        f"{app_label}' first, or drop --soft to rebuild the app's tables empty."
    ]


def _pending_problems(app_label: str, pending: Sequence[str]) -> list[str]:
    """--soft keeps the tables, so a model change would be in the migration but not the table."""
    if not pending:
        return []
    return [
        f"--soft keeps the tables as they are, so the models of '{app_label}' must match "
        f"its migrations, but makemigrations would write: {'; '.join(pending)}. Run 'python "
        f"manage.py makemigrations {app_label}' and 'python manage.py migrate "
        f"{app_label}' first (or undo the model change), then reset again."
    ]


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
