"""Path checks for names that become S3 keys or files: a hand-edited manifest may not escape."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_LENGTH = 900  # S3 keys are at most 1,024 bytes; leave room for the prefix.


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
    return None
