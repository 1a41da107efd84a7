"""What the bucket holds, as one listing tells it: the S3 client's own types."""

from __future__ import annotations

from typing import NamedTuple


class RemoteObject(NamedTuple):
    """One listed object (a tuple: a build makes one per object, and a frozen dataclass takes
    several times as long to make)."""

    size: int
    etag: str
    modified: float | None = None  # seconds since the epoch, from the listing

    @property
    def md5(self) -> str | None:
        """The ETag as the content's MD5, as a single-part upload's is; None for a multipart one."""
        etag = self.etag.strip('"').lower()
        return etag if len(etag) == 32 and "-" not in etag else None
