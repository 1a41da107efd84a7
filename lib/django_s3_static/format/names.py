"""Path checks for names that become S3 keys or files in the slug.

A name comes from a manifest that may have been edited by hand or by an attacker, so it is checked
before it is joined to a prefix or a folder: nothing may escape the configured prefix or the app.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_LENGTH = 900  # S3 keys are at most 1,024 bytes; leave room for the prefix.
#: The folder of a prefix's records (``records``), at any depth: a nested prefix (a review app's
#: ``static/pr-42`` under ``static``) keeps its own there, and the bucket policy hides them all.
RECORDS_DIR = ".manifests"


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a safe relative static path, or None when it is."""
    if not isinstance(name, str) or not name:
        return "is empty or not a string"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} bytes"
    if _CONTROL.search(name):
        return "contains a control character"
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' segment"
    if RECORDS_DIR in parts:
        return f"has a '{RECORDS_DIR}' folder, where prune_static keeps the release records"
    return None
