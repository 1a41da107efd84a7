"""The storage of an incremental collect: Django's hashing of part of the tree, answering for all.

Its folder holds only this build's files, so other names are read from their sources, the bytes
collectstatic would have copied; names the static cache vouches for are given as already hashed.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import storages

from .storage import TolerantManifestStorage


class IncrementalStorage(TolerantManifestStorage):
    """TolerantManifestStorage over a folder of this build's files, answering for the others."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sources: Mapping[str, tuple[Any, str]] = {}
        self.folders: set[str] = set()
        self.preloaded: Mapping[str, str] = {}
        #: Files made only when something asks for them (django-pipeline packages not rebuilt).
        self.on_demand: dict[str, Callable[[], None]] = {}
        super().__init__(*args, **kwargs)  # reads a manifest through open(): set up first

    def attach(self, sources: Mapping[str, tuple[Any, str]]) -> None:
        """Answer for every collected source and the folders collectstatic makes."""
        self.sources = sources
        self.folders = {""}
        self.add_folders(sources)

    def add_folders(self, names: Iterable[str]) -> None:
        """Make these files' folders: a django-pipeline compiler writes beside its source."""
        for name in names:
            folder = posixpath.dirname(name)
            while folder not in self.folders:
                self.folders.add(folder)
                os.makedirs(self.path(folder), exist_ok=True)
                folder = posixpath.dirname(folder)

    def written(self, name: str) -> bool:
        try:
            return super().exists(name)
        except Exception:  # a name outside the folder (SuspiciousFileOperation): never written
            return False

    def exists(self, name: str) -> bool:
        if self.written(name):
            return True
        return name in self.sources or name in self.on_demand or name.rstrip("/") in self.folders

    def open(self, name: str, mode: str = "rb"):
        if not self.written(name):
            make = self.on_demand.pop(name, None)
            if make is not None:
                make()
            elif name in self.sources:
                storage, path = self.sources[name]
                return storage.open(path, mode)
        return super().open(name, mode)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        folder = posixpath.normpath(path).strip("/")
        folder = "" if folder == "." else folder
        dirs, files = set(), set()
        if os.path.isdir(self.path(folder)):
            found = super().listdir(folder)
            dirs.update(found[0])
            files.update(found[1])
        prefix = folder + "/" if folder else ""
        for name in (*self.sources, *self.on_demand):
            if name.startswith(prefix):
                head, _, rest = name[len(prefix) :].partition("/")
                (dirs if rest else files).add(head)
        return sorted(dirs), sorted(files)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Write over this build's own file, as django-pipeline's storage does, never beside it."""
        if self.written(name):
            self.delete(name)
        return name

    def _post_process(self, paths, adjustable_paths, hashed_files):
        # The unaffected names, as a full run would have them: never hashed again.
        for name, hashed in self.preloaded.items():
            hashed_files.setdefault(self.hash_key(self.clean_name(name)), hashed)
        yield from super()._post_process(paths, adjustable_paths, hashed_files)


def install(root: str) -> IncrementalStorage:
    """Make an IncrementalStorage on ``root`` this process's staticfiles storage."""
    storage = IncrementalStorage(location=root)
    storages._storages["staticfiles"] = storage
    staticfiles_storage._wrapped = storage
    return storage
