"""Which operations of the old migrations a fresh initial migration will not have.

makemigrations writes from the models alone, so data, hand-written SQL and custom operations go
with the old files; the user is told which before agreeing.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def describe_lost_operations(operations: Iterable[object]) -> list[str]:
    """Name the operations that makemigrations will not write again."""
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
    """A subclass of a Django operation may do more than its name says."""
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
    """One line per operation in the warning, however long its SQL."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
