"""make bench: this buildpack's bin/compile against the usual ways of putting static files on S3.

    .venv/bin/python test/bench/run.py [--repeat N] [--budget S] [--cap S] [--quick]
                                       [--trees example,real,generated] [--seed N]
                                       [--buildpack-only] [--config NAME=VALUE ...]

Why it exists: the buildpack's claims are about time and requests (a fast path that costs one
Django start-up and a paged listing, an upload no slower than the fastest sync tool), and claims
like those drift unless something measures them against the alternatives on the same machine,
the same server and the same files. So, against one local S3 server (SeaweedFS on 127.0.0.1), for
the example app, a real app (Wagtail's project template with Django REST framework and the admin,
built with its own uv.lock into heroku/python's Python) and a generated 10,000-file project
(``tree.py``), it measures:

* ``bin/compile`` cold (fresh bucket, no committed cache), on the fast path (the cache that cold
  build wrote, committed into a fresh checkout) and with one stylesheet changed;
* ``s3cmd sync``, ``aws s3 sync`` and ``s5cmd sync`` of the same collected folder, cold and warm;
* ``collectstatic`` with django-storages' ``S3ManifestStaticStorage``, cold and warm, and the same
  through Collectfasta (cold, unchanged, one stylesheet changed);
* a local ``collectstatic`` followed by ``s5cmd sync`` of its folder, as one run;

with the S3 requests of each, counted by the server itself, and the peak memory of each process
tree. It prints one table per tree and the targets, and writes the same markdown to
``test/.cache/bench-results.md``. It never fails on a time (it reports); it exits non-zero when a
scenario errors or the buildpack spends requests outside its budget.

The tools live in their own venv (``.venv-bench``, from ``requirements.txt`` beside this
file), so the project's venv stays what the tests use. Each repetition of a cold scenario gets a
fresh bucket. To keep a full run near 15 minutes on 2 cores, a scenario family stops repeating
once it has used ``--budget`` seconds (slow baselines on the big tree run once; the table says how
many runs each median is of), and S3ManifestStaticStorage and Collectfasta runs are stopped at
``--cap`` seconds
(the unchanged ones at 60x the fast path, if longer) and reported as lower bounds ("≥").
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from apps import App, example_app, generated_app, real_app
from benchmark import Bench
from buildpack_runs import dependency_rows
from common import RESULTS, ROOT
from measure import Server
from report import code_state, machine_header, report
from results import TreeResults
from toolbox import ensure_tools

from support.s3server import S3Server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (default 3)")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds a scenario family may spend before it stops repeating",
    )
    parser.add_argument(
        "--cap",
        type=float,
        default=120.0,
        help="seconds after which a collectstatic S3ManifestStaticStorage run is stopped and "
        "reported as a lower bound (default 120; the unchanged run gets at least 60x the fast "
        "path, so that the 50x target is still decided)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: the example app only, one run of each scenario",
    )
    parser.add_argument(
        "--trees",
        default="example,real,generated",
        help="comma-separated: example, real, generated",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated tree")
    parser.add_argument(
        "--buildpack-only",
        action="store_true",
        help="only the buildpack's rows (no sync tools, no django-storages)",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a config var set on every slug the buildpack builds (repeatable)",
    )
    args = parser.parse_args(argv)
    config = dict(item.partition("=")[::2] for item in args.config)
    trees = ["example"] if args.quick else [t.strip() for t in args.trees.split(",") if t.strip()]
    repeat = 1 if args.quick else max(1, args.repeat)
    unknown = set(trees) - {"example", "real", "generated"}
    if unknown:
        parser.error(f"unknown tree(s): {', '.join(sorted(unknown))}")

    started = time.monotonic()
    code_before = code_state()
    tools = ensure_tools()
    header = machine_header(args, repeat, trees)
    all_results: list[TreeResults] = []
    with tempfile.TemporaryDirectory(prefix="dss-bench-") as tmp:
        work = Path(tmp)
        print(f"Starting the local S3 server (SeaweedFS) in {work / 's3'} ...")
        s3 = S3Server.start(str(work / "s3"))
        bench = Bench(Server(s3), tools, work, repeat, args.budget, args.cap)
        bench.buildpack_only, bench.config = args.buildpack_only, config
        try:
            for label in trees:
                all_results.append(bench.run_tree(make_app(label, work, args.seed)))
        finally:
            s3.stop()
        dependencies = dependency_rows(work)
    load = os.getloadavg()
    header.append(f"Load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.")
    code_after = code_state()
    header.append(
        f"Buildpack code measured: bin/lib/vendor sha256 {code_before[0]} ({code_before[1]})."
        if code_after[0] == code_before[0]
        else f"WARNING: the buildpack's code changed during the run (bin/lib/vendor sha256 "
        f"{code_before[0]}, {code_before[1]}, at the start; {code_after[0]}, {code_after[1]}, "
        "at the end): rows may mix versions."
    )
    text = report(all_results, tools, header, time.monotonic() - started, bench.failed)
    text += "\n" + "\n".join(dependencies)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    return 1 if bench.failed else 0


def make_app(label: str, work: Path, seed: int) -> App:
    """The tree ``--trees`` names (the real app's Python is made on first use, then reused)."""
    if label == "example":
        return example_app()
    if label == "real":
        return real_app()
    return generated_app(work, seed)


if __name__ == "__main__":
    sys.exit(main())
