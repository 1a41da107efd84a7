"""The migration files on disk: their backup, their restore, and Python's cached copies."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

from django_reset_app.plan import ResetPlan, backup_dir_name


class Backup:
    """Copies of every file the reset changes, on disk for the user and in memory to restore.

    All is read before anything is written, so a restore after a half-made backup never deletes a
    file it has no copy of.
    """

    def __init__(
        self, dirs: dict[str, Path], folders: dict[str, Path], dependents: Iterable[Path]
    ) -> None:
        self.dirs = dirs
        self.folders = folders
        self.dependents = list(dependents)
        self.saved: dict[Path, bytes] = {}
        self.complete = False

    def create(self) -> None:
        """Memory first (see the class), then the folder the user keeps after a success."""
        saved = {path: path.read_bytes() for d in self.dirs.values() for path in package_files(d)}
        saved.update({path: path.read_bytes() for path in self.dependents})
        self.saved, self.complete = saved, True
        for label, directory in self.dirs.items():
            shutil.copytree(directory, self.folders[label], ignore=_ignore_caches)
        # Dependents of other apps go into the first app's folder, one subfolder per app.
        first_folder = next(iter(self.folders.values()))
        for path in self.dependents:
            target = first_folder / "dependents" / path.parent.parent.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.name)

    def original(self, path: Path) -> str:
        """The text before the reset, so that rewriting a file twice starts from the same."""
        return self.saved[path].decode("utf-8")

    def restore(self) -> None:
        """Back to the files as they were: new ones removed, old ones written back."""
        if self.complete:
            self._restore_files()
        for folder in self.folders.values():
            shutil.rmtree(folder, ignore_errors=True)

    def _restore_files(self) -> None:
        for directory in self.dirs.values():
            for path in package_files(directory):
                if path not in self.saved:
                    path.unlink()
            remove_cache_folder(directory)
        for path, content in self.saved.items():
            if not path.exists() or path.read_bytes() != content:
                path.write_bytes(content)
            remove_bytecode(path)


def backup_dir(migrations_dir: Path) -> Path:
    """A backup folder beside the migrations that does not exist yet."""
    name = backup_dir_name(datetime.now())
    candidate, number = migrations_dir.parent / name, 1
    while candidate.exists():
        number += 1
        candidate = migrations_dir.parent / f"{name}-{number}"
    return candidate


def display(folder: Path) -> str:
    """Folders under the current one are shown relative to it, as the user would type them."""
    try:
        return f"{folder.relative_to(Path.cwd())}{os.sep}"
    except ValueError:
        return f"{folder}{os.sep}"


def package_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.is_file())


def migration_names(directory: Path) -> list[str]:
    """The migrations in a folder, as makemigrations left it."""
    return [path.stem for path in directory.glob("*.py") if not path.name.startswith(("_", "~"))]


def _ignore_caches(directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__" or name.endswith(".pyc")]


def remove_cache_folder(directory: Path) -> None:
    """No stale .pyc of a deleted migration may be imported in place of the fresh one."""
    shutil.rmtree(directory / "__pycache__", ignore_errors=True)


def remove_bytecode(path: Path) -> None:
    """A .pyc of the old text could outlive a same-size rewrite within one second."""
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def forget_modules(plan: ResetPlan) -> None:
    """Drop imported migration modules so the next MigrationLoader reads the files again.

    The fresh ``0001_initial`` has the old one's module name, still cached in ``sys.modules``.
    """
    packages = {MigrationLoader.migrations_module(label)[0] for label in plan.apps}
    packages |= {
        MigrationLoader.migrations_module(d.migration.app_label)[0] for d in plan.dependents
    }
    for name in list(sys.modules):
        if any(name.startswith(f"{package}.") for package in packages if package):
            del sys.modules[name]
    importlib.invalidate_caches()
