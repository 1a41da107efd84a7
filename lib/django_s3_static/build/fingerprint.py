"""The fingerprint of a static build: everything that can change what collectstatic produces.

Pure functions: the caller supplies the source files' content hashes and the settings that shape
the output; the same inputs always give the same fingerprint, and one changed byte changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

FINGERPRINT_VERSION = "1"


def fingerprint(sources: Iterable[tuple[str, str]], context: Mapping[str, Any]) -> str:
    """Hash the sorted (path, content sha256) pairs and the output-shaping context."""
    digest = hashlib.sha256()
    digest.update(f"django-s3-static fingerprint {FINGERPRINT_VERSION}\n".encode())
    digest.update(json.dumps(context, sort_keys=True, default=repr).encode())
    for path, content_hash in sorted(sources):
        digest.update(b"\n")
        digest.update(path.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(content_hash.encode())
    return "sha256:" + digest.hexdigest()


def file_sha256(handle: Any, chunk_size: int = 1024 * 1024) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(chunk_size), b""):
        digest.update(chunk)
    return digest.hexdigest()
