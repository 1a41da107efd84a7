"""From the exit codes and build plans of a group's ``bin/detect`` runs to the group that builds
and each buildpack's plan (pure).

Buildpack API 0.10, "Phase #1: Detection" (https://github.com/buildpacks/spec/blob/buildpack/0.10/
buildpack.md#phase-1-detection) and "Build Plan (TOML)", as the lifecycle resolves it
(buildpacks/lifecycle ``phase/detector.go`` ``Resolve``, ``runTrial``, ``depMap``;
``platform/files/plan.go`` ``Find``/``Filter``; ``platform/exit.go`` for the codes):

- exit 0 passes, 100 fails, anything else is an error. The group is detected when every
  non-optional buildpack passed and at least one did; it keeps only those that passed. A failed
  group exits 20, or 21 when a buildpack errored (even an optional one, if the group failed);
- each buildpack's plan offers its top-level ``requires``/``provides`` or one ``[[or]]``
  alternative; the trials go through them depth first. In a trial, a ``requires`` needs a
  ``provides`` of the same name from the same or an earlier buildpack, and a ``provides`` needs a
  later (or the same buildpack's) ``requires``; an optional buildpack that breaks this leaves
  the trial, a required one fails it;
- a buildpack's plan holds the ``requires`` of every entry it provides; entries a buildpack does
  not list as ``[[unmet]]`` in build.toml are gone for the buildpacks after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .descriptor import Buildpack

PASS, FAIL = 0, 100
FAILED_DETECT, FAILED_DETECT_WITH_ERRORS = 20, 21


@dataclass
class DetectRun:
    """One ``bin/detect``: its exit code (-1: it could not run, or its plan was refused)."""

    buildpack: Buildpack
    code: int
    output: str
    plan: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class PlanEntry:
    name: str
    providers: list[Buildpack] = field(default_factory=list)
    requires: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DetectResult:
    """``passed``; the lifecycle's exit code (0, 20 or 21); every run; the group that builds, in
    order; the build plan."""

    passed: bool
    returncode: int
    runs: list[DetectRun]
    group: list[Buildpack] = field(default_factory=list)
    plan: list[PlanEntry] = field(default_factory=list)
    message: str = ""

    def run_of(self, buildpack_id: str) -> DetectRun:
        return next(run for run in self.runs if run.buildpack.id == buildpack_id)


def plan_error(plan: dict[str, Any]) -> str:
    """What the lifecycle refuses in a detect plan: a top-level ``version`` in a requires."""
    for sections in [plan, *plan.get("or", [])]:
        for require in sections.get("requires", []):
            if "version" in require:
                return '"version" in requires is not supported; use "metadata.version"'
    return ""


def _options(run: DetectRun) -> list[tuple[Buildpack, dict[str, Any], bool]]:
    """(buildpack, sections, optional): an optional buildpack may only leave a trial on its last
    alternative (``detectResult.options``)."""
    alternatives = [run.plan, *run.plan.get("or", [])]
    last = len(alternatives) - 1
    bp = run.buildpack
    return [(bp, sections, bp.optional and i == last) for i, sections in enumerate(alternatives)]


def _deps(trial: list[tuple[Buildpack, dict[str, Any], bool]]) -> dict[str, dict[str, Any]]:
    deps: dict[str, dict[str, Any]] = {}
    for bp, sections, _optional in trial:
        for provide in sections.get("provides", []):
            entry = deps.setdefault(provide["name"], _new_entry(provide["name"]))
            entry["extra"].append(bp)
        for require in sections.get("requires", []):
            entry = deps.setdefault(require["name"], _new_entry(require["name"]))
            entry["providers"] += entry["extra"]
            entry["extra"] = []
            if entry["providers"]:
                entry["requires"].append(require)
            else:
                entry["early"].append(bp)
    return deps


def _new_entry(name: str) -> dict[str, Any]:
    return {"name": name, "providers": [], "requires": [], "extra": [], "early": []}


def _run_trial(trial: list[tuple[Buildpack, dict[str, Any], bool]]):
    while True:
        deps = _deps(trial)
        unmet = [(bp, e["name"]) for e in deps.values() for bp in e["early"] + e["extra"]]
        if not unmet:
            break
        for bp, _name in unmet:
            optional = next(opt for b, _s, opt in trial if b == bp)
            if not optional:
                return None
            trial = [t for t in trial if t[0] != bp]
    return (deps, trial) if trial else None


def _trials(runs: list[DetectRun], prefix: list):
    if not runs:
        yield prefix
        return
    for option in _options(runs[0]):
        yield from _trials(runs[1:], [*prefix, option])


def resolve(runs: list[DetectRun]) -> DetectResult:
    detected, errored = True, False
    for run in runs:
        if run.code not in (PASS, FAIL):
            errored = True
        if run.code != PASS:
            detected = detected and run.buildpack.optional
    passing = [run for run in runs if run.code == PASS]
    if not detected or not passing:
        code = FAILED_DETECT_WITH_ERRORS if errored and not detected else FAILED_DETECT
        return DetectResult(False, code, runs, message="No buildpack groups passed detection.")
    for trial in _trials(passing, []):
        found = _run_trial(trial)
        if found:
            deps, kept = found
            group = [bp for bp, _s, _o in kept]
            plan = [PlanEntry(e["name"], e["providers"], e["requires"]) for e in deps.values()]
            return DetectResult(True, 0, runs, group, plan)
    return DetectResult(False, FAILED_DETECT, runs, message="No buildpack groups passed detection.")


def plan_for(plan: list[PlanEntry], buildpack: Buildpack) -> list[dict[str, Any]]:
    """The ``[[entries]]`` of the buildpack's plan (``Plan.Find``)."""
    entries = []
    for entry in plan:
        if any(provider.id == buildpack.id for provider in entry.providers):
            entries += [
                {"name": r["name"], **({"metadata": r["metadata"]} if "metadata" in r else {})}
                for r in entry.requires
            ]
    return entries


def without_met(plan: list[PlanEntry], met: list[str]) -> list[PlanEntry]:
    """The plan after a buildpack: the entries it met are gone (``Plan.Filter``)."""
    return [entry for entry in plan if entry.name not in met]
