"""Bodies read no further than the static cache says they can go (pure)."""

from __future__ import annotations

import io
import os
import tracemalloc
import zlib

import pytest

from django_s3_static.s3 import encoding
from django_s3_static.s3.bodies import CHUNK, NotGzip, TooLarge, capped, gunzipped


class Endless:
    """A body that never ends, counting what was asked of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, amount: int) -> bytes:
        self.read_bytes += amount
        return b"x" * amount


def test_a_body_of_the_recorded_size_is_read_whole():
    data = os.urandom(3 * CHUNK + 17)
    assert b"".join(capped(io.BytesIO(data).read, len(data))) == data
    assert b"".join(capped(io.BytesIO(b"").read, 0)) == b""


def test_a_longer_body_stops_one_byte_past_the_recorded_size():
    body = Endless()
    with pytest.raises(TooLarge, match="larger than the 1000 bytes the static cache records"):
        for _ in capped(body.read, 1000, chunk=64):
            pass
    assert body.read_bytes == 1001  # never more than the limit and the byte that tells


def test_a_gzip_body_decodes_chunk_by_chunk_to_the_same_bytes():
    for size in (0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 5):
        data = (b"body { color: #123; }\n" * (size // 22 + 1))[:size]
        stored = encoding.gzip_bytes(data)
        pieces = [stored[i : i + 4096] for i in range(0, len(stored), 4096)]
        assert b"".join(gunzipped(pieces)) == data


def test_a_gzip_bomb_stops_at_the_limit_and_never_holds_it_in_memory():
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    stored = b"".join(bomb.compress(bytes(CHUNK)) for _ in range(200)) + bomb.flush()
    assert len(stored) < 250_000  # 200 MiB of zeros
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="decodes to more than 33554432 bytes"):
            for _ in gunzipped([stored[i : i + 65536] for i in range(0, len(stored), 65536)]):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * CHUNK


def test_what_is_not_one_whole_gzip_member_is_refused():
    stored = encoding.gzip_bytes(b"a" * 5000)
    with pytest.raises(NotGzip):
        list(gunzipped([stored[:-6]]))  # cut short
    with pytest.raises(NotGzip):
        list(gunzipped([stored, b"more"]))  # something after it
    with pytest.raises(NotGzip):
        list(gunzipped([b"not gzip at all"]))
