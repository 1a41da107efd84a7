"""Reading an object's body no further than the static cache says it can go.

The static cache records each object's stored size, so a body that goes on past it is not the
object, whoever wrote it: reading stops there instead of downloading whatever the bucket holds. A
gzip body is decoded chunk by chunk with a bound on what it decodes to, since a few hundred
kilobytes of gzip can decode to gigabytes. The build never compresses a file larger than
``encoding.MAX_COMPRESS_BYTES``, so no object it wrote decodes to more.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator

from .encoding import MAX_COMPRESS_BYTES

CHUNK = 1024 * 1024
#: The most a gzip object the build wrote can decode to.
MAX_DECODED = MAX_COMPRESS_BYTES


class TooLarge(Exception):
    """More bytes arrived (or were decoded) than allowed; ``limit`` is how many were."""

    def __init__(self, limit: int, decoded: bool = False) -> None:
        super().__init__(
            f"it decodes to more than {limit} bytes"
            if decoded
            else f"it is larger than the {limit} bytes the static cache records"
        )
        self.limit = limit


class NotGzip(Exception):
    """A body said to be gzip that is not one whole gzip member."""


def capped(read: Callable[[int], bytes], limit: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """The body ``read(amount)`` returns, chunk by chunk; TooLarge as soon as more than
    ``limit`` bytes came (one byte past it is read to notice, never more)."""
    got = 0
    while True:
        data = read(min(chunk, limit + 1 - got))
        if not data:
            return
        got += len(data)
        if got > limit:
            raise TooLarge(limit)
        yield data


def gunzipped(chunks: Iterable[bytes], limit: int = MAX_DECODED) -> Iterator[bytes]:
    """One gzip member decoded chunk by chunk (at most ``CHUNK`` bytes in memory at once);
    TooLarge once it decodes to more than ``limit`` bytes, NotGzip if it is not one whole
    member (what the build writes, ``encoding.gzip_bytes``)."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    total = 0
    try:
        for chunk in chunks:
            data = chunk
            while not decoder.eof:
                out = decoder.decompress(data, CHUNK)
                total += len(out)
                if total > limit:
                    raise TooLarge(limit, decoded=True)
                if out:
                    yield out
                data = decoder.unconsumed_tail
                if not data and not out:  # all of this chunk in, nothing more out of it
                    break
            if decoder.eof and (data or decoder.unused_data):
                raise NotGzip("bytes follow the gzip member")
    except zlib.error as exc:
        raise NotGzip(str(exc)) from None
    if not decoder.eof:
        raise NotGzip("the gzip member is cut short")
