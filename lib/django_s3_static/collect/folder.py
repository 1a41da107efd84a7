"""What a collect wrote: each file's size, MD5 and integrity, and Django's manifest."""

from __future__ import annotations

import hashlib
import json
import os

from ..s3.content_types import compressible
from ..s3.encoding import integrity_value

#: The manifest ManifestStaticFilesStorage writes; the static cache carries its paths instead.
MANIFEST_NAME = "staticfiles.json"


def manifest_paths(root: str) -> dict[str, str]:
    with open(os.path.join(root, MANIFEST_NAME), encoding="utf-8") as handle:
        return json.load(handle)["paths"]


def walk(root: str) -> dict[str, dict]:
    """Size, MD5 and (compressible types) SHA-384 integrity of every collected file, streamed."""
    objects = {}
    for folder, _dirs, files in os.walk(root):
        for filename in files:
            full = os.path.join(folder, filename)
            name = os.path.relpath(full, root).replace(os.sep, "/")
            if name != MANIFEST_NAME:
                objects[name] = file_record(full, name)
    return objects


def file_record(full: str, name: str) -> dict:
    """One collected file as ``walk`` describes it."""
    digests = [hashlib.md5(usedforsecurity=False)]
    if compressible(name):
        digests.append(hashlib.sha384())
    with open(full, "rb") as handle:
        for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
            for digest in digests:
                digest.update(chunk)
    found = {"size": os.path.getsize(full), "md5": digests[0].hexdigest()}
    if len(digests) > 1:
        found["integrity"] = integrity_value(digests[1].digest())
    return found
