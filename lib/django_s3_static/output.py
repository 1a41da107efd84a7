"""Build log formatting in Heroku's style, redacted, on stdout only (tests want stderr empty)."""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

INDENT = " " * 7
_secrets: list[str] = []
#: The pattern of ``_secrets`` as it was when compiled: (the list's id, its length), pattern.
_compiled: tuple[tuple[int, int], re.Pattern[str] | None] = ((0, 0), None)
#: A whole secret shorter than this is not looked for (it would hide ordinary words); a line of
#: a multi-line secret, below ``_MIN_LINE``.
_MIN_SECRET = 4
_MIN_LINE = 8
#: A PEM block's first and last lines say what the block is and hold nothing secret.
_PEM_BOUNDARY = re.compile(r"^-----(BEGIN|END) [A-Z0-9 ]+-----$")


def register_secret(value: str | None) -> None:
    """Never print ``value``: it is replaced wherever it shows up in a printed line, and so are
    its escaped forms and, for a multi-line value, each of its lines.

    A multi-line secret (a PEM key in a config var) is printed over several lines, which the
    build writes, and relays from the app's process, one at a time: each line of it is looked
    for on its own. A settings error quotes a value in Python's ``repr`` (``\\n`` for its line
    breaks) or in JSON: those forms are looked for too.
    """
    if not value or len(value) < _MIN_SECRET:
        return
    lines = [line.strip() for line in value.splitlines()]
    pieces = [value]
    if len(lines) > 1:
        pieces += [
            line for line in lines if len(line) >= _MIN_LINE and not _PEM_BOUNDARY.match(line)
        ]
    for piece in pieces:
        for form in (piece, *escaped_forms(piece)):
            if len(form) >= _MIN_SECRET and form not in _secrets:
                _secrets.append(form)


def escaped_forms(text: str) -> set[str]:
    """``text`` as Python's ``repr`` and JSON encoders write it inside quotes."""
    python = repr(text)[1:-1]
    escapes = text.encode("unicode_escape").decode("ascii")  # repr's, non-ASCII escaped too
    ascii_json = json.dumps(text)[1:-1]
    utf8_json = json.dumps(text, ensure_ascii=False)[1:-1]
    forms = {python, escapes, ascii_json, utf8_json}
    forms |= {form.replace("'", "\\'") for form in (python, escapes)}  # the other quote's repr
    forms |= {form.replace('"', '\\"') for form in (python, escapes)}
    forms |= {form.replace("/", "\\/") for form in (ascii_json, utf8_json)}  # JavaScript's
    forms.discard(text)
    return forms


def redact(text: str) -> str:
    global _compiled
    key = (id(_secrets), len(_secrets))
    if _compiled[0] != key:
        ordered = sorted(_secrets, key=len, reverse=True)  # a whole secret before its parts
        pattern = "|".join(re.escape(secret) for secret in ordered)
        _compiled = key, re.compile(pattern) if pattern else None
    return _compiled[1].sub("[redacted]", text) if _compiled[1] is not None else text


def _write(line: str) -> None:
    sys.stdout.write(redact(line) + "\n")
    sys.stdout.flush()


def step(message: str) -> None:
    _write(f"-----> {message}")


def info(message: str) -> None:
    for line in message.splitlines() or [""]:
        _write(f"{INDENT}{line}")


def raw(line: str) -> None:
    """A line from a child process: indented, redacted, otherwise untouched."""
    _write(f"{INDENT}{line.rstrip()}")


def relay(line: str) -> None:
    """A line a child process already formatted: passed on as is, but redacted."""
    _write(line.rstrip("\n"))


def warn(title: str, details: Iterable[str] = ()) -> None:
    _write(f" !     Warning: {title}")
    for line in details:
        _write(f" !     {line}" if line else " !")


def error(title: str, details: Iterable[str] = ()) -> None:
    _write("")
    _write(f" !     Error: {title}")
    for line in details:
        _write(f" !     {line}" if line else " !")
    _write("")


def unexpected() -> None:
    """The exception being handled, which no message explains: its traceback, redacted."""
    for line in traceback.format_exc().splitlines():
        raw(line)
    error(
        "django-s3-static failed unexpectedly (traceback above).",
        ["Please report it with the traceback; secrets in it have been redacted."],
    )


def named_counts(groups: Iterable[tuple[str, list[str]]], limit: int = 3) -> str:
    """``2 changed (css/a.css, js/b.js), 1 added (img/c.png)``; "" when no group has names."""
    parts = []
    for label, names in groups:
        if names:
            more = f" and {len(names) - limit} more" if len(names) > limit else ""
            parts.append(f"{len(names)} {label} ({', '.join(names[:limit])}{more})")
    return ", ".join(parts)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def progress_line(done: int, total: int, sent: int, seconds: float) -> str:
    rate = sent / seconds if seconds > 0 else 0.0
    return f"... {done}/{total} objects, {human_bytes(sent)}, {human_bytes(int(rate))}/s"


class Progress:
    """Upload progress: a line every few seconds in a build log (no ``\r``), a bar on a terminal."""

    def __init__(self, every: float = 3.0, terminal: bool | None = None) -> None:
        self.every = every
        self.terminal = sys.stdout.isatty() if terminal is None else terminal
        self._last: float | None = None  # the clock starts with the first update
        self._drawn = False

    def update(self, done: int, total: int, sent: int, seconds: float) -> None:
        if self.terminal:
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            line = progress_line(done, total, sent, seconds).removeprefix("... ")
            sys.stdout.write(f"\r{INDENT}[{bar}] {line}   ")
            sys.stdout.flush()
            self._drawn = True
        elif self._last is None:
            self._last = time.monotonic()
        elif time.monotonic() - self._last >= self.every:
            self._last = time.monotonic()
            info(progress_line(done, total, sent, seconds))

    def done(self) -> None:
        if self._drawn:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self._drawn = False


def transfer_summary(sent: int, seconds: float) -> str:
    rate = sent / seconds if seconds > 0 else 0.0
    return f"{human_bytes(sent)} in {seconds:.2f} s ({human_bytes(int(rate))}/s)"


@dataclass
class Timings:
    """How long each phase took, for the build log's ``Timings:`` line."""

    phases: list[tuple[str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.phases.append((name, now - self.last))
        self.last = now

    def line(self) -> str:
        parts = [f"{name} {seconds:.2f} s" for name, seconds in self.phases]
        return ", ".join(parts + [f"total {time.monotonic() - self.started:.2f} s"])
