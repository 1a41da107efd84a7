"""Micro-benchmark: what ``{% static %}`` costs on the dyno, against Django's own.

Two tables, each against Django's ``ManifestStaticFilesStorage`` measured in the same run;
asserts nothing.

1. **A web worker's first ``{% static %}``** on the 10,000-source project (``dyno_app.py``: its
   static cache, 20,000 objects, and Django's staticfiles.json for the same collect): each
   variant in a fresh process (``dyno_worker.py``), alternated round by round: Django reading
   staticfiles.json, and this runtime reading the dyno's form of the static cache the build
   writes into the slug. Medians of the render's wall time, CPU time and resident-memory growth,
   and the targets: at most 1.2× Django's in time (the median of the rounds' ratios of CPU time:
   on a shared machine a process also waits for a core) and in memory. A few rounds of the
   runtime reading the static cache itself (a slug without the form) show what the form saves.
2. **Lookups after the first**: ``url()`` for a repeated name and for 2,000 names in turn, and
   a ``{% static %}`` render, in this process (best of five timeit runs).

    .venv/bin/python test/bench/static_url_bench.py [--rounds 15] [--full-rounds 3] [--app DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

from common import HERE
from dyno_app import NAME, DynoApp, dyno_app
from report import render
from results import Value
from targets import Target

from django_s3_static.format import dyno_form

NAMES = [f"app{i % 40}/css/file{i}.css" for i in range(2000)]
#: A worker's first ``{% static %}`` against Django's: at most this many times, time and memory.
FIRST_LOOKUP_LIMIT = 1.2


def worker(variant: str, cache_dir: Path, app: DynoApp) -> dict:
    """One fresh worker's first ``{% static %}``."""
    paths = [] if variant == "django" else [str(app.runtime)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    kind = "django" if variant == "django" else "ours"
    command = [sys.executable, str(HERE / "dyno_worker.py"), kind, str(cache_dir)]
    command += [str(app.collected), NAME]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"dyno_worker.py {variant} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def first_lookups(app: DynoApp, rounds: int, full_rounds: int) -> list[str]:
    """The first table and its targets, as lines."""
    variants = {"django": app.with_form, "ours": app.with_form, "full": app.cache_only}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for number in range(rounds):
        for name, cache_dir in variants.items():
            if name != "full" or number < full_rounds:
                runs[name].append(worker(name, cache_dir, app))
    urls = {run["url"].rsplit("/static/", 1)[-1] for found in runs.values() for run in found}
    if len(urls) != 1:
        raise SystemExit(f"the variants rendered different names: {sorted(urls)}")

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    django = {key: median("django", key) for key in ("wall_ms", "cpu_ms", "rss_kib")}
    rows = [
        ["worker's first {% static %}", "runs", "wall ms", "CPU ms", "RSS growth KiB", "÷ Django"]
    ]
    labels = {
        "django": "Django's ManifestStaticFilesStorage (staticfiles.json)",
        "ours": "this runtime, the dyno's form (as the slug ships it)",
        "full": "this runtime, the static cache itself (no form)",
    }
    for name, label in labels.items():
        if not runs[name]:
            continue
        wall, cpu, rss = (median(name, key) for key in ("wall_ms", "cpu_ms", "rss_kib"))
        ratio = f"{wall / django['wall_ms']:.2f}× time, {rss / django['rss_kib']:.2f}× memory"
        rows.append([label, str(len(runs[name])), f"{wall:.2f}", f"{cpu:.2f}", f"{rss:.0f}", ratio])

    def paired(key: str) -> float:
        pairs = zip(runs["ours"], runs["django"], strict=True)
        return statistics.median(ours[key] / theirs[key] for ours, theirs in pairs)

    memory_ratio = median("ours", "rss_kib") / django["rss_kib"]
    targets = [
        Target(
            "a worker's first {% static %}, CPU time ÷ Django's",
            Value(paired("cpu_ms")),
            FIRST_LOOKUP_LIMIT,
            True,
            "×",
            f"median of {len(runs['ours'])} alternated rounds' ratios (wall time: "
            f"{paired('wall_ms'):.2f}×)",
        ),
        Target(
            "a worker's first {% static %}, memory growth ÷ Django's",
            Value(memory_ratio),
            FIRST_LOOKUP_LIMIT,
            True,
            "×",
            f"{median('ours', 'rss_kib'):.0f} KiB ÷ {django['rss_kib']:.0f} KiB",
        ),
    ]
    manifest = (app.collected / "staticfiles.json").stat().st_size
    sizes = (
        f"static cache {app.cache_bytes / 1e6:.2f} MB; the dyno's form: names "
        f"{app.form_bytes(dyno_form.NAMES_FILE) / 1e6:.2f} MB, integrity digests "
        f"{app.form_bytes(dyno_form.DIGESTS_FILE) / 1e6:.2f} MB (read only for integrity tags); "
        f"Django's staticfiles.json {manifest / 1e6:.2f} MB"
    )
    return [render(rows), "", sizes, "", target_table(targets)]


def target_table(targets: list[Target]) -> str:
    rows = [["target", "value", "limit", "verdict", "numbers"]]
    for target in targets:
        value = target.value.text(2, target.unit) if target.value else "n/a"
        rows.append(
            [target.what, value, f"{target.limit}{target.unit}", target.verdict, target.detail]
        )
    return render(rows)


def configure(folder: str) -> None:
    from django.conf import settings  # lazy: configured here, for this process's table

    from django_s3_static import snippet  # lazy: as above
    from django_s3_static.format.static_cache import StaticCache, StaticObject, write

    paths = {name: name.replace(".css", ".0123456789ab.css") for name in NAMES}
    objects = {hashed: StaticObject(10, "0" * 32) for hashed in paths.values()}
    write(StaticCache("sha256:bench", "bench-bucket", "static", paths, objects), folder)
    with open(os.path.join(folder, "staticfiles.json"), "w") as handle:
        json.dump({"paths": paths, "version": "1.1", "hash": "x"}, handle)
    os.environ["AWS_STORAGE_BUCKET_NAME"] = "bench-bucket"
    os.environ["AWS_LOCATION"] = "static"
    os.environ["DJANGO_S3_STATIC_CACHE_PATH"] = folder
    namespace = {
        "SECRET_KEY": "bench",
        "INSTALLED_APPS": ["django.contrib.staticfiles"],
        "STATIC_ROOT": folder,
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    }
    snippet.install(namespace)
    settings.configure(**{key: value for key, value in namespace.items() if key.isupper()})
    import django  # lazy: after configure

    django.setup()


def best(theirs, mine, number: int, before=None) -> tuple[float, float]:
    """Best of five runs of each, alternated, in microseconds per call; ``before`` runs before
    each of ``theirs`` and ``mine`` is given ("theirs" or "mine")."""
    found: dict[str, list[float]] = {"theirs": [], "mine": []}
    for _ in range(5):
        for key, statement in (("theirs", theirs), ("mine", mine)):
            if before is not None:
                before(key)
            found[key].append(timeit.timeit(statement, number=number) / number * 1e6)
    return min(found["theirs"]), min(found["mine"])


def later_lookups() -> list[str]:
    """The second table, as lines."""
    with tempfile.TemporaryDirectory() as folder:
        configure(folder)
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage  # lazy: set up
        from django.core.files.storage import storages  # lazy: as above
        from django.template import Context, Template  # lazy: as above

        from django_s3_static.storage import S3ManifestStorage  # lazy: as above

        django_storage = ManifestStaticFilesStorage(location=folder, base_url="https://cdn/s/")
        ours = S3ManifestStorage()
        names = iter(NAMES * 1000)

        def first_lookups() -> None:  # every name once, in a fresh storage: the chain at work
            storage = S3ManifestStorage()
            for name in NAMES:
                storage.url(name)

        rows = [
            (
                "url(), repeated name",
                *best(
                    lambda: django_storage.url("app1/css/file1.css"),
                    lambda: ours.url("app1/css/file1.css"),
                    20000,
                ),
            ),
            (
                "url(), 2,000 names in turn",
                *best(
                    lambda: django_storage.url(next(names)), lambda: ours.url(next(names)), 20000
                ),
            ),
        ]
        template = Template("{% load static %}{% static 'app1/css/file1.css' %}")
        context = Context()

        def storage(key: str) -> None:
            storages._storages["staticfiles"] = django_storage if key == "theirs" else ours

        def render_once() -> str:
            return template.render(context)

        rows.append(("{% static %} tag render", *best(render_once, render_once, 5000, storage)))
        first = min(timeit.repeat(first_lookups, number=1, repeat=3)) / len(NAMES) * 1e6
    table = [["lookup after the first", "Django µs", "ours µs", "÷ Django"]]
    table += [
        [case, f"{theirs:.2f}", f"{mine:.2f}", f"{mine / theirs:.2f}×"]
        for case, theirs, mine in rows
    ]
    table.append(["first lookup of a name (fills process memory)", "", f"{first:.2f}", ""])
    return [
        render(table),
        "",
        "A repeated lookup costs at most 1.2× Django's (not a stated target).",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="alternated rounds (default 15)")
    parser.add_argument(
        "--full-rounds",
        type=int,
        default=3,
        help="rounds of the runtime without the dyno's form (default 3; each reads 4 MB)",
    )
    parser.add_argument("--app", help="where to make (or find) the 10,000-source project")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dss-dyno-") as tmp:
        folder = Path(args.app) if args.app else Path(tmp) / "app"
        print(f"The 10,000-source project, collected as a build does, in {folder} ...")
        app = dyno_app(folder, args.seed)
        lines = first_lookups(app, max(1, args.rounds), args.full_rounds)
    lines += ["", *later_lookups()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
