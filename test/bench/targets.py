"""The buildpack's stated targets, each decided from the medians of the tables."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from results import TreeResults, Value, fmt


@dataclass
class Target:
    what: str
    value: Value | None
    limit: float
    at_most: bool  # True: value <= limit meets it; False: value >= limit
    unit: str
    detail: str = ""

    @property
    def verdict(self) -> str:
        """met / NOT MET, or "undetermined" when a bound from --cap cannot decide it."""
        if self.value is None:
            return "n/a"
        number, bound = self.value.number, self.value.bound
        meets = number <= self.limit if self.at_most else number >= self.limit
        if bound == "=":
            return "met" if meets else "NOT MET"
        # A lower bound decides "at least" targets it reaches and "at most" targets it exceeds.
        decides = (bound == ">=") != self.at_most
        if decides and meets:
            return "met"
        if not decides and not meets:
            return "NOT MET"
        return "undetermined (capped)"


def targets(all_results: list[TreeResults]) -> list[Target]:
    """The buildpack's stated targets, each computed from the medians of the tables."""
    found: list[Target] = []
    for results in all_results:
        big = results.label.startswith("10,000")
        m = results.median
        fast, upload = m("bp_fast"), m("bp_upload")
        label = results.label
        limit = 1.0 if big else 0.25
        found.append(Target(f"{label}: fast path compile", fast, limit, True, " s"))
        if big:
            floor = m("bp_floor")
            found.append(
                Target(
                    f"{label}: fast path ÷ reading and hashing every source",
                    fast.over(floor) if fast else None,
                    2.0,
                    True,
                    "×",
                    f"{fmt(fast)} s ÷ {fmt(floor)} s (the floor row)",
                )
            )

        def ratio(top: Value | None, bottom: Value | None) -> Value | None:
            return top.over(bottom) if top else None

        ds_warm, s5, s3cmd = m("ds_warm"), m("s5cmd_cold"), m("s3cmd_cold")
        s5_note = "" if s5 else f" (s5cmd {results.scenarios['s5cmd_cold'].note or 'failed'})"
        # The real app carries the fast path's ratio targets; the example app keeps its own.
        floor_ratio = 20.0 if label.startswith("example") else 50.0
        found += [
            Target(
                f"{label}: S3ManifestStaticStorage unchanged ÷ fast path",
                ratio(ds_warm, fast),
                floor_ratio,
                False,
                "×",
                f"{fmt(ds_warm)} s ÷ {fmt(fast)} s{settings_note(results, ds_warm, floor_ratio)}",
            ),
            Target(
                f"{label}: cold upload phase ÷ s5cmd sync cold",
                ratio(upload, s5),
                1.0,
                True,
                "×",
                f"{fmt(upload)} s ÷ {fmt(s5)} s{s5_note}",
            ),
            Target(
                f"{label}: s3cmd sync cold ÷ cold upload phase",
                ratio(s3cmd, upload),
                2.5,
                False,
                "×",
                f"{fmt(s3cmd)} s ÷ {fmt(upload)} s",
            ),
        ]
        # Incremental collect: a change costs what it reaches (issue 15's targets).
        changed = m("bp_changed")
        if big:
            gap = Value(changed.number - fast.number, changed.bound) if changed and fast else None
            found += [
                Target(f"{label}: one CSS changed, compile", changed, 3.0, True, " s"),
                Target(
                    f"{label}: one CSS changed, minus the fast path",
                    gap,
                    0.3,
                    True,
                    " s",
                    f"{fmt(changed)} s - {fmt(fast)} s",
                ),
                Target(
                    f"{label}: one PNG changed (10 CSS refer to it)", m("bp_png"), 3.5, True, " s"
                ),
                Target(f"{label}: 100 files changed", m("bp_many"), 6.0, True, " s"),
            ]
            for key in ("bp_changed", "bp_png", "bp_many"):
                runs = results.scenarios[key].runs
                peak = max((run.max_rss_kb for run in runs), default=0) / 1024
                trees = [run.tree_rss_kb for run in runs if run.tree_rss_kb]
                found.append(
                    Target(
                        f"{label}: peak RSS, {results.scenarios[key].name.split(': ', 1)[1]}",
                        Value(max(trees) / 1024) if trees else (Value(peak) if peak else None),
                        300.0,
                        True,
                        " MB",
                        f"sum over the process tree (largest process {peak:.0f} MB)",
                    )
                )
        else:
            found.append(Target(f"{label}: one CSS changed, compile", changed, 0.8, True, " s"))
        if big:
            cold = results.scenarios["bp_cold"]
            peak = max((run.max_rss_kb for run in cold.runs), default=0) / 1024
            trees = [run.tree_rss_kb for run in cold.runs if run.tree_rss_kb]
            found.append(
                Target(
                    f"{label}: peak RSS of the cold compile (largest process)",
                    Value(peak) if peak else None,
                    300.0,
                    True,
                    " MB",
                    f"sum over its process tree, sampled at 20 Hz: {max(trees) / 1024:.0f} MB"
                    if trees
                    else "",
                )
            )
        found += cold_and_peer_targets(results)
    return found


def settings_note(results: TreeResults, peer: Value | None, times: float) -> str:
    """Where a ratio asks the fast path to take less than Django's own reading of the settings
    (the settings floor row), which no build that reads them can: say so beside the target."""
    floor = results.median("bp_settings")
    if not peer or not floor or peer.number / times >= floor.number:
        return ""
    return (
        f"; {times:.0f}× asks for {peer.number / times:.3f} s, below the settings floor "
        f"({fmt(floor)} s)"
    )


def cold_and_peer_targets(results: TreeResults) -> list[Target]:
    """The cold build against a sync script in one run, its memory and its own clock; the fast
    path against Collectfasta."""
    label, m = results.label, results.median
    big = label.startswith("10,000")
    cold, fast, cf_warm = m("bp_cold"), m("bp_fast"), m("cf_warm")
    local = m("cs5_cold")
    if not big:  # the real app's targets; the tables give the example app's ratios too
        if not label.startswith("real"):
            return []
        cf_cold = m("cf_cold")
        return [
            Target(
                f"{label}: Collectfasta unchanged ÷ fast path",
                cf_warm.over(fast) if cf_warm else None,
                20.0,
                False,
                "×",
                f"{fmt(cf_warm)} s ÷ {fmt(fast)} s{settings_note(results, cf_warm, 20.0)}",
            ),
            Target(  # the first push of an app: at most half of Collectfasta's first run
                f"{label}: cold compile ÷ Collectfasta cold",
                cold.over(cf_cold) if cold else None,
                0.5,
                True,
                "×",
                f"{fmt(cold)} s ÷ {fmt(cf_cold)} s",
            ),
        ]
    runs = results.scenarios["bp_cold"].runs
    trees = [run.tree_rss_kb for run in runs if run.tree_rss_kb]
    # The share of each cold build's wall time its own Timings: line accounts for.
    shares = [run.phases["total"] / run.seconds for run in runs if run.phases.get("total")]
    return [
        Target(
            f"{label}: cold compile ÷ local collectstatic + s5cmd sync",
            cold.over(local) if cold else None,
            0.5,
            True,
            "×",
            f"{fmt(cold)} s ÷ {fmt(local)} s",
        ),
        Target(
            f"{label}: peak memory of the cold compile (process tree)",
            Value(max(trees) / 1024) if trees else None,
            150.0,
            True,
            " MB",
            "sum over its processes, sampled at 20 Hz",
        ),
        Target(
            f"{label}: cold compile's Timings: total ÷ its wall time",
            Value(statistics.median(shares)) if shares else None,
            0.95,
            False,
            "",
            "median of its runs: the rest is bash and the helper's start-up, before its clock",
        ),
    ]
