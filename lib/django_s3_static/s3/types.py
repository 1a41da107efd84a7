"""What the bucket holds, as one listing tells it: the S3 client's own types."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class RemoteObject:
    size: int
    etag: str
    modified: float | None = None  # seconds since the epoch, from the listing

    @cached_property
    def md5(self) -> str | None:
        """The ETag as the content's MD5, as a single-part upload's is; None for a multipart one
        (worked out once: a build compares every object)."""
        etag = self.etag.strip('"').lower()
        return etag if len(etag) == 32 and "-" not in etag else None
