"""``manage.py reset_app``: start an app's migrations over, during early development.

A Django take on South's ``south_reset``. Hard mode (the default) throws the app's data away
and rebuilds its tables from the current models; ``--soft`` keeps every row and only
squashes the migration history into one fresh initial migration. Either way the old files
are backed up first and put back if any step fails, and the database work runs in one
transaction, so a failed reset leaves the project as it was.

The rules (what is in the plan, what stops it) live in :mod:`django_s3_static.resetapp`;
this module only gathers facts and carries the plan out.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import os
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.db.models import Field, Model
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from django_s3_static import resetapp
from django_s3_static.resetapp import MigrationInfo, Referencing, ResetPlan

HELP = """\
Start the migrations of APP over, for early development only.

Hard mode (default): drops the app's tables and creates them again, empty, from the current
models; the app's migration files are replaced by one fresh initial migration (makemigrations
APP). Only that app's data is lost: the tables of other apps stay, and the migrations of other
apps that depend on APP are rewritten to depend on the new initial migration instead of being
unapplied. Rows of other apps whose foreign key points at APP follow the field's on_delete,
as if the rows had been deleted through Django: CASCADE deletes them, SET_NULL and
SET_DEFAULT rewrite them; PROTECT, RESTRICT, DO_NOTHING or a custom handler stop the reset.

--soft: keeps every row. Replaces the migration files by one fresh initial migration and
records it as applied in django_migrations without running it. Needs the models to match the
migrations (no pending makemigrations changes) and every migration of APP applied.

Safety: the plan is shown and confirmed first; the old files are copied to
APP/migrations_backup_YYYYmmdd-HHMMSS/ and restored if any step fails; the database work runs
in one transaction; --dry-run changes nothing; refuses to run when DEBUG is False unless
--force. RunPython/RunSQL operations that the fresh migration will not have are listed.

--database changes the tables and django_migrations rows of that database only; the migration
files are shared by every database of the project.
"""


@dataclass
class Facts:
    """What the plan was built from, kept to carry it out."""

    connection: BaseDatabaseWrapper
    state: ProjectState
    dirs: dict[str, Path]
    backup_dirs: dict[str, Path] = field(default_factory=dict)
    models_to_drop: list[type[Model]] = field(default_factory=list)
    referencing: list[tuple[Referencing, type[Model], Field]] = field(default_factory=list)


class Command(BaseCommand):
    help = HELP
    requires_system_checks: list[str] = []  # run below, for the chosen database only

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Keep the paragraphs of the help text: they are the command's manual."""
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("app_label", nargs="+", help="Label(s) of the app(s) to reset.")
        parser.add_argument(
            "--soft",
            action="store_true",
            help="Keep all rows: record one fresh initial migration as applied, run nothing.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show the plan and stop: no file and no database row is changed.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database to reset the app on. Defaults to the "default" database.',
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though settings.DEBUG is False.",
        )
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")

    def handle(self, *args: str, **options: Any) -> None:
        # Nothing this command imports may leave .pyc files behind (--dry-run writes nothing,
        # and a stale cached migration must never shadow a rewritten one).
        dont_write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            self._handle(tuple(dict.fromkeys(options["app_label"])), options)
        finally:
            sys.dont_write_bytecode = dont_write_bytecode

    def _handle(self, labels: tuple[str, ...], options: dict[str, Any]) -> None:
        self.verbosity = options["verbosity"]
        problem = resetapp.check_debug(settings.DEBUG, options["force"])
        if problem:
            raise CommandError(problem)
        connection = self._connection(options["database"])
        if not options["skip_checks"]:
            self.check(databases=[connection.alias])
        mode = resetapp.SOFT if options["soft"] else resetapp.HARD
        plan, facts = self._make_plan(labels, mode, connection)
        self._show(plan)
        if plan.problems:
            raise CommandError(
                "reset_app stopped before changing anything:\n- " + "\n- ".join(plan.problems)
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        if options["interactive"]:
            self._confirm(plan)
        self._carry_out(plan, facts)

    # -- gathering facts ---------------------------------------------------------------

    def _connection(self, alias: str) -> BaseDatabaseWrapper:
        if alias not in settings.DATABASES:
            known = ", ".join(sorted(settings.DATABASES))
            raise CommandError(
                f"Unknown database alias '{alias}' (--database). Known aliases: {known}."
            )
        return connections[alias]

    def _make_plan(
        self, labels: tuple[str, ...], mode: str, connection: BaseDatabaseWrapper
    ) -> tuple[ResetPlan, Facts]:
        dirs = {label: self._migrations_dir(label) for label in labels}
        loader = self._load(connection)
        infos = self._migration_infos(loader)
        state = self._database_state(loader)
        plan = ResetPlan(
            apps=labels,
            mode=mode,
            database=connection.alias,
            vendor=connection.vendor,
            migrations={label: [i for i in infos if i.app_label == label] for label in labels},
            migration_dirs={label: _display(path) for label, path in dirs.items()},
        )
        facts = Facts(connection=connection, state=state, dirs=dirs)
        facts.backup_dirs = {label: self._backup_dir(path) for label, path in dirs.items()}
        plan.backup_dirs = {label: _display(path) for label, path in facts.backup_dirs.items()}
        plan.dependents = [
            resetapp.check_dependent_source(dependent, self._read(dependent.migration.path))
            for dependent in resetapp.find_dependents(infos, labels)
        ]
        self._plan_database(plan, facts)
        pending = self._pending_changes(labels) if mode == resetapp.SOFT else {}
        plan.problems = resetapp.plan_problems(plan, pending)
        return plan, facts

    def _migrations_dir(self, label: str) -> Path:
        """The folder of the app's migrations package, refusing what must not be touched."""
        try:
            global_apps.get_app_config(label)
        except LookupError:
            known = ", ".join(sorted(config.label for config in global_apps.get_app_configs()))
            raise CommandError(
                f"No installed app with label '{label}'. Use the app label (the last part of "
                f"its name in INSTALLED_APPS). Installed apps: {known}."
            ) from None
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
        return self._checked_dir(label, module)

    def _checked_dir(self, label: str, module: Any) -> Path:
        if getattr(module, "__file__", None) is None:
            raise CommandError(
                f"The migrations of '{label}' ({module.__name__}) are a namespace package "
                "without __init__.py, which Django ignores. Add an empty __init__.py first."
            )
        directory = Path(module.__file__).resolve().parent
        if {"site-packages", "dist-packages"} & set(directory.parts):
            raise CommandError(
                f"App '{label}' is an installed package ({directory}): its migrations belong "
                "to its authors and reset_app never rewrites them. Reset only your own apps."
            )
        return directory

    def _load(self, connection: BaseDatabaseWrapper) -> MigrationLoader:
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

    def _migration_infos(self, loader: MigrationLoader) -> list[MigrationInfo]:
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
                lost_operations=tuple(resetapp.describe_lost_operations(migration.operations)),
                path=str(Path(sys.modules[type(migration).__module__].__file__).resolve()),
                applied=key in applied,
            )
            for key, migration in sorted(loader.disk_migrations.items())
        ]

    @staticmethod
    def _database_state(
        loader: MigrationLoader, exclude: frozenset[tuple[str, str]] = frozenset()
    ) -> ProjectState:
        """The models as the database has them: the state of the applied migrations."""
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

    def _plan_database(self, plan: ResetPlan, facts: Facts) -> None:
        """Tables to drop and rows of other apps that point into the app (hard mode)."""
        labels = set(plan.apps)
        existing = set(facts.connection.introspection.table_names())
        state_apps = facts.state.apps
        for model in state_apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.app_label not in labels or not meta.managed or meta.proxy:
                continue
            if meta.db_table in existing:
                plan.tables.setdefault(meta.app_label, []).append(meta.db_table)
                if not meta.auto_created:
                    facts.models_to_drop.append(model)
        for label in plan.tables:
            plan.tables[label].sort()
        if plan.mode == resetapp.HARD:
            facts.referencing = self._referencing(state_apps, labels, facts.connection.alias)
            plan.referencing = [ref for ref, _, _ in facts.referencing]
            plan.cascade, plan.cascade_blocked = self._cascade_preview(facts)

    def _referencing(
        self, state_apps: Any, labels: set[str], alias: str
    ) -> list[tuple[Referencing, type[Model], Field]]:
        found = []
        for model in state_apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.app_label in labels or not meta.managed or meta.proxy:
                continue
            for fk in meta.local_fields:
                target = fk.related_model if fk.is_relation else None
                if target is None or target._meta.app_label not in labels:
                    continue
                on_delete = fk.remote_field.on_delete
                rows = self._pointing(model, fk, alias).count()
                ref = Referencing(
                    model_label=meta.label,
                    field_name=fk.name,
                    target_label=target._meta.label,
                    on_delete=resetapp.on_delete_name(on_delete),
                    action=resetapp.on_delete_action(on_delete),
                    rows=rows,
                )
                found.append((ref, model, fk))
        return found

    @staticmethod
    def _pointing(model: type[Model], fk: Field, alias: str) -> Any:
        return model._base_manager.using(alias).filter(**{f"{fk.name}__isnull": False})

    def _cascade_preview(self, facts: Facts) -> tuple[dict[str, int], str]:
        """Count what CASCADE will delete, reading only (Collector.collect runs SELECTs)."""
        try:
            collector = self._collector(facts)
        except (ProtectedError, RestrictedError) as error:
            return {}, str(error.args[0])
        counts: Counter[str] = Counter()
        for model, instances in collector.data.items():
            counts[model._meta.label] += len(instances)
        for objs in collector.fast_deletes:
            counts[objs.model._meta.label] += len(objs) if isinstance(objs, list) else objs.count()
        return {label: count for label, count in counts.items() if count}, ""

    def _collector(self, facts: Facts) -> Collector:
        alias = facts.connection.alias
        collector = Collector(using=alias)
        for ref, model, fk in facts.referencing:
            if ref.action == resetapp.ACTION_DELETE and ref.rows:
                collector.collect(self._pointing(model, fk, alias))
        return collector

    def _pending_changes(self, labels: tuple[str, ...]) -> dict[str, list[str]]:
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
            return {label: ["a change that needs a default for a new field"] for label in labels}
        return {
            label: [op.describe() for migration in migrations for op in migration.operations]
            for label, migrations in changes.items()
            if label in labels
        }

    @staticmethod
    def _backup_dir(migrations_dir: Path) -> Path:
        name = resetapp.backup_dir_name(datetime.now())
        candidate, number = migrations_dir.parent / name, 1
        while candidate.exists():
            number += 1
            candidate = migrations_dir.parent / f"{name}-{number}"
        return candidate

    @staticmethod
    def _read(path: str) -> str:
        return Path(path).read_text(encoding="utf-8")

    # -- talking to the user -----------------------------------------------------------

    def _show(self, plan: ResetPlan) -> None:
        for line in resetapp.format_plan(plan):
            self.stdout.write(line)
        for line in resetapp.format_lost_operations(plan):
            self.stdout.write(self.style.WARNING(line))
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(f"WARNING: {warning}"))

    def _confirm(self, plan: ResetPlan) -> None:
        what = "DELETE the data of" if plan.mode == resetapp.HARD else "rewrite the migrations of"
        question = (
            f"This will {what} {', '.join(plan.apps)} on database '{plan.database}'.\n"
            "Type 'yes' to continue, or 'no' to cancel: "
        )
        try:
            answer = input(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError(
                "Reset cancelled: nothing was changed. Answer 'yes' to go ahead, or pass "
                "--noinput to skip the question in scripts."
            )

    # -- carrying the plan out ---------------------------------------------------------

    def _carry_out(self, plan: ResetPlan, facts: Facts) -> None:
        backup = Backup(plan, facts)
        self._step = "backing up the migration files"
        try:
            backup.create()
            self._replace_files(plan, facts, backup)
            self._reset_database(plan, facts)
        except BaseException as error:
            raise self._failure(plan, facts, backup, error) from error
        self._report(plan)

    def _replace_files(self, plan: ResetPlan, facts: Facts, backup: Backup) -> None:
        """Old files out, fresh initial migration in, dependents pointed at it."""
        self._step = "deleting the old migration files"
        for label in plan.apps:
            for migration in plan.migrations[label]:
                Path(migration.path).unlink()
            shutil.rmtree(facts.dirs[label] / "__pycache__", ignore_errors=True)
        # makemigrations loads every app's migrations: names of deleted files would break
        # the graph, so dependents name __first__ (ignored for an app without migrations).
        self._step = "pointing dependent migrations at __first__ for makemigrations"
        self._rewrite_dependents(plan, backup, {label: "__first__" for label in plan.apps})
        self._step = f"running makemigrations {' '.join(plan.apps)}"
        call_command(
            "makemigrations", *plan.apps, interactive=False, verbosity=self.verbosity,
            stdout=self.stdout, stderr=self.stderr,
        )  # fmt: skip
        _forget_modules(plan)
        self._step = "pointing dependent migrations at the new initial migration"
        targets = {label: resetapp.choose_new_target(self._new_names(facts.dirs[label]))
                   for label in plan.apps}  # fmt: skip
        self._rewrite_dependents(plan, backup, targets)
        self._step = "loading the new migration graph"
        MigrationLoader(None, ignore_no_migrations=True)  # raises if the graph is broken

    def _new_names(self, directory: Path) -> list[str]:
        names = [
            path.stem for path in directory.glob("*.py") if not path.name.startswith(("_", "~"))
        ]
        if not names:
            raise CommandError(
                f"makemigrations wrote no migration into {_display(directory)}: the app has no "
                "models left. To get rid of its tables, remove its models in a normal migration "
                "(makemigrations + migrate) instead of resetting it"
            )
        return names

    def _rewrite_dependents(self, plan: ResetPlan, backup: Backup, targets: dict[str, str]) -> None:
        for dependent in plan.dependents:
            path = Path(dependent.migration.path)
            replacements = {key: targets[key[0]] for key in dependent.references}
            source, _ = resetapp.rewrite_dependencies(backup.original(path), replacements)
            path.write_text(source, encoding="utf-8")
            _remove_bytecode(path)
        _forget_modules(plan)

    def _reset_database(self, plan: ResetPlan, facts: Facts) -> None:
        """All database work in one transaction: a failure leaves the database untouched."""
        connection = facts.connection
        # schema_editor(atomic=True) is the transaction; on SQLite it must be the outermost
        # block because foreign key checks can only be switched off outside a transaction.
        with connection.schema_editor(atomic=True) as editor:
            if plan.mode == resetapp.HARD:
                self._rebuild_tables(plan, facts, editor)
            else:
                self._record_fresh_history(plan, connection)
            self._step = "checking the migration history"
            self._check_history(plan, connection)

    def _rebuild_tables(self, plan: ResetPlan, facts: Facts, editor: Any) -> None:
        connection = facts.connection
        self._step = "updating the rows of other apps that point at the app"
        self._apply_on_delete(facts)
        self._step = "dropping foreign key constraints of other apps"
        for _, model, fk in facts.referencing:
            if fk.db_constraint:
                editor.alter_field(model, fk, _without_constraint(fk))
        self._step = "dropping the app's tables"
        for model in facts.models_to_drop:
            editor.delete_model(model)
        MigrationRecorder(connection).migration_qs.filter(app__in=plan.apps).delete()
        self._step = "creating the tables from the new initial migration"
        migration_plan = self._apply_fresh_migrations(plan, connection)
        self._step = "adding back foreign key constraints of other apps"
        state = self._database_state(MigrationLoader(connection))
        for ref, _, _ in facts.referencing:
            model = state.apps.get_model(ref.model_label)
            new_fk = model._meta.get_field(ref.field_name)
            if new_fk.db_constraint:
                editor.alter_field(model, _without_constraint(new_fk), new_fk)
        self._step = "sending the post_migrate signal"
        emit_post_migrate_signal(
            self.verbosity, False, connection.alias, apps=state.apps, plan=migration_plan
        )

    def _apply_fresh_migrations(
        self, plan: ResetPlan, connection: BaseDatabaseWrapper
    ) -> list[tuple[Any, bool]]:
        """Run the new initial migration(s) while the dependents stay recorded as applied.

        ``migrate`` would refuse (dependents applied before their new dependency) and the
        executor's own starting state would include the dependents' models, which point at
        models that do not exist yet; so start from the applied migrations that do not
        depend on the reset apps.
        """
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        targets = [key for key in graph.leaf_nodes() if key[0] in plan.apps]
        descendants = {
            key
            for node in graph.nodes
            if node[0] in plan.apps
            for key in graph.backwards_plan(node)
        }
        state = self._database_state(executor.loader, exclude=frozenset(descendants))
        migration_plan = executor.migration_plan(targets)
        executor.migrate(targets, plan=migration_plan, state=state)
        return migration_plan

    def _apply_on_delete(self, facts: Facts) -> None:
        """Do to other apps' rows what deleting the app's rows through Django would do."""
        alias = facts.connection.alias
        for ref, model, fk in facts.referencing:
            if ref.action == resetapp.ACTION_SET_NULL:
                self._pointing(model, fk, alias).update(**{fk.name: None})
            elif ref.action == resetapp.ACTION_SET_DEFAULT:
                self._pointing(model, fk, alias).update(**{fk.name: fk.get_default()})
        self._collector(facts).delete()

    def _record_fresh_history(self, plan: ResetPlan, connection: BaseDatabaseWrapper) -> None:
        """Soft mode: the app's rows in django_migrations now name the fresh migration."""
        self._step = "recording the new initial migration as applied"
        recorder = MigrationRecorder(connection)
        recorder.migration_qs.filter(app__in=plan.apps).delete()
        loader = MigrationLoader(connection)
        for app_label, name in _fresh_nodes(loader, plan.apps):
            recorder.record_applied(app_label, name)

    def _check_history(self, plan: ResetPlan, connection: BaseDatabaseWrapper) -> None:
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

    def _failure(
        self, plan: ResetPlan, facts: Facts, backup: Backup, error: BaseException
    ) -> CommandError:
        """Put the files back and say what failed, why, and what to do."""
        step = self._step
        reason = _describe(error)
        try:
            backup.restore()
            _forget_modules(plan)
        except Exception as restore_error:  # pragma: no cover - needs a broken disk
            return CommandError(
                f"reset_app failed while {step}: {reason}. Restoring the old migration files "
                f"failed too ({restore_error}): copy them back by hand from "
                f"{', '.join(str(p) for p in backup.folders.values())}."
            )
        database = (
            "The database transaction was rolled back."
            if facts.connection.features.can_rollback_ddl
            else "This database cannot roll back schema changes: check its tables."
        )
        return CommandError(
            f"reset_app failed while {step}: {reason}. The old migration files were restored "
            f"and the backup folder removed; {database} Nothing was reset: fix the cause above "
            "and run the command again."
        )

    def _report(self, plan: ResetPlan) -> None:
        for label in plan.apps:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Reset '{label}' ({plan.mode}). Old migration files kept in "
                    f"{plan.backup_dirs[label]}: delete that folder once you are happy."
                )
            )
        if plan.lost_operations:
            self.stdout.write(
                self.style.WARNING(
                    "Remember the RunPython/RunSQL operations listed above: they are not in "
                    "the new migration."
                )
            )


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class Backup:
    """Copies of every file the reset changes, on disk for the user and in memory for us.

    Everything is read into memory before anything is written, so that a restore after a
    half-made backup never deletes a file it has no copy of.
    """

    def __init__(self, plan: ResetPlan, facts: Facts) -> None:
        self.dirs = facts.dirs
        self.folders = facts.backup_dirs
        self.dependents = [Path(d.migration.path) for d in plan.dependents]
        self.first_label = plan.apps[0]
        self.saved: dict[Path, bytes] = {}
        self.complete = False

    def create(self) -> None:
        saved = {path: path.read_bytes() for d in self.dirs.values() for path in _package_files(d)}
        saved.update({path: path.read_bytes() for path in self.dependents})
        self.saved, self.complete = saved, True
        for label, directory in self.dirs.items():
            shutil.copytree(directory, self.folders[label], ignore=_ignore_caches)
        for path in self.dependents:
            target = self.folders[self.first_label] / "dependents" / path.parent.parent.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.name)

    def original(self, path: Path) -> str:
        return self.saved[path].decode("utf-8")

    def restore(self) -> None:
        """Back to the files as they were: new ones removed, old ones written back."""
        if self.complete:
            self._restore_files()
        for folder in self.folders.values():
            shutil.rmtree(folder, ignore_errors=True)

    def _restore_files(self) -> None:
        for directory in self.dirs.values():
            for path in _package_files(directory):
                if path not in self.saved:
                    path.unlink()
            shutil.rmtree(directory / "__pycache__", ignore_errors=True)
        for path, content in self.saved.items():
            if not path.exists() or path.read_bytes() != content:
                path.write_bytes(content)
            _remove_bytecode(path)


def _display(folder: Path) -> str:
    """Folders under the current one are shown relative to it, as the user would type them."""
    try:
        return f"{folder.relative_to(Path.cwd())}{os.sep}"
    except ValueError:
        return f"{folder}{os.sep}"


def _package_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.is_file())


def _ignore_caches(directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__" or name.endswith(".pyc")]


def _remove_bytecode(path: Path) -> None:
    """A .pyc of the old text could outlive a same-size rewrite within one second."""
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def _forget_modules(plan: ResetPlan) -> None:
    """Drop imported migration modules so the next MigrationLoader reads the files again.

    The fresh ``0001_initial`` has the same module name as the old one: without this, the
    import system would hand back the old module still cached in ``sys.modules``.
    """
    packages = {MigrationLoader.migrations_module(label)[0] for label in plan.apps}
    packages |= {
        MigrationLoader.migrations_module(d.migration.app_label)[0] for d in plan.dependents
    }
    for name in list(sys.modules):
        if any(name.startswith(f"{package}.") for package in packages if package):
            del sys.modules[name]
    importlib.invalidate_caches()


def _without_constraint(fk: Field) -> Field:
    """The same field without its database constraint, for alter_field to drop/add it."""
    clone = copy.copy(fk)
    clone.db_constraint = False
    return clone


def _describe(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return f"the command exited with status {error.code} (its message is above)"
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"{type(error).__name__}: {error}"


def _fresh_nodes(loader: MigrationLoader, labels: tuple[str, ...]) -> list[tuple[str, str]]:
    """The reset apps' new migrations, dependencies first."""
    nodes: list[tuple[str, str]] = []
    for leaf in sorted(key for key in loader.graph.leaf_nodes() if key[0] in labels):
        for key in loader.graph.forwards_plan(leaf):
            if key[0] in labels and key not in nodes:
                nodes.append(key)
    return nodes
