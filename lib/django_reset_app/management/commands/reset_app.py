"""``manage.py reset_app``: start an app's migrations over, during early development (``HELP``).

A Django take on South's ``south_reset``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.db import DEFAULT_DB_ALIAS

from django_reset_app.execute import Reset
from django_reset_app.facts import connection_for, database_host, make_plan
from django_reset_app.plan import HARD, SOFT, ResetPlan
from django_reset_app.problems import check_debug, check_where
from django_reset_app.report import format_lost_operations, format_plan

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
--force, and on a Heroku dyno (DYNO is set) or against a database on another machine (HOST
neither empty, a socket folder, nor a loopback address) unless --allow-remote. RunPython/RunSQL
operations that the fresh migration will not have are listed.

--database changes the tables and django_migrations rows of that database only; the migration
files are shared by every database of the project.
"""


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
        parser.add_argument(
            "--allow-remote",
            action="store_true",
            help="Run even on a Heroku dyno (DYNO is set) or against a database that is not on "
            "this machine (HOST neither empty, a socket folder, nor a loopback address).",
        )
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")

    def handle(self, *args: str, **options: Any) -> None:
        # No .pyc left behind: --dry-run writes nothing, and a stale one could shadow a rewrite.
        dont_write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            self._handle(tuple(dict.fromkeys(options["app_label"])), options)
        finally:
            sys.dont_write_bytecode = dont_write_bytecode

    def _handle(self, labels: tuple[str, ...], options: dict[str, Any]) -> None:
        """Every refusal comes before the prompt, so that 'yes' is only asked of a sure plan."""
        problem = check_debug(settings.DEBUG, options["force"])
        if problem:
            raise CommandError(problem)
        connection = connection_for(options["database"])
        host, addresses = database_host(connection)
        problem = check_where(
            os.environ.get("DYNO"),
            connection.alias,
            connection.vendor,
            host,
            addresses,
            options["allow_remote"],
        )
        if problem:
            raise CommandError(problem)
        if not options["skip_checks"]:
            self.check(databases=[connection.alias])
        plan, facts = make_plan(labels, SOFT if options["soft"] else HARD, connection)
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
        Reset(plan, facts, options["verbosity"], self.stdout, self.stderr).run()
        self._report(plan)

    def _show(self, plan: ResetPlan) -> None:
        for line in format_plan(plan):
            self.stdout.write(line)
        for line in format_lost_operations(plan):
            self.stdout.write(self.style.WARNING(line))
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(f"WARNING: {warning}"))

    def _confirm(self, plan: ResetPlan) -> None:
        """Anything but 'yes', even a closed stdin, cancels: the reset may delete data."""
        what = "DELETE the data of" if plan.mode == HARD else "rewrite the migrations of"
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

    def _report(self, plan: ResetPlan) -> None:
        """The backup is left for the user to delete: only they know the reset went well."""
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
    """Django's ordering of the options, with the help text's line breaks kept."""
