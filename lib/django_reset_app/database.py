"""The database side of a reset, in one transaction so that a failure leaves it untouched."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Field

from django_reset_app.facts import Facts, database_state
from django_reset_app.plan import HARD, NodeKey, ResetPlan
from django_reset_app.rows import apply_on_delete

#: Called with the step about to run, so that a failure can say where it happened.
Step = Callable[[str], None]


def reset_database(plan: ResetPlan, facts: Facts, step: Step, verbosity: int) -> None:
    """All database work in one transaction: a failure leaves the database untouched."""
    connection = facts.connection
    # schema_editor(atomic=True) is the transaction; on SQLite it must be the outermost
    # block because foreign key checks can only be switched off outside a transaction.
    with connection.schema_editor(atomic=True) as editor:
        if plan.mode == HARD:
            _rebuild_tables(plan, facts, editor, step, verbosity)
        else:
            step("recording the new initial migration as applied")
            _record_fresh_history(plan, connection)
        step("checking the migration history")
        _check_history(plan, connection)


def _rebuild_tables(
    plan: ResetPlan, facts: Facts, editor: BaseDatabaseSchemaEditor, step: Step, verbosity: int
) -> None:
    """Hard mode: empty the app, then create its tables from the fresh migration."""
    connection = facts.connection
    step("updating the rows of other apps that point at the app")
    apply_on_delete(facts.referencing, connection.alias)
    step("dropping foreign key constraints of other apps")
    for _, model, fk in facts.referencing:
        if fk.db_constraint:
            editor.alter_field(model, fk, _without_constraint(fk))
    step("dropping the app's tables")
    for model in facts.models_to_drop:
        editor.delete_model(model)
    MigrationRecorder(connection).migration_qs.filter(app__in=plan.apps).delete()
    step("creating the tables from the new initial migration")
    migration_plan = _apply_fresh_migrations(plan, connection)
    step("adding back foreign key constraints of other apps")
    state = database_state(MigrationLoader(connection))
    _add_back_constraints(facts, editor, state.apps)
    step("sending the post_migrate signal")
    emit_post_migrate_signal(
        verbosity, False, connection.alias, apps=state.apps, plan=migration_plan
    )


def _add_back_constraints(facts: Facts, editor: BaseDatabaseSchemaEditor, state_apps: Any) -> None:
    """Point the other apps' foreign keys at the new tables, from the new state's models."""
    for ref, _, _ in facts.referencing:
        model = state_apps.get_model(ref.model_label)
        new_fk = model._meta.get_field(ref.field_name)
        if new_fk.db_constraint:
            editor.alter_field(model, _without_constraint(new_fk), new_fk)


def _apply_fresh_migrations(
    plan: ResetPlan, connection: BaseDatabaseWrapper
) -> list[tuple[Any, bool]]:
    """Run the new initial migration(s) while the dependents stay recorded as applied.

    ``migrate`` would refuse, and the executor's starting state would hold the dependents' models,
    which point at models not yet created: so start from the applied migrations that do not depend
    on the reset apps.
    """
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    targets = [key for key in graph.leaf_nodes() if key[0] in plan.apps]
    descendants = {
        key for node in graph.nodes if node[0] in plan.apps for key in graph.backwards_plan(node)
    }
    state = database_state(executor.loader, exclude=frozenset(descendants))
    migration_plan = executor.migration_plan(targets)
    executor.migrate(targets, plan=migration_plan, state=state)
    return migration_plan


def _record_fresh_history(plan: ResetPlan, connection: BaseDatabaseWrapper) -> None:
    """Soft mode: the app's rows in django_migrations now name the fresh migration."""
    recorder = MigrationRecorder(connection)
    recorder.migration_qs.filter(app__in=plan.apps).delete()
    loader = MigrationLoader(connection)
    for app_label, name in _fresh_nodes(loader, plan.apps):
        recorder.record_applied(app_label, name)


def _check_history(plan: ResetPlan, connection: BaseDatabaseWrapper) -> None:
    """What ``migrate --check`` would say about the reset apps, before committing."""
    loader = MigrationLoader(connection)
    loader.check_consistent_history(connection)
    missing = sorted(
        f"{app}.{name}"
        for app, name in loader.graph.nodes
        if app in plan.apps and (app, name) not in loader.applied_migrations
    )
    if missing:
        raise CommandError(f"these migrations are still unapplied: {', '.join(missing)}")


def _fresh_nodes(loader: MigrationLoader, labels: tuple[str, ...]) -> list[NodeKey]:
    """The reset apps' new migrations, dependencies first."""
    nodes: list[NodeKey] = []
    for leaf in sorted(key for key in loader.graph.leaf_nodes() if key[0] in labels):
        for key in loader.graph.forwards_plan(leaf):
            if key[0] in labels and key not in nodes:
                nodes.append(key)
    return nodes


def _without_constraint(fk: Field) -> Field:
    """The same field without its database constraint, for alter_field to drop/add it."""
    clone = copy.copy(fk)
    clone.db_constraint = False
    return clone
