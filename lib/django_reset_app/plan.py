"""The shape of a reset: what reset_app will remove, rewrite or lose, before it touches anything.

No I/O, so every rule module filling it can be unit-tested without a database or a project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

NodeKey = tuple[str, str]

HARD = "hard"
SOFT = "soft"

#: What happens to a row of another app whose foreign key points into a reset app.
ACTION_DELETE = "delete"
ACTION_SET_NULL = "set null"
ACTION_SET_DEFAULT = "set default"
ACTION_REFUSE = "refuse"


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


def unapplied(migrations: Iterable[MigrationInfo]) -> list[MigrationInfo]:
    return [migration for migration in migrations if not migration.applied]


def backup_dir_name(now: datetime) -> str:
    """Timestamped, so that repeated resets never overwrite an older backup."""
    return f"migrations_backup_{now:%Y%m%d-%H%M%S}"


def quoted(labels: Iterable[str]) -> str:
    """App labels as the messages name them: ``'library', 'shelf'``."""
    return ", ".join(f"'{label}'" for label in labels)
