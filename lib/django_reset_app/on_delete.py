"""What a hard reset does to rows of other apps that point into the app it empties."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import deletion

from django_reset_app.plan import ACTION_DELETE, ACTION_REFUSE, ACTION_SET_DEFAULT, ACTION_SET_NULL

#: Django 6.1 added on_delete done by the database itself (DB_CASCADE, ...).
_DATABASE_HANDLERS = (
    ("DB_CASCADE", ACTION_DELETE),
    ("DB_SET_NULL", ACTION_SET_NULL),
    ("DB_SET_DEFAULT", ACTION_SET_DEFAULT),
)


def on_delete_action(on_delete: Callable[..., object] | None) -> str:
    """What reset_app does to rows pointing at rows it deletes, following their on_delete.

    CASCADE deletes, SET_NULL/SET_DEFAULT rewrite; PROTECT, RESTRICT, DO_NOTHING and custom
    handlers mean the developer decides, so the reset stops.
    """
    actions = {
        deletion.CASCADE: ACTION_DELETE,
        deletion.SET_NULL: ACTION_SET_NULL,
        deletion.SET_DEFAULT: ACTION_SET_DEFAULT,
    }
    for name, action in _DATABASE_HANDLERS:
        if hasattr(deletion, name):
            actions[getattr(deletion, name)] = action
    return actions.get(on_delete, ACTION_REFUSE)  # type: ignore[arg-type]


def on_delete_name(on_delete: Callable[..., object] | None) -> str:
    """The name the developer wrote in the model, for the plan and the messages."""
    return getattr(on_delete, "__name__", repr(on_delete))
