"""Which package manager installs the app's dependencies, and how to add one with it.

heroku/python picks the manager from the files in the app's root folder, in this order:
``Pipfile.lock`` (Pipenv), ``requirements.txt`` (pip), ``poetry.lock`` (Poetry), ``uv.lock``
(uv) (``package_manager::determine_package_manager`` in heroku-buildpack-python's
lib/package_manager.sh). A message that asks the app to add a dependency names that manager's
own command, since a uv or Poetry project has no requirements.txt to edit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Manager:
    name: str
    #: The file in the app's root folder that selects it.
    marker: str
    #: How to add ``{package}`` to the app's dependencies with it.
    add: str


MANAGERS = (
    Manager("Pipenv", "Pipfile.lock", "pipenv install {package} (then commit Pipfile.lock)"),
    Manager("pip", "requirements.txt", "add {package} to requirements.txt"),
    Manager("Poetry", "poetry.lock", "poetry add {package} (then commit poetry.lock)"),
    Manager("uv", "uv.lock", "uv add {package} (then commit uv.lock)"),
)

#: The manage.py heroku/python and this buildpack accept is at most three levels down
#: (bin/detect), so the app's root folder is at most two folders above manage.py's.
_LEVELS_ABOVE_APP = 2


def manager_in(folder: str) -> Manager | None:
    """The manager heroku/python would use for an app whose root folder is ``folder``."""
    for manager in MANAGERS:
        if os.path.isfile(os.path.join(folder, manager.marker)):
            return manager
    return None


def manager_of(app_dir: str) -> Manager | None:
    """The manager of the app whose manage.py is in ``app_dir``: the first folder from there up
    (two levels at most) that holds a manager's file."""
    folder = os.path.abspath(app_dir)
    for _ in range(_LEVELS_ABOVE_APP + 1):
        found = manager_in(folder)
        if found is not None:
            return found
        folder = os.path.dirname(folder)
    return None


def how_to_add(package: str, manager: Manager | None) -> str:
    """One line: how this app adds ``package`` to its dependencies."""
    if manager is None:
        names = ", ".join(m.marker for m in MANAGERS)
        return (
            f"Add {package} to the app's dependencies (no {names} was found beside manage.py "
            "or above it)."
        )
    return f"Add {package} to the app's dependencies ({manager.name}): " + manager.add.format(
        package=package
    )
