"""The buildpack's scenarios: cold builds, the fast path, builds after a change, the listing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import tree as generator
from apps import App
from budget import listing_budget
from common import DJANGO_SECRET, PAGE, PREFIX, REGION, ROOT
from measure import Run, measure, parse_timings
from report import render
from results import TreeResults

from support.dyno import Slug
from support.faultproxy import FaultProxy
from support.heroku_slug import HerokuSlug
from support.s3server import ACCESS_KEY, SECRET_KEY


class DelayProxy(FaultProxy):
    """The fault proxy, holding each request ``delay`` seconds before forwarding it."""

    delay = 0.0

    def _forward(self, request, method, record):
        time.sleep(self.delay)
        return super()._forward(request, method, record)


@dataclass
class Published:
    """A cold build's result that later scenarios start from: its bucket and committed cache."""

    bucket: str
    static_cache_dir: Path
    objects: dict[str, dict]
    #: The cold build's CACHE_DIR: Heroku keeps it for the app's next builds.
    build_cache: Path


class BuildpackScenarios:
    """Bench's buildpack rows: bin/compile as Heroku runs it, timed and counted (a mixin)."""

    def slug(self, app: App, bucket: str) -> Slug:
        """The app in a build folder beside its Python: the app's own as heroku/python leaves
        it (its ``.profile.d`` and the build environment of its ``export`` file), else the
        project's venv."""
        root = str(self.work / f"slug-{uuid.uuid4().hex[:8]}")
        if app.python is None:
            slug = Slug(root, self.python_home)
            slug.prepare(str(app.source))  # an absolute path: os.path.join keeps it as is
        else:
            slug = HerokuSlug(root, app.python.home, app_python=app.python)
            skip = shutil.ignore_patterns("__pycache__")
            shutil.copytree(app.source, slug.build_dir, ignore=skip)
            slug.lay_out()
        slug.set_config(
            AWS_STORAGE_BUCKET_NAME=bucket,
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_S3_ENDPOINT_URL=self.server.s3.endpoint,
            AWS_S3_REGION_NAME=REGION,
            AWS_LOCATION=PREFIX,
            DISABLE_COLLECTSTATIC="1",
            SECRET_KEY=DJANGO_SECRET,
            **app.config,
            **self.config,
        )
        return slug

    def compile(self, slug: Slug, bucket: str, sample_tree: bool = False) -> Run:
        """bin/compile as Heroku runs it (the environment Slug.script gives it), from a fresh
        copy of the buildpack: Heroku fetches it for every build, so no bytecode is left from an
        earlier one."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
        env.pop("PYTHONPATH", None)
        env = slug.build_env(env)
        buildpack = self.work / f"buildpack-{uuid.uuid4().hex[:8]}"
        for part in ("bin", "lib", "vendor"):
            shutil.copytree(
                ROOT / part, buildpack / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        holder: list[Run] = []
        try:
            with self.server.counting(bucket, holder):
                run, output = measure(
                    [
                        str(buildpack / "bin" / "compile"),
                        slug.build_dir,
                        slug.cache_dir,
                        slug.env_dir,
                    ],
                    env,
                    timeout=1800,
                    sample_tree=sample_tree,
                )
                holder.append(run)
        finally:
            shutil.rmtree(buildpack, ignore_errors=True)
        run.phases = parse_timings(output)
        run.timings = [line for line in output.splitlines() if "Timings: " in line][-1].strip()
        return run

    def buildpack(self, app: App, results: TreeResults) -> None:
        """Cold builds (a fresh bucket each), then fast paths and one-CSS edits on the last one.

        The fast path and the edit need a complete bucket and the cache a build wrote, not a
        fresh bucket, so they repeat on the last cold build's bucket: on the big tree the cold
        build is long enough that --budget often allows only one, but the fast path still gets
        --repeat runs.
        """
        built: list[Published] = []
        # Each cold build is paired with a local collectstatic + s5cmd sync, in turn first and
        # second, so that the ratio of the two compares runs of the same minutes' load.
        paired = not self.buildpack_only and self.tools.s5cmd is not None

        def cold_round(index: int) -> None:
            if paired and index % 2:
                self.local_sync(app, results, index)
            built.append(self.cold(app, results, index))
            if paired and not index % 2:
                self.local_sync(app, results, index)

        keys = ["bp_cold", "bp_upload"] + (["cs5_cold"] if paired else [])
        self.family(results, keys, cold_round, 2 * self.budget if paired else None)
        if not built:
            for key in ("bp_fast", "bp_changed", "bp_png", "bp_many"):
                results.scenarios[key].error = "no cold build to start from"
            return
        last = built[-1]

        def fast_and_floor(index: int) -> None:
            self.fast(app, results, index, last)
            self.floor(app, results)
            self.settings_floor(app, results)

        self.family(results, ["bp_fast", "bp_floor", "bp_settings"], fast_and_floor)
        if len(last.objects) > PAGE:
            results.listing = self.listing_latency(last)
        edits = {
            "bp_changed": [app.changed_css],
            "bp_png": [app.shared_png] if app.shared_png else [],
            "bp_many": app.many,
        }
        for key, names in edits.items():
            if not names:
                results.scenarios[key].note = "n/a for this tree"
                continue
            self.family(
                results, [key], lambda i, k=key, n=names: self.changed(app, results, i, last, k, n)
            )
        for published in built:
            shutil.rmtree(published.static_cache_dir, ignore_errors=True)
            shutil.rmtree(published.build_cache, ignore_errors=True)

    def cold(self, app: App, results: TreeResults, index: int) -> Published:
        bucket = self.server.bucket("bp")
        slug = self.slug(app, bucket)
        run = self.compile(slug, bucket, sample_tree=True)
        results.scenarios["bp_cold"].runs.append(run)
        results.scenarios["bp_upload"].runs.append(run)
        # What a developer commits after the cold build: the static_cache/ it wrote.
        static_cache_dir = self.work / f"committed-cache-{uuid.uuid4().hex[:6]}"
        shutil.copytree(Path(slug.build_dir) / "static_cache", static_cache_dir)
        build_cache = self.work / f"build-cache-{uuid.uuid4().hex[:6]}"
        shutil.copytree(slug.cache_dir, build_cache)
        shutil.rmtree(slug.root)
        objects = json.loads((static_cache_dir / "manifest.json").read_text())["objects"]
        results.objects = len(objects)
        self.check_build(results, f"cold (run {index + 1})", bucket, {}, run, objects)
        self._progress("buildpack cold", run)
        return Published(bucket, static_cache_dir, objects, build_cache)

    def listing_latency(self, last: Published) -> list[list[str]]:
        """The build's listing of a published bucket, whole or in ranges at once, through a proxy
        that holds each request for a while: a round trip to S3 and the time it takes to list
        1,000 keys, which the local server on loopback answers at once."""
        from django_s3_static.config import Config
        from django_s3_static.publish.early_listing import list_inventory

        rows = [
            ["delay per request", "whole listing s", "in ranges s", "requests (whole / ranges)"]
        ]
        with DelayProxy(self.server.s3.endpoint) as proxy:
            config = Config.from_values(
                {
                    "AWS_STORAGE_BUCKET_NAME": last.bucket,
                    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                    "AWS_S3_ENDPOINT_URL": proxy.url,
                    "AWS_S3_REGION_NAME": REGION,
                    "AWS_LOCATION": PREFIX,
                }
            )
            for delay in (0.0, 0.05, 0.15):
                proxy.delay = delay
                found = []
                for names in ((), last.objects):
                    started = time.monotonic()
                    _inventory, requests = list_inventory(config, names)
                    found.append((time.monotonic() - started, requests))
                rows.append(
                    [
                        f"{delay:.2f} s",
                        f"{found[0][0]:.2f}",
                        f"{found[1][0]:.2f}",
                        f"{found[0][1]} / {found[1][1]}",
                    ]
                )
        print(f"  listing in ranges: {rows[1:]}", flush=True)
        return rows

    def fast(self, app: App, results: TreeResults, index: int, last: Published) -> None:
        slug = self.slug(app, last.bucket)
        shutil.copytree(last.static_cache_dir, Path(slug.build_dir) / "static_cache")
        shutil.copytree(last.build_cache, slug.cache_dir, dirs_exist_ok=True)
        low, high = listing_budget(self.keys(last.bucket))
        run = self.compile(slug, last.bucket)
        results.scenarios["bp_fast"].runs.append(run)
        self.check(
            results,
            f"fast path (run {index + 1})",
            run.requests,
            set(run.requests) == {"LIST", "PUT"}
            and low <= run.requests["LIST"] <= high
            and run.requests["PUT"] == 1,
            f"LIST {low} to {high} (one per 1,000 keys, one more per range at most) and PUT 1 "
            "(the release's record)",
        )
        self._progress("buildpack fast path", run)
        shutil.rmtree(slug.root)

    def floor(self, app: App, results: TreeResults) -> None:
        """What the fast path cannot do without: read every source and hash it as the build
        does (SHA-256: a build whose static cache the build cache's memo vouches for needs no
        MD5), in a plain Python process, its start included; run beside each fast path."""
        home = app.python.home if app.python else self.python_home
        python = os.path.join(home, "bin", "python")
        folders = [str(app.static_dir), *map(str, app.other_sources)]
        run, output = measure([python, "-c", FLOOR, *folders], dict(os.environ), timeout=600)
        results.scenarios["bp_floor"].runs.append(run)
        print(f"  read-and-hash floor: {run.seconds:.2f} s ({output.strip()} files)", flush=True)

    def settings_floor(self, app: App, results: TreeResults) -> None:
        """What no build that reads the app's settings can do without: a plain Python process in
        the app's folder that has Django read its settings module and imports the staticfiles
        finders (the fast path checks the sources against both), its start included."""
        home = app.python.home if app.python else self.python_home
        python = os.path.join(home, "bin", "python")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": app.settings,
            "SECRET_KEY": DJANGO_SECRET,
            "PYTHONDONTWRITEBYTECODE": "1",
            **app.config,
        }
        env.pop("PYTHONPATH", None)
        run, _ = measure([python, "-c", SETTINGS_FLOOR], env, cwd=app.source, timeout=600)
        results.scenarios["bp_settings"].runs.append(run)
        print(f"  settings floor: {run.seconds:.2f} s", flush=True)

    def changed(
        self,
        app: App,
        results: TreeResults,
        index: int,
        last: Published,
        key: str = "bp_changed",
        names: list[str] | None = None,
    ) -> None:
        """The committed cache of the last cold build, in a checkout where ``names`` changed
        (each run a new change, so each uploads its own objects)."""
        slug = self.slug(app, last.bucket)
        shutil.copytree(last.static_cache_dir, Path(slug.build_dir) / "static_cache")
        shutil.copytree(last.build_cache, slug.cache_dir, dirs_exist_ok=True)
        salt = f"{index}-{uuid.uuid4().hex[:6]}"
        for name in names or [app.changed_css]:
            generator.edit(Path(slug.build_dir) / name, salt)
        before = self.keys(last.bucket)
        run = self.compile(slug, last.bucket, sample_tree=True)
        results.scenarios[key].runs.append(run)
        written = Path(slug.build_dir) / "static_cache" / "manifest.json"
        objects = json.loads(written.read_text())["objects"]
        what = results.scenarios[key].name.removeprefix("buildpack compile: ")
        self.check_build(results, f"{what} (run {index + 1})", last.bucket, before, run, objects)
        self._progress(f"buildpack {what}", run)
        shutil.rmtree(slug.root)


#: The read-and-hash floor: every file under the folders named, read whole and hashed.
FLOOR = """
import hashlib, os, sys
count = 0
for folder in sys.argv[1:]:
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            with open(os.path.join(parent, name), "rb") as handle:
                hashlib.sha256(handle.read()).hexdigest()
            count += 1
print(count)
"""


#: The settings floor: the settings module as Django reads it, and the finders' import.
SETTINGS_FLOOR = """
import sys
sys.path.insert(0, "")
from django.conf import settings
settings.STATICFILES_DIRS
import django.contrib.staticfiles.finders
"""


DEPS_PROBE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from django_s3_static.publish import deps
need = getattr(deps, sys.argv[3])
started = time.monotonic()
deps.ensure(sys.argv[2], need, sys.argv[2])
first = time.monotonic() - started
started = time.monotonic()
deps.ensure(sys.argv[2], need, sys.argv[2])
print(f"{first:.2f} {time.monotonic() - started:.4f}")
"""


def dependency_rows(work: Path) -> list[str]:
    """The first build's extra time in an app whose Python lacks the helper's dependencies:
    pip installs them into the build cache once (from the registry), later builds reuse it."""
    bare = work / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", str(bare)], check=True)
    rows = [["app's Python lacks", "installed", "first build, seconds", "later builds, seconds"]]
    for need, what in (("BOTO3", "boto3 (no keys set)"),):
        cache = work / f"deps-cache-{need}"
        process = subprocess.run(
            [str(bare / "bin" / "python"), "-c", DEPS_PROBE, str(ROOT / "lib"), str(cache), need],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if process.returncode != 0:
            rows.append([what, "FAILED", process.stderr.strip()[-80:], ""])
            continue
        first, later = process.stdout.splitlines()[-1].split()
        folder = next(cache.joinpath("django-s3-static").iterdir())
        installed = sorted(
            p.name
            for p in folder.iterdir()
            if p.is_dir() and not p.name.startswith(("_", ".", "bin")) and p.suffix != ".dist-info"
        )
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
        rows.append([what, f"{', '.join(installed)} ({size:.1f} MiB)", first, later])
    return ["## The build helper's own dependencies", "", render(rows), ""]
