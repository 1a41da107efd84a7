"""Where a collect's files are: each in its own file under a folder, or ranges of one pack.

A full collect writes a pack (``collect.pack``); an incremental collect and django-pipeline's
write a folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..s3.file_slice import FileSlice


@dataclass(frozen=True)
class CollectedFiles:
    """The folder the collect was given, and the pack with each file's offset if it wrote one."""

    root: str
    pack: str | None = None
    offsets: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, root: str, report: Mapping) -> CollectedFiles:
        """The files a collect's report describes (its ``collected`` section)."""
        return cls(root, report.get("pack"), report.get("offsets") or {})

    def where(self, name: str) -> tuple[str, int | None]:
        """The file holding ``name``'s bytes, and where they start in it (None: all of it)."""
        offset = self.offsets.get(name)
        if self.pack is None or offset is None:
            return os.path.join(self.root, name), None
        return self.pack, offset

    def read(self, name: str, size: int) -> bytes:
        """``name``'s bytes; FileNotFoundError when the collect wrote no such file."""
        path, offset = self.where(name)
        handle = open(path, "rb") if offset is None else FileSlice(path, offset, size)  # noqa: SIM115
        with handle:
            return handle.read()
