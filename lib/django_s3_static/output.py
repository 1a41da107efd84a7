"""Build log formatting in Heroku's style, redacted, on stdout only (tests want stderr empty)."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

INDENT = " " * 7
_secrets: list[str] = []


def register_secret(value: str | None) -> None:
    """Never print ``value``: it is replaced wherever it shows up in a printed line."""
    if value and len(value) >= 4 and value not in _secrets:
        _secrets.append(value)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "[redacted]")
    return text


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
