"""A full collect's files in one pack: Django's storage calls over an append-only file.

collectstatic writes a copy of every source, then its hashed copy, and each stylesheet again on
every post-processing pass; then the build deletes them all. On a disk those are tens of thousands
of files created and deleted, which cost more than the collect's own work. The pack keeps each
file's bytes at an offset of one file instead, with the size, MD5 and integrity the static cache
records, digested as they are written; the build uploads each object from its range
(``s3.file_slice``), and deletes the pack.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import posixpath
from dataclasses import dataclass

from django.core.files.base import File

from ..s3.content_types import compressible
from ..s3.encoding import integrity_value
from ..s3.file_slice import FileSlice
from .folder import MANIFEST_NAME
from .storage import TolerantManifestStorage, pipeline_storage

#: The pack, in the collect's folder (which holds only it and Django's manifest).
PACK_NAME = ".collected.pack"


@dataclass(frozen=True)
class Packed:
    """Where one file's bytes are in the pack, and what the static cache records of them."""

    offset: int
    size: int
    md5: str
    integrity: str | None


class PackMixin:
    """The storage calls collectstatic and Django's hashing make, over the pack.

    For a ``FileSystemStorage``: ``path`` still names where a file would be (collectstatic logs
    it), and the rest of Django's file handling stays as it is.
    """

    location: str

    def __init__(self, *args, **kwargs) -> None:
        self.files: dict[str, Packed] = {}
        self.folders: set[str] = {""}
        self._pack: io.FileIO | None = None
        self._end = 0
        super().__init__(*args, **kwargs)  # reads a manifest through open(): set up first

    @property
    def pack_path(self) -> str:
        return os.path.join(self.location, PACK_NAME)

    def _save(self, name, content) -> str:
        self.path(name)  # the folder storage's check of the name (SuspiciousFileOperation)
        name = str(name).replace("\\", "/")
        while name in self.files:  # as the folder storage, which never overwrites
            name = self.get_available_name(name).replace("\\", "/")
        if self._pack is None:
            os.makedirs(self.location, exist_ok=True)
            self._pack = io.FileIO(self.pack_path, "w+")
        digests = [hashlib.md5(usedforsecurity=False)]
        if compressible(name):
            digests.append(hashlib.sha384())
        offset = self._end
        self._pack.seek(offset)
        for chunk in content.chunks():
            data = chunk.encode() if isinstance(chunk, str) else chunk
            with memoryview(data) as view:
                written = 0
                while written < len(view):
                    written += self._pack.write(view[written:]) or 0
            for digest in digests:
                digest.update(data)
        self._end = self._pack.tell()
        integrity = integrity_value(digests[1].digest()) if len(digests) > 1 else None
        self.files[name] = Packed(offset, self._end - offset, digests[0].hexdigest(), integrity)
        folder = posixpath.dirname(name)
        while folder not in self.folders:
            self.folders.add(folder)
            folder = posixpath.dirname(folder)
        return name

    def _open(self, name, mode="rb") -> File:
        if mode != "rb":
            raise ValueError(f"the build's collect opens its files to read only, not {mode!r}")
        name = str(name).replace("\\", "/")
        packed = self.files.get(name)
        if packed is None:
            missing = IsADirectoryError if name.rstrip("/") in self.folders else FileNotFoundError
            code = errno.EISDIR if missing is IsADirectoryError else errno.ENOENT
            raise missing(code, os.strerror(code), name)
        return File(FileSlice(self.pack_path, packed.offset, packed.size), name)

    def exists(self, name) -> bool:
        name = str(name).replace("\\", "/")
        return name in self.files or name.rstrip("/") in self.folders

    def delete(self, name) -> None:
        if not name:
            raise ValueError("The name must be given to delete().")
        self.files.pop(str(name).replace("\\", "/"), None)

    def size(self, name) -> int:
        packed = self.files.get(str(name).replace("\\", "/"))
        if packed is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
        return packed.size

    def listdir(self, path) -> tuple[list[str], list[str]]:
        prefix = str(path).replace("\\", "/").strip("/")
        folders = {f for f in self.folders if f and posixpath.dirname(f) == prefix}
        files = {n for n in self.files if posixpath.dirname(n) == prefix}
        return sorted(posixpath.basename(f) for f in folders), sorted(
            posixpath.basename(n) for n in files
        )

    def collected(self) -> dict:
        """Django's manifest paths, each file as the static cache records it, and the pack.

        The manifest is also written into the folder, where ManifestStaticFilesStorage leaves
        it: what reads a collect's ``staticfiles.json`` from STATIC_ROOT finds it there.
        """
        if self._pack is not None:
            self._pack.close()
            self._pack = None
        with self.open(MANIFEST_NAME) as manifest:
            text = manifest.read()
        with open(os.path.join(self.location, MANIFEST_NAME), "wb") as handle:
            handle.write(text)
        paths = json.loads(text)["paths"]
        objects, offsets = {}, {}
        for name, packed in self.files.items():
            if name == MANIFEST_NAME:
                continue
            objects[name] = {"size": packed.size, "md5": packed.md5}
            if packed.integrity is not None:
                objects[name]["integrity"] = packed.integrity
            offsets[name] = packed.offset
        return {"paths": paths, "objects": objects, "pack": self.pack_path, "offsets": offsets}


class PackedManifestStorage(PackMixin, TolerantManifestStorage):
    """The build's storage, its files in the pack."""


def _storage_class() -> type:
    from django.apps import apps  # lazy: asked when the storage is defined, after setup()

    if apps.is_installed("pipeline"):  # its compilers write beside their sources: a folder
        return pipeline_storage(TolerantManifestStorage)
    return PackedManifestStorage


def __getattr__(name: str) -> type:
    """``BuildStorage``, made when first asked for (only by a full collect, after setup)."""
    if name != "BuildStorage":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    made = globals()["BuildStorage"] = _storage_class()
    return made
