"""A byte range of a file, read as a file of its own.

A full collect keeps every collected file in one pack (``collect.pack``): creating and deleting
tens of thousands of small files costs the disk more than writing their bytes. The uploads and
Django's hashing read each file back through its range.
"""

from __future__ import annotations

import io
import os


class FileSlice(io.RawIOBase):
    """``size`` bytes of ``path`` from ``offset``: reads end there, seeks are within them."""

    def __init__(self, path: str, offset: int, size: int) -> None:
        super().__init__()
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by close())
        self._start, self._size, self._position = offset, size, 0
        self._file.seek(offset)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._size - self._position
        if left <= 0:
            return 0
        with memoryview(buffer) as view:
            got = self._file.readinto(view[:left]) or 0
        self._position += got
        return got

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        self._position = max(0, base + position)
        self._file.seek(self._start + min(self._position, self._size))
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()
