"""Path checks for names that become S3 keys or files: a hand-edited manifest may not escape."""

from __future__ import annotations

import re
from collections.abc import Collection

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: What ``str.splitlines`` breaks a line at besides the C0 controls: NEL (U+0085), the other C1
#: controls, and the Unicode line and paragraph separators. A name holding one would split a
#: build log line, and the rest of the line could pass for one of the build's own (`` !  Error:``).
_LINE_BREAKING = re.compile("[\x80-\x9f\u2028\u2029]")
MAX_NAME_LENGTH = 900  # S3 keys are at most 1,024 bytes; leave room for the prefix.
#: The folder of a prefix's records (``records``), at any depth: a nested prefix (a review app's
#: ``static/pr-42`` under ``static``) keeps its own there, and the bucket policy hides them all.
RECORDS_DIR = ".manifests"


#: A segment of printable ASCII but the slash and the backslash, not '.', '..' or the records'
#: folder; a name of such segments is one ``name_problem`` finds safe, told by one match.
_PLAIN_SEGMENT = rf"(?!(?:\.\.?|{re.escape(RECORDS_DIR)})(?:/|\Z))[ -.0-\[\]-~]+"
_PLAIN = re.compile(rf"{_PLAIN_SEGMENT}(?:/{_PLAIN_SEGMENT})*")
#: ``_PLAIN`` for names one a line: a segment also ends at a line's end.
_LINE_SEGMENT = rf"(?!(?:\.\.?|{re.escape(RECORDS_DIR)})(?:/|\n|\Z))[ -.0-\[\]-~]+"
_LINE = rf"{_LINE_SEGMENT}(?:/{_LINE_SEGMENT})*"
_PLAIN_LINES = re.compile(rf"{_LINE}(?:\n{_LINE})*")


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a safe relative static path, or None when it is."""
    if type(name) is str and len(name) <= MAX_NAME_LENGTH and _PLAIN.fullmatch(name):
        return None  # most names: what the checks below find of them, in one step
    return _problem(name)


def all_plain(names: Collection[object]) -> bool:
    """Whether ``name_problem`` finds every name safe, told by one match of them all, one a line
    (a static cache names thousands); False also when some other check must tell."""
    try:
        joined = "\n".join(names)  # type: ignore[arg-type]  # TypeError: not all strings
    except TypeError:
        return False
    longest = max(map(len, names), default=0)  # type: ignore[arg-type]  # strings, joined
    return longest <= MAX_NAME_LENGTH and _PLAIN_LINES.fullmatch(joined) is not None


def _problem(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "is empty or not a string"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} bytes"
    if _CONTROL.search(name):
        return "contains a control character"
    if _LINE_BREAKING.search(name):
        return "contains a line-breaking character (U+0085, U+2028 or U+2029, or a C1 control)"
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


def folder_problem(value: str) -> str | None:
    """Why a folder setting (``DJANGO_S3_STATIC_CACHE_DIR``) cannot name a folder inside the app,
    or None when it can. The build writes the static cache there and ``.profile.d`` points every
    dyno at it: it must stay below the folder of manage.py, on one line."""
    if _CONTROL.search(value) or _LINE_BREAKING.search(value):
        return "contains a control or line-breaking character"
    if value.startswith("/"):
        return "is an absolute path"
    if value.startswith("~"):
        return "starts with '~', which a shell reads as a home folder"
    if ".." in value.split("/"):
        return "has a '..' segment, which leaves the app's folder"
    return None


def shown(name: str) -> str:
    """``name`` as a build log may print it, on one line: control and line-breaking characters,
    and what is not UTF-8, as backslash escapes (``\\u2028``, ``\\xff``)."""
    try:  # a file name that is not UTF-8 holds its bytes as lone surrogates (surrogateescape)
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if _CONTROL.match(char) or _LINE_BREAKING.match(char)
        else char
        for char in text
    )
