"""What a run collects: each scenario's runs, their medians (exact or bounds), the table's rows."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from measure import Run


@dataclass(frozen=True)
class Value:
    """A median, exact or a bound: a run stopped at --cap only says "at least this long"."""

    number: float
    bound: str = "="  # "=", ">=" (at least) or "<=" (at most)

    def text(self, digits: int = 2, unit: str = "") -> str:
        prefix = {"=": "", ">=": "≥ ", "<=": "≤ "}[self.bound]
        return f"{prefix}{self.number:.{digits}f}{unit}"

    def over(self, other: Value | None) -> Value | None:
        """self ÷ other, with what the bounds still allow to say (None: nothing)."""
        if other is None or not other.number or math.isnan(self.number):
            return None
        flip = {"=": "=", ">=": "<=", "<=": ">="}[other.bound]
        if other.bound == "=" or self.bound in ("=", flip):
            bound = flip if self.bound == "=" else self.bound
            return Value(self.number / other.number, bound)
        return None


@dataclass
class Scenario:
    """One row of a table: the runs of one measurement, and what it is compared with."""

    name: str
    compare_with: str | None = None  # key of the buildpack row this row is divided by
    runs: list[Run] = field(default_factory=list)
    error: str | None = None
    note: str = ""
    value: Callable[[Run], float] = field(default=lambda run: run.seconds)

    def values(self) -> list[float]:
        return [self.value(run) for run in self.runs]

    @property
    def median(self) -> Value | None:
        """The median; a lower bound if any run was stopped at --cap (its time only grows)."""
        if not self.runs or self.error:
            return None
        capped = any(run.capped for run in self.runs)
        return Value(statistics.median(self.values()), ">=" if capped else "=")


@dataclass
class TreeResults:
    label: str
    description: str
    objects: int = 0
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # (check, ok, detail)
    notes: list[str] = field(default_factory=list)
    listing: list[list[str]] = field(default_factory=list)  # the listing table's rows
    elapsed: float = 0.0  # seconds this tree's scenarios took, the local collection included

    def add(self, key: str, name: str, compare_with: str | None = None) -> Scenario:
        self.scenarios[key] = Scenario(name, compare_with)
        return self.scenarios[key]

    def median(self, key: str) -> Value | None:
        scenario = self.scenarios.get(key)
        return scenario.median if scenario else None


def upload_phase(run: Run) -> float:
    return run.phases.get("upload", math.nan)


ROWS: list[tuple[str, str, str | None]] = [
    # key, label, compared with (the buildpack row whose time divides this one)
    ("bp_cold", "buildpack compile: cold bucket, no cache", None),
    ("bp_upload", "  its upload phase (Timings: line)", None),
    ("bp_fast", "buildpack compile: fast path (cache committed)", None),
    ("bp_floor", "  floor: read + SHA-256 of every source (plain Python, start included)", None),
    (
        "bp_settings",
        "  floor: Django reads the settings, imports its finders (plain Python, start included)",
        None,
    ),
    ("bp_changed", "buildpack compile: one CSS changed", None),
    ("bp_png", "buildpack compile: one PNG changed (10 CSS refer to it)", None),
    ("bp_many", "buildpack compile: 100 files changed", None),
    ("s3cmd_cold", "s3cmd sync, cold bucket", "bp_upload"),
    ("s3cmd_warm", "s3cmd sync, nothing changed", "bp_fast"),
    ("aws_cold", "aws s3 sync, cold bucket", "bp_upload"),
    ("aws_warm", "aws s3 sync, nothing changed", "bp_fast"),
    ("s5cmd_cold", "s5cmd sync, cold bucket", "bp_upload"),
    ("s5cmd_warm", "s5cmd sync, nothing changed", "bp_fast"),
    # What a sync script does from a fresh checkout: collect into a folder, then sync it.
    ("cs5_cold", "local collectstatic + s5cmd sync, cold bucket (one run)", "bp_cold"),
    ("ds_cold", "collectstatic S3ManifestStaticStorage, cold", "bp_cold"),
    ("ds_warm", "collectstatic S3ManifestStaticStorage, unchanged", "bp_fast"),
    ("cf_cold", "Collectfasta (S3ManifestStaticStorage), cold", "bp_cold"),
    ("cf_warm", "Collectfasta (S3ManifestStaticStorage), unchanged", "bp_fast"),
    ("cf_changed", "Collectfasta (S3ManifestStaticStorage), one CSS changed", "bp_changed"),
]


def requests_text(requests: dict[str, int]) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in requests.items()) or "none"


def fmt(value: Value | float | None, digits: int = 2, unit: str = "") -> str:
    if isinstance(value, Value):
        return value.text(digits, unit)
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}{unit}"
