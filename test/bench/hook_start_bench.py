"""Micro-benchmark: what the dyno's settings hook adds to every Python start.

Every process on a dyno (web workers, ``heroku run``, Scheduler jobs, the release phase) starts
Python with the hook's folder first on ``PYTHONPATH`` and its ``.pth`` in the user site folder.
This lays out those pieces as the build does (``buildpack.install``: the hook, the ``.pth``
that loads it, compiled with hash-based ``.pyc`` files) in a temporary ``$HOME``, then times
``python -c pass`` with the base interpreter of this Python (a virtualenv has no user site) in
five ways, interleaved:

- bare: no hook;
- an empty ``sitecustomize`` on the path: what any ``sitecustomize`` costs;
- the hook as the slug ships it (compiled);
- the hook from sources only (no ``.pyc``, nowhere to write one: as a slug without them);
- the hook plus the ``sitecustomize`` the build adds for a virtualenv's Python, which looks for
  the next one on the path.

For each it prints the median wall time of a start and the hook's own import time (``-X
importtime``: ``_django_s3_static_hook`` plus ``sitecustomize``, in µs). Asserts nothing.

    .venv/bin/python test/bench/hook_start_bench.py [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "lib"))

from django_s3_static.buildpack import install  # noqa: E402 - after the path is set

PYTHON = getattr(sys, "_base_executable", sys.executable)


def lay_out(home: str, compiled: bool, empty: bool = False, shim: bool = False) -> None:
    """The slug's pieces of the hook, under ``home`` as the build writes them; ``shim``: with
    the ``sitecustomize`` it writes for a virtualenv's Python, which chains the next one."""
    site = os.path.join(home, install.SLUG_SITE)
    os.makedirs(site)
    os.makedirs(os.path.join(home, install.SLUG_LIB))
    if empty:
        open(os.path.join(site, "sitecustomize.py"), "w").close()
    else:
        shutil.copy(install.HOOK_SOURCE, os.path.join(site, "_django_s3_static_hook.py"))
        install.write_user_site_pth(home)
    if shim:
        with open(os.path.join(site, "sitecustomize.py"), "w") as handle:
            handle.write(install.SITECUSTOMIZE)
    if compiled:
        install.compile_slug_python(home)


def environment(home: str, with_path: bool) -> dict[str, str]:
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    if with_path:
        env["PYTHONPATH"] = f"{home}/{install.SLUG_SITE}:{home}"
    return env


def start_ms(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-c", "pass"], env=env, check=True)
    return (time.perf_counter() - started) * 1000


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cases = {}
        for name, compiled, empty, shim, with_path in [
            ("bare (no hook)", False, True, False, False),
            ("empty sitecustomize on the path", True, True, False, True),
            ("hook, compiled (as the slug ships it)", True, False, False, True),
            ("hook, sources only", False, False, False, True),
            ("hook and a virtualenv's sitecustomize", True, False, True, True),
        ]:
            home = os.path.join(folder, str(len(cases)))
            lay_out(home, compiled, empty, shim)
            cases[name] = environment(home, with_path)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, env in cases.items():
                times[name].append(start_ms(env))
        bare = statistics.median(times["bare (no hook)"])
        print(f"Python start, {PYTHON} ({args.runs} runs each, interleaved)")
        print(f"{'case':40} {'median':>9} {'vs bare':>9} {'hook import':>12}")
        for name, env in cases.items():
            median = statistics.median(times[name])
            imports = statistics.median(hook_import_us(env) for _ in range(21))
            print(f"{name:40} {median:7.2f}ms {median - bare:+7.2f}ms {imports:9.0f} µs")


if __name__ == "__main__":
    main()
