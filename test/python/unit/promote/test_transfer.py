"""The one check of what promote_static puts in the configured bucket (pure)."""

from __future__ import annotations

from django_s3_static.format.static_cache import StaticObject
from django_s3_static.promote.transfer import mismatch

WANTED = StaticObject(1234, "0123456789abcdef0123456789abcdef")


def test_the_recorded_size_and_md5_pass():
    assert mismatch(WANTED, 1234, WANTED.md5) is None


def test_another_size_or_md5_says_which_and_both_values():
    assert mismatch(WANTED, 99, WANTED.md5) == "it is 99 bytes, the static cache records 1234"
    other = "f" * 32
    assert mismatch(WANTED, 1234, other) == (
        f"its MD5 is {other}, the static cache records {WANTED.md5}"
    )
    # An ETag that is not an MD5 (SSE-KMS, multipart) proves nothing: not the object.
    assert mismatch(WANTED, 1234, None) is not None
