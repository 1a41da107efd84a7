"""Gathering what the plan is made from: the project's migrations, database and models.

Everything here only reads, so ``--dry-run`` and every refusal leave the project as it was; each
refusal says what to do, since the user meets it before any plan.
"""

from __future__ import annotations

import importlib
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from django.apps import apps as global_apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.state import ProjectState
from django.db.models import Model

from django_reset_app.dependents import check_dependent_source, find_dependents
from django_reset_app.files import backup_dir, display
from django_reset_app.lost_operations import describe_lost_operations
from django_reset_app.plan import HARD, SOFT, MigrationInfo, NodeKey, ResetPlan
from django_reset_app.problems import plan_problems
from django_reset_app.rows import ForeignKeyIn, cascade_preview, find_referencing


@dataclass
class Facts:
    """What the plan was built from, kept to carry it out."""

    connection: BaseDatabaseWrapper
    state: ProjectState
    dirs: dict[str, Path]
    backup_dirs: dict[str, Path] = field(default_factory=dict)
    models_to_drop: list[type[Model]] = field(default_factory=list)
    referencing: list[ForeignKeyIn] = field(default_factory=list)


def connection_for(alias: str) -> BaseDatabaseWrapper:
    """The --database connection; a typo must not fall through to Django's bare KeyError."""
    if alias not in settings.DATABASES:
        known = ", ".join(sorted(settings.DATABASES))
        raise CommandError(
            f"Unknown database alias '{alias}' (--database). Known aliases: {known}."
        )
    return connections[alias]


def database_host(connection: BaseDatabaseWrapper) -> tuple[str, list[str]]:
    """The connection's HOST setting and the addresses it resolves to (none when it does not
    resolve, or names no network host: empty, a socket folder)."""
    host = str(connection.settings_dict.get("HOST") or "")
    if not host.strip() or host.startswith("/"):
        return host, []
    try:
        found = socket.getaddrinfo(host.strip("[]"), None)
    except (OSError, UnicodeError):
        return host, []
    return host, sorted({str(info[4][0]) for info in found})


def make_plan(
    labels: tuple[str, ...], mode: str, connection: BaseDatabaseWrapper
) -> tuple[ResetPlan, Facts]:
    """The plan with its problems filled in, and the facts needed to carry it out."""
    dirs = {label: migrations_dir(label) for label in labels}
    loader = load(connection)
    infos = migration_infos(loader)
    facts = Facts(connection=connection, state=database_state(loader), dirs=dirs)
    facts.backup_dirs = {label: backup_dir(path) for label, path in dirs.items()}
    plan = ResetPlan(
        apps=labels,
        mode=mode,
        database=connection.alias,
        vendor=connection.vendor,
        migrations={label: [i for i in infos if i.app_label == label] for label in labels},
        migration_dirs={label: display(path) for label, path in dirs.items()},
        backup_dirs={label: display(path) for label, path in facts.backup_dirs.items()},
        dependents=[
            check_dependent_source(dependent, _read(dependent.migration.path))
            for dependent in find_dependents(infos, labels)
        ],
    )
    _plan_tables(plan, facts)
    if mode == HARD:
        _plan_referencing(plan, facts)
    pending = pending_changes(labels) if mode == SOFT else {}
    plan.problems = plan_problems(plan, pending)
    return plan, facts


def migrations_dir(label: str) -> Path:
    """The folder of the app's migrations package, refusing what must not be touched."""
    _check_installed(label)
    module_name, _ = MigrationLoader.migrations_module(label)
    if module_name is None:
        raise CommandError(
            f"The migrations of '{label}' are disabled (MIGRATION_MODULES maps it to "
            "None), so there are no files to reset. Remove that entry first."
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise CommandError(
            f"App '{label}' has no migrations package ({module_name}), so there is nothing "
            f"to reset. Run 'python manage.py makemigrations {label}' to create one."
        ) from None
    return _checked_dir(label, module)


def _check_installed(label: str) -> None:
    """A mistyped label is answered with the labels that would work."""
    try:
        global_apps.get_app_config(label)
    except LookupError:
        known = ", ".join(sorted(config.label for config in global_apps.get_app_configs()))
        raise CommandError(
            f"No installed app with label '{label}'. Use the app label (the last part of "
            f"its name in INSTALLED_APPS). Installed apps: {known}."
        ) from None


def _checked_dir(label: str, module: ModuleType) -> Path:
    """Only a real folder of the project's own code may be rewritten."""
    if getattr(module, "__file__", None) is None:
        raise CommandError(
            f"The migrations of '{label}' ({module.__name__}) are a namespace package "
            "without __init__.py, which Django ignores. Add an empty __init__.py first."
        )
    directory = Path(module.__file__).resolve().parent  # type: ignore[arg-type]
    if {"site-packages", "dist-packages"} & set(directory.parts):
        raise CommandError(
            f"App '{label}' is an installed package ({directory}): its migrations belong "
            "to its authors and reset_app never rewrites them. Reset only your own apps."
        )
    return directory


def load(connection: BaseDatabaseWrapper) -> MigrationLoader:
    """The project's migrations and what is applied; a broken start is refused."""
    try:
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        loader.check_consistent_history(connection)
    except DatabaseError as error:
        raise CommandError(
            f"Could not read the migration history from database '{connection.alias}': "
            f"{error}. Check DATABASES and that the database server is running."
        ) from error
    except InconsistentMigrationHistory as error:
        raise CommandError(
            f"The migration history of database '{connection.alias}' is inconsistent: "
            f"{error}. Fix it before resetting (python manage.py showmigrations)."
        ) from error
    except Exception as error:
        raise CommandError(
            f"Could not load the project's migrations: {error}. reset_app needs a "
            "migration graph that loads; fix it first (python manage.py showmigrations)."
        ) from error
    return loader


def migration_infos(loader: MigrationLoader) -> list[MigrationInfo]:
    """Every migration on disk; a squashed one counts its replaced migrations as applied."""
    applied = set(loader.applied_migrations)
    applied |= {
        replaced
        for key, migration in loader.disk_migrations.items()
        if key in applied
        for replaced in migration.replaces
    }
    return [
        MigrationInfo(
            app_label=key[0],
            name=key[1],
            dependencies=tuple(tuple(d) for d in migration.dependencies),  # type: ignore[misc]
            run_before=tuple(tuple(d) for d in migration.run_before),  # type: ignore[misc]
            lost_operations=tuple(describe_lost_operations(migration.operations)),
            path=str(Path(sys.modules[type(migration).__module__].__file__).resolve()),  # type: ignore[arg-type]
            applied=key in applied,
        )
        for key, migration in sorted(loader.disk_migrations.items())
    ]


def database_state(
    loader: MigrationLoader, exclude: frozenset[NodeKey] = frozenset()
) -> ProjectState:
    """The models as the database has them: the state of the applied migrations.

    The current models may already differ (why hard mode exists), so tables are dropped and foreign
    keys altered through these historical models.
    """
    graph = loader.graph
    applied = {key for key in loader.applied_migrations if key in graph.nodes} - exclude
    leaves = [
        key
        for key in sorted(applied)
        if not any(child.key in applied for child in graph.node_map[key].children)
    ]
    if not leaves:
        return ProjectState(real_apps=loader.unmigrated_apps)
    return graph.make_state(nodes=leaves, at_end=True, real_apps=loader.unmigrated_apps)


def _plan_tables(plan: ResetPlan, facts: Facts) -> None:
    """The app's tables that exist; only they can be shown as dropped or kept."""
    labels = set(plan.apps)
    existing = set(facts.connection.introspection.table_names())
    for model in facts.state.apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label not in labels or not meta.managed or meta.proxy:
            continue
        if meta.db_table in existing:
            plan.tables.setdefault(meta.app_label, []).append(meta.db_table)
            # A many-to-many table goes with its model's delete_model.
            if not meta.auto_created:
                facts.models_to_drop.append(model)
    for label in plan.tables:
        plan.tables[label].sort()


def _plan_referencing(plan: ResetPlan, facts: Facts) -> None:
    """Rows of other apps that point into the app: hard mode must delete or rewrite them."""
    alias = facts.connection.alias
    facts.referencing = find_referencing(facts.state.apps, set(plan.apps), alias)
    plan.referencing = [found.ref for found in facts.referencing]
    plan.cascade, plan.cascade_blocked = cascade_preview(facts.referencing, alias)


def pending_changes(labels: tuple[str, ...]) -> dict[str, list[str]]:
    """What ``makemigrations --check --dry-run APP`` would report, without its exit."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    questioner = NonInteractiveMigrationQuestioner(
        specified_apps=set(labels), dry_run=True, verbosity=0
    )
    autodetector = MigrationAutodetector(
        loader.project_state(), ProjectState.from_apps(global_apps), questioner
    )
    try:
        changes = autodetector.changes(
            graph=loader.graph, trim_to_apps=set(labels), convert_apps=set(labels)
        )
    except SystemExit:
        # The questioner exits when a new field needs a default it may not ask for.
        return {label: ["a change that needs a default for a new field"] for label in labels}
    return {
        label: [op.describe() for migration in migrations for op in migration.operations]
        for label, migrations in changes.items()
        if label in labels
    }


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")
