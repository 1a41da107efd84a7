"""Carrying a checked plan out: files first, then the database, everything undone on failure.

makemigrations must write the fresh migration before the database can be built from it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.db.migrations.loader import MigrationLoader

from django_reset_app.database import reset_database
from django_reset_app.dependents import choose_new_target, rewrite_dependencies
from django_reset_app.facts import Facts
from django_reset_app.files import (
    Backup,
    display,
    forget_modules,
    migration_names,
    remove_bytecode,
    remove_cache_folder,
)
from django_reset_app.plan import ResetPlan


class Reset:
    """One run of a plan, remembering its current step for the error message."""

    def __init__(
        self,
        plan: ResetPlan,
        facts: Facts,
        verbosity: int,
        stdout: OutputWrapper,
        stderr: OutputWrapper,
    ) -> None:
        self.plan = plan
        self.facts = facts
        self.verbosity = verbosity
        self.stdout = stdout
        self.stderr = stderr
        self.step = ""
        self.backup = Backup(
            facts.dirs, facts.backup_dirs, [Path(d.migration.path) for d in plan.dependents]
        )

    def run(self) -> None:
        """Even Ctrl-C or a SystemExit from makemigrations puts the old files back."""
        self._at("backing up the migration files")
        try:
            self.backup.create()
            self._replace_files()
            reset_database(self.plan, self.facts, self._at, self.verbosity)
        except BaseException as error:
            raise self._failure(error) from error

    def _at(self, step: str) -> None:
        self.step = step

    def _replace_files(self) -> None:
        """Old files out, fresh initial migration in, dependents pointed at it."""
        plan = self.plan
        self._at("deleting the old migration files")
        for label in plan.apps:
            for migration in plan.migrations[label]:
                Path(migration.path).unlink()
            remove_cache_folder(self.facts.dirs[label])
        # makemigrations loads every app's migrations: names of deleted files would break
        # the graph, so dependents name __first__ (ignored for an app without migrations).
        self._at("pointing dependent migrations at __first__ for makemigrations")
        self._rewrite_dependents({label: "__first__" for label in plan.apps})
        self._at(f"running makemigrations {' '.join(plan.apps)}")
        call_command(
            "makemigrations", *plan.apps, interactive=False, verbosity=self.verbosity,
            stdout=self.stdout, stderr=self.stderr,
        )  # fmt: skip
        forget_modules(plan)
        self._at("pointing dependent migrations at the new initial migration")
        targets = {label: choose_new_target(self._new_names(label)) for label in plan.apps}
        self._rewrite_dependents(targets)
        self._at("loading the new migration graph")
        MigrationLoader(None, ignore_no_migrations=True)  # raises if the graph is broken

    def _new_names(self, label: str) -> list[str]:
        """Without models there is no migration to point at: resetting cannot drop an app."""
        directory = self.facts.dirs[label]
        names = migration_names(directory)
        if not names:
            raise CommandError(
                f"makemigrations wrote no migration into {display(directory)}: the app has no "
                "models left. To get rid of its tables, remove its models in a normal migration "
                "(makemigrations + migrate) instead of resetting it"
            )
        return names

    def _rewrite_dependents(self, targets: dict[str, str]) -> None:
        """Always from the original text, so the second rewrite finds the old names again."""
        for dependent in self.plan.dependents:
            path = Path(dependent.migration.path)
            replacements = {key: targets[key[0]] for key in dependent.references}
            source, _ = rewrite_dependencies(self.backup.original(path), replacements)
            path.write_text(source, encoding="utf-8")
            remove_bytecode(path)
        forget_modules(self.plan)

    def _failure(self, error: BaseException) -> CommandError:
        """Put the files back and say what failed, why, and what to do."""
        reason = _describe(error)
        try:
            self.backup.restore()
            forget_modules(self.plan)
        except Exception as restore_error:  # pragma: no cover - needs a broken disk
            return CommandError(
                f"reset_app failed while {self.step}: {reason}. Restoring the old migration "
                f"files failed too ({restore_error}): copy them back by hand from "
                f"{', '.join(str(p) for p in self.backup.folders.values())}."
            )
        database = (
            "The database transaction was rolled back."
            if self.facts.connection.features.can_rollback_ddl
            else "This database cannot roll back schema changes: check its tables."
        )
        return CommandError(
            f"reset_app failed while {self.step}: {reason}. The old migration files were "
            f"restored and the backup folder removed; {database} Nothing was reset: fix the "
            "cause above and run the command again."
        )


def _describe(error: BaseException) -> str:
    """SystemExit and Ctrl-C have no message of their own worth repeating."""
    if isinstance(error, SystemExit):
        return f"the command exited with status {error.code} (its message is above)"
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"{type(error).__name__}: {error}"
