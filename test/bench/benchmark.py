"""The benchmark of one tree: every scenario, each repeated within the budget."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from apps import App
from budget import BudgetChecks
from buildpack_runs import BuildpackScenarios
from measure import Run, ScenarioError, Server
from peers import PeerScenarios
from results import ROWS, TreeResults, requests_text, upload_phase
from toolbox import Tools


@dataclass
class Bench(BuildpackScenarios, PeerScenarios, BudgetChecks):
    """One run's scenarios on one server; each concern's rows are measured by its mixin."""

    server: Server
    tools: Tools
    work: Path
    repeat: int
    budget: float
    cap: float
    python_home: str = field(default_factory=lambda: str(Path(sys.executable).parent.parent))
    failed: bool = False
    #: --buildpack-only: the buildpack's rows alone (to compare two versions or settings of it).
    buildpack_only: bool = False
    #: --config: config vars set on every slug (DJANGO_S3_STATIC_COMPRESS=off, ...).
    config: dict[str, str] = field(default_factory=dict)

    def family(
        self,
        results: TreeResults,
        keys: list[str],
        body: Callable[[int], None],
        budget: float | None = None,
    ) -> None:
        """Repeat ``body`` up to --repeat times, within --budget seconds (or ``budget``); errors
        end the family.

        A further repetition starts only if, at the mean pace so far, it would end within the
        budget: the big tree's slow baselines then run once instead of holding the run for an
        hour, and the table says how many runs each median is of.
        """
        started = time.monotonic()
        for index in range(self.repeat):
            spent = time.monotonic() - started
            if index and spent + spent / index > (budget or self.budget):
                for key in keys:
                    results.scenarios[key].note = f"{index} of {self.repeat}, --budget"
                break
            try:
                body(index)
            except (ScenarioError, subprocess.SubprocessError, OSError) as exc:
                message = str(exc)
                for key in keys:
                    if not results.scenarios[key].error:
                        results.scenarios[key].error = message.splitlines()[0]
                print(f"  ERROR in {', '.join(keys)}:\n    " + message.replace("\n", "\n    "))
                self.failed = True
                return

    def run_tree(self, app: App) -> TreeResults:
        started = time.monotonic()
        results = TreeResults(app.label, app.description)
        for key, label, compare in ROWS:
            results.add(key, label, compare)
        results.scenarios["bp_upload"].value = upload_phase
        print(f"\n=== {app.label}: {app.description}")
        if self.buildpack_only:
            self.buildpack(app, results)
            for key, _label, _compare in ROWS:
                if not key.startswith("bp_"):
                    results.scenarios[key].note = "not run (--buildpack-only)"
            results.elapsed = time.monotonic() - started
            return results

        collected = self.work / f"collected-{uuid.uuid4().hex[:6]}"
        collecting = time.monotonic()
        self.collect_locally(app, collected)
        count = sum(len(files) for _, _, files in os.walk(collected))
        results.notes.append(
            f"Collected folder for the sync tools: {count} files (ManifestStaticFilesStorage, "
            f"staticfiles.json included), made once in {time.monotonic() - collecting:.1f} s "
            "outside the timings."
        )
        print(f"  collected {count} files into {collected} (not timed)")

        self.buildpack(app, results)  # with the local collectstatic + s5cmd runs, in pairs
        if self.tools.s5cmd is None:
            results.scenarios["cs5_cold"].note = f"n/a: {self.tools.s5cmd_missing}"
        for tool in ("s3cmd", "aws", "s5cmd"):
            keys = [f"{tool}_cold", f"{tool}_warm"]
            if tool == "s5cmd" and self.tools.s5cmd is None:
                for key in keys:
                    results.scenarios[key].note = f"n/a: {self.tools.s5cmd_missing}"
                continue
            self.family(results, keys, lambda i, t=tool: self.sync(t, collected, results, i))
        self.family(
            results,
            ["ds_cold", "ds_warm"],
            lambda i: self.django_storages(app, collected, results, i),
        )
        self.family(
            results,
            ["cf_cold", "cf_warm", "cf_changed"],
            lambda i: self.collectfasta(app, collected, results, i),
        )
        shutil.rmtree(collected, ignore_errors=True)
        results.elapsed = time.monotonic() - started
        return results

    @staticmethod
    def _progress(what: str, run: Run) -> None:
        extra = f", upload phase {run.phases['upload']:.2f} s" if "upload" in run.phases else ""
        extra += f" (stopped: at least {run.seconds:.0f} s)" if run.capped else ""
        extra += f" [{run.timings}]" if run.timings else ""
        print(f"  {what}: {run.seconds:.2f} s{extra}, {requests_text(run.requests)}", flush=True)
