"""Micro-benchmark: what the dyno's settings hook adds to every Python start, and to a worker.

Every process on a dyno (web workers, ``heroku run``, Scheduler jobs, the release phase) starts
Python with the runtime's folder last on ``PYTHONPATH`` and the hook's ``.pth`` in the user site
folder (a virtualenv's Python: the hook's ``sitecustomize`` first on ``PYTHONPATH``).
This lays out those pieces as the build does (``buildpack.install``: the hook, the ``.pth``
that loads it, compiled with hash-based ``.pyc`` files) in a temporary ``$HOME``, then times
``python -c pass`` with the base interpreter of this Python (a virtualenv has no user site),
alternated round by round:

- heroku/python alone: ``PYTHONPATH=$HOME``, what its ``.profile.d/python.sh`` exports
  (``export PYTHONPATH=${PYTHONPATH:-${HOME}}``), no hook: the baseline;
- the slug's paths without the hook (its folders on ``PYTHONPATH`` and in the ``.pth``, no import
  line): what the switched-off hook is compared with;
- the hook as the slug ships it, and switched off (``DJANGO_S3_STATIC_WRAP_SETTINGS=0``);
- the hook from sources only (no ``.pyc``: a slug without compiled files);
- the hook plus the ``sitecustomize`` the build adds for a virtualenv's Python.

For each: the median wall and CPU time of a start, the median of the rounds' ratios to the
baseline, the median peak memory, the instructions one start executes against the baseline's
(valgrind, when installed: the figure a busy machine does not move), and the hook's own import
time (``-X importtime``). The targets
are decided on CPU time: on a shared machine a start also waits for a core, which says nothing of
the hook. Then a worker: the example app's WSGI application loaded, as
gunicorn does before its first request, with the runtime (the hook, the snippet, the app) and
without, alternated; its resident memory. The targets: a start with the hook at most 1.05× the
baseline (the median of the rounds' ratios of CPU time) and 1 MiB more, a switched-off hook within
1% of the same paths without it, a worker at most 1 MiB more. Asserts nothing.

    .venv/bin/python test/bench/hook_start_bench.py [--runs 200] [--workers 10]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT
from report import render
from results import Value
from targets import Target

from django_s3_static.buildpack import install

PYTHON = getattr(sys, "_base_executable", sys.executable)
BASELINE = "heroku/python alone (PYTHONPATH=$HOME, no hook)"
PATHS_ONLY = "the slug's paths, no hook"
SHIPPED = "hook, as the slug ships it (compiled)"
OFF = "hook switched off (DJANGO_S3_STATIC_WRAP_SETTINGS=0)"
WORKER = """
import gc, sys
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
gc.collect()
with open("/proc/self/status", encoding="utf-8") as status:
    print(next(line for line in status if line.startswith("VmRSS:")).split()[1])
"""


def lay_out(home: str, hook: bool = True, compiled: bool = True, shim: bool = False) -> None:
    """The slug's pieces of the hook under ``home``, as the build writes them for heroku/python's
    Python (the hook in the runtime's folder, loaded by the ``.pth``); without ``hook`` its paths
    alone; ``shim``: as for a virtualenv's Python, the hook's folder with its ``sitecustomize``."""
    lib = os.path.join(home, install.SLUG_LIB)
    os.makedirs(lib)
    install.write_user_site_pth(home)
    folder = lib
    if shim:
        folder = os.path.join(home, install.SLUG_SITE)
        os.makedirs(folder)
        with open(os.path.join(folder, "sitecustomize.py"), "w") as handle:
            handle.write(install.SITECUSTOMIZE)
    if hook:
        shutil.copy(install.HOOK_SOURCE, os.path.join(folder, "_django_s3_static_hook.py"))
    else:
        pth = os.path.join(install.user_site(home), install.PTH_NAME)
        with open(pth, encoding="utf-8") as handle:
            folders = handle.read().splitlines()[:1]
        with open(pth, "w", encoding="utf-8") as handle:
            handle.write("\n".join(folders) + "\n")
    if compiled:
        install.compile_slug_python(home)


def slug_path(home: str, *more: str) -> str:
    """``PYTHONPATH`` as the slug's ``.profile.d`` script sets it (the hook's folder first only
    where it holds a ``sitecustomize``)."""
    site = os.path.join(home, install.SLUG_SITE)
    first = [site] if os.path.exists(site) else []
    return os.pathsep.join([*first, home, *more, os.path.join(home, install.SLUG_LIB)])


def environment(home: str, python_path: str, **extra: str) -> dict[str, str]:
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    return {**env, "PYTHONPATH": python_path, **extra}


#: ``python -c pass`` that then tells its peak resident memory: a child's ``ru_maxrss`` would
#: count the benchmark's own pages, which the child has until it runs Python.
PEAK = "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM:')))"


def start(env: dict[str, str]) -> tuple[float, float]:
    """One ``python -c pass``: wall ms, CPU ms."""
    started = time.perf_counter()
    process = subprocess.Popen([PYTHON, "-c", "pass"], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    if status:
        raise SystemExit(f"python -c pass failed with {env}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def peak_kib(env: dict[str, str]) -> int:
    done = subprocess.run([PYTHON, "-c", PEAK], env=env, capture_output=True, text=True)
    return int(done.stdout.split()[1])


def instructions(env: dict[str, str]) -> int | None:
    """The instructions one start executes (valgrind's callgrind; None without valgrind): the
    same on a busy machine as on a quiet one, where times drift by a few percent."""
    if shutil.which("valgrind") is None:
        return None
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PYTHON]
    done = subprocess.run(
        [*command, "-c", "pass"], env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True
    )
    found = re.search(r"refs:\s+([\d,]+)", done.stderr)
    return int(found.group(1).replace(",", "")) if found else None


def hook_import_us(env: dict[str, str]) -> int:
    """The hook's own import time in one start, from ``-X importtime``."""
    process = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "pass"], env=env, capture_output=True, text=True
    )
    total = 0
    for line in process.stderr.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 3 and parts[2] in ("_django_s3_static_hook", "sitecustomize"):
            total += int(parts[0].split()[-1])  # self time: the hook's, not what it imports
    return total


def starts(folder: str, runs: int) -> tuple[list[str], list[Target]]:
    cases: dict[str, dict[str, str]] = {}
    for name, hook, compiled, shim in [
        (BASELINE, False, True, False),
        (PATHS_ONLY, False, True, False),
        (SHIPPED, True, True, False),
        (OFF, True, True, False),
        ("hook, sources only (no .pyc)", True, False, False),
        ("hook and a virtualenv's sitecustomize", True, True, True),
    ]:
        home = os.path.join(folder, str(len(cases)))
        lay_out(home, hook, compiled, shim)
        if name == BASELINE:
            shutil.rmtree(os.path.join(home, ".local"))
            cases[name] = environment(home, home)
        else:
            off = {"DJANGO_S3_STATIC_WRAP_SETTINGS": "0"} if name == OFF else {}
            cases[name] = environment(home, slug_path(home), **off)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    peaks: dict[str, list[int]] = {name: [] for name in cases}
    for number in range(runs):
        for name, env in cases.items():
            samples[name].append(start(env))
            if number < 21:
                peaks[name].append(peak_kib(env))

    def median(name: str, index: int) -> float:
        return statistics.median(sample[index] for sample in samples[name])

    def paired(name: str, over: str, index: int = 0) -> float:
        """The median of the rounds' ratios: of wall time (0) or CPU time (1)."""
        pairs = zip(samples[name], samples[over], strict=True)
        return statistics.median(a[index] / b[index] for a, b in pairs)

    rows = [["python -c pass", "wall ms", "CPU ms", "÷ baseline (wall, CPU)", "peak KiB"]]
    rows[0] += ["instructions ÷ baseline", "hook import µs"]
    counted = {name: instructions(env) for name, env in cases.items()}
    for name, env in cases.items():
        imports = statistics.median(hook_import_us(env) for _ in range(21))
        count = counted[name] / counted[BASELINE] if counted[BASELINE] else None
        rows.append(
            [
                name,
                f"{median(name, 0):.2f}",
                f"{median(name, 1):.2f}",
                f"{paired(name, BASELINE):.3f}×, {paired(name, BASELINE, 1):.3f}×",
                f"{statistics.median(peaks[name]):.0f}",
                f"{count:.4f}×" if count else "n/a (no valgrind)",
                f"{imports:.0f}",
            ]
        )
    memory = (statistics.median(peaks[SHIPPED]) - statistics.median(peaks[BASELINE])) / 1024
    targets = [
        Target(
            "python -c pass with the hook, CPU time ÷ heroku/python alone",
            Value(paired(SHIPPED, BASELINE, 1)),
            1.05,
            True,
            "×",
            f"median of {runs} alternated rounds' ratios (wall time: "
            f"{paired(SHIPPED, BASELINE):.3f}×)",
        ),
        Target(
            "python -c pass with the hook, peak memory over heroku/python alone",
            Value(memory),
            1.0,
            True,
            " MiB",
        ),
        Target(
            "python -c pass, hook switched off, CPU time ÷ the slug's paths without it",
            Value(paired(OFF, PATHS_ONLY, 1)),
            1.01,
            True,
            "×",
            f"wall time: {paired(OFF, PATHS_ONLY):.3f}×",
        ),
    ]
    header = f"Python start, {PYTHON} ({runs} runs each, alternated); {compiled_form(cases)}"
    return [header, render(rows)], targets


def compiled_form(cases: dict[str, dict[str, str]]) -> str:
    """What kind of ``.pyc`` the slug ships for the hook (PEP 552 flags)."""
    home = cases[SHIPPED]["HOME"]
    folder = os.path.join(home, install.SLUG_LIB, "__pycache__")
    name = next(name for name in os.listdir(folder) if name.startswith("_django_s3_static_hook"))
    with open(os.path.join(folder, name), "rb") as handle:
        flags = int.from_bytes(handle.read(8)[4:], "little")
    kinds = {0: "timestamp-based", 1: "hash-based, unchecked", 3: "hash-based, checked"}
    return f"the hook's .pyc is {kinds.get(flags, f'flags {flags}')}"


def workers(folder: str, runs: int) -> tuple[list[str], list[Target]]:
    """The example app's worker before its first request, with the runtime and without."""
    app = os.path.join(folder, "app")
    shutil.copytree(ROOT / "test" / "fixtures" / "example_app", app)
    home = os.path.join(folder, "worker")
    lay_out(home)
    install.copy_runtime(os.path.join(home, install.SLUG_LIB, "django_s3_static"))
    install.compile_slug_python(home)
    packages = [entry for entry in sys.path if entry.endswith("site-packages")]
    settings = {"DJANGO_SETTINGS_MODULE": "exampleapp.settings", "SECRET_KEY": "bench-only"}
    settings["AWS_STORAGE_BUCKET_NAME"] = "bench-bucket"
    without = {**environment(folder, os.pathsep.join([app, *packages])), **settings}
    with_runtime = {**environment(home, slug_path(home, app, *packages)), **settings}
    found: dict[str, list[int]] = {"without": [], "with": []}
    for _ in range(runs):
        for key, env in (("without", without), ("with", with_runtime)):
            done = subprocess.run(
                [PYTHON, "-c", WORKER], env=env, cwd=app, capture_output=True, text=True
            )
            if done.returncode:
                raise SystemExit(f"the example app's worker failed:\n{done.stderr}")
            found[key].append(int(done.stdout))
    rows = [["example app's worker, WSGI application loaded", "resident KiB (median)"]]
    rows.append(
        [
            "without the runtime (the app's own settings)",
            f"{statistics.median(found['without']):.0f}",
        ]
    )
    rows.append(
        ["with the runtime (hook, snippet, app)", f"{statistics.median(found['with']):.0f}"]
    )
    grown = (statistics.median(found["with"]) - statistics.median(found["without"])) / 1024
    target = Target(
        "a worker's memory with the runtime, over without",
        Value(grown),
        1.0,
        True,
        " MiB",
        f"{runs} alternated runs each",
    )
    return [render(rows)], [target]


def target_table(targets: list[Target]) -> str:
    rows = [["target", "value", "limit", "verdict", "numbers"]]
    for target in targets:
        value = target.value.text(3 if target.unit == "×" else 2, target.unit)
        limit = f"{target.limit}{target.unit}"
        rows.append([target.what, value, limit, target.verdict, target.detail])
    return render(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=10, help="worker starts of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lines, targets = starts(folder, args.runs)
        more, worker_targets = workers(folder, args.workers)
    print("\n".join([*lines, "", *more, "", target_table(targets + worker_targets)]))


if __name__ == "__main__":
    main()
