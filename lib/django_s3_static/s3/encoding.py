"""How an object is stored (gzip-compressed or as collected), and the digest a browser checks.

S3 never negotiates ``Content-Encoding``
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html); every browser accepts
gzip, and a CDN passes it on
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html).
The bytes are deterministic, so a rebuild finds its object already there. SRI is checked after
decoding (https://www.w3.org/TR/SRI/#does-response-match-metadatalist).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib

GZIP = "gzip"
#: zlib's highest level, as WhiteNoise uses: static files are compressed once and read many times.
LEVEL = 9
#: Store compressed only when it saves at least this share of the bytes (5%, as WhiteNoise does).
MIN_SAVING = 0.05
#: Larger files are stored as they are: each upload thread holds a file and its compressed copy.
MAX_COMPRESS_BYTES = 32 * 1024 * 1024
#: The gzip member header (RFC 1952): deflate, no flags, mtime 0, XFL 2, OS 255 ("unknown"),
#: the same on every machine.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def gzip_bytes(data: bytes) -> bytes:
    """``data`` as one gzip member, byte for byte the same for the same input.

    A raw deflate stream from ``compressobj`` (``zlib.compress`` takes ``wbits`` only from
    Python 3.11 on; the app's Python may be 3.10), with zlib's default memory level, as
    ``zlib.compress`` uses: the same bytes either way."""
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = deflate.compress(data) + deflate.flush()
    return _HEADER + deflated + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def pays(original: int, compressed: int) -> bool:
    """Whether a compressed copy is small enough to be worth its ``Content-Encoding``."""
    return compressed <= original * (1 - MIN_SAVING)


def stored_form(data: bytes) -> tuple[bytes, str | None]:
    """The bytes to store for ``data`` and their encoding: gzip when it pays, else as it is."""
    if len(data) > MAX_COMPRESS_BYTES:
        return data, None
    compressed = gzip_bytes(data)
    return (compressed, GZIP) if pays(len(data), len(compressed)) else (data, None)


def decoded(body: bytes, encoding: str | None) -> bytes:
    """What a browser gets from a body stored with ``encoding``."""
    return zlib.decompress(body, 16 + zlib.MAX_WBITS) if encoding == GZIP else body


def integrity_value(sha384_digest: bytes) -> str:
    """The ``integrity`` attribute's value for a SHA-384 digest: ``sha384-<base64>``."""
    return "sha384-" + base64.b64encode(sha384_digest).decode("ascii")


def integrity(data: bytes) -> str:
    """The Subresource Integrity value of the bytes a browser gets."""
    return integrity_value(hashlib.sha384(data).digest())
