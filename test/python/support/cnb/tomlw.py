"""TOML out: the few files the lifecycle writes for buildpacks (plans, restored layer metadata,
store.toml) and the fakes write as buildpacks do. ``tomllib`` reads TOML but has no writer, and no
writer is in the test requirements; the data written here is plain tables, arrays, strings,
numbers, booleans and dates (https://toml.io/en/v1.0.0)."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
#: TOML basic strings escape the quote, the backslash and every control character but tab.
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def dumps(data: dict[str, Any]) -> str:
    """``data`` as a TOML document: key/value pairs first, then tables and arrays of tables."""
    lines: list[str] = []
    _table(lines, [], data)
    return "\n".join(lines) + ("\n" if lines else "")


def key(name: str) -> str:
    return name if BARE_KEY.fullmatch(name) else string(name)


def string(text: str) -> str:
    out = []
    for char in text:
        if char in ESCAPES:
            out.append(ESCAPES[char])
        elif (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def value(item: Any) -> str:
    """An inline value; dicts inside arrays become inline tables."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, str):
        return string(item)
    if isinstance(item, (datetime.datetime, datetime.date, datetime.time)):
        return item.isoformat()
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(element) for element in item) + "]"
    if isinstance(item, dict):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
    raise TypeError(f"no TOML form for {type(item).__name__}: {item!r}")


def _is_table_array(item: Any) -> bool:
    return isinstance(item, list) and bool(item) and all(isinstance(x, dict) for x in item)


def _table(lines: list[str], path: list[str], data: dict[str, Any]) -> None:
    for name, item in data.items():
        if not isinstance(item, dict) and not _is_table_array(item):
            lines.append(f"{key(name)} = {value(item)}")
    for name, item in data.items():
        inner = [*path, key(name)]
        if isinstance(item, dict):
            if lines:
                lines.append("")
            lines.append(f"[{'.'.join(inner)}]")
            _table(lines, inner, item)
        elif _is_table_array(item):
            for element in item:
                if lines:
                    lines.append("")
                lines.append(f"[[{'.'.join(inner)}]]")
                _table(lines, inner, element)
