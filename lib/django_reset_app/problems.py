"""What must stop a reset before it starts (a half-done one is hard to untangle), and what to do."""

from __future__ import annotations

import ipaddress
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


#: The flag that lets reset_app run on a dyno or against a database on another machine.
ALLOW_REMOTE = "--allow-remote"


def check_where(
    dyno: str | None,
    alias: str,
    vendor: str,
    host: str,
    addresses: Sequence[str],
    allow: bool,
) -> str | None:
    """A reset belongs to a developer's own database: on a Heroku dyno (``DYNO`` is set), or
    against a database on another machine, DEBUG alone does not say so (a staging app often
    runs with DEBUG on), so it needs an explicit --allow-remote.

    ``addresses``: what ``host`` resolves to; a host that resolves to nothing is not local.
    """
    if allow:
        return None
    if dyno:
        return (
            f"DYNO is set ({dyno}): this is a Heroku dyno, whose database is the app's own "
            "(staging or production), not a development copy, even with DEBUG on. reset_app "
            f"refuses to run there. If you really mean it, run it again with {ALLOW_REMOTE}."
        )
    if vendor == "sqlite" or is_local_host(host, addresses):
        return None
    return (
        f"The database '{alias}' is on {host}, not on this machine (its HOST is neither empty, "
        "a socket folder, nor a loopback address): reset_app only resets development databases "
        f"and refuses to touch it. If you really mean it, run it again with {ALLOW_REMOTE}."
    )


def is_local_host(host: str, addresses: Sequence[str]) -> bool:
    """Whether a database HOST is this machine: empty or a socket folder (a unix socket), or a
    name whose every address is a loopback one."""
    if not host.strip() or host.startswith("/") or host.lower() == "localhost":
        return True
    return bool(addresses) and all(_loopback(address) for address in addresses)


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


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
