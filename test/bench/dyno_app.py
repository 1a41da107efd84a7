"""The 10,000-source project as a dyno has it, for the dyno's benchmarks (no S3 server).

``tree.py`` writes the project; the build's collect step (``django_s3_static.collect.collect``,
run as the build runs it, in the app's process) collects it with Django's manifest
post-processing, which also leaves Django's own ``staticfiles.json`` for the peer. From its
report comes the static cache as a build records it (objects of the compressible types stored
gzip-compressed) and, beside it, the dyno's form the build's install step writes; the runtime is
laid out as the slug ships it, compiled with hash-based ``.pyc`` files. The tree and its collect
are made once per folder (``--app DIR`` keeps them between runs); the rest is made from this
checkout's code at every run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tree as generator
from common import DJANGO_SECRET, PREFIX, ROOT

from django_s3_static.buildpack import bytecode, install
from django_s3_static.format import dyno_form, static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.s3.content_types import compressible

BUCKET = "bench-bucket"
#: A stylesheet in the middle of the tree: the name the first ``{% static %}`` asks for.
NAME = "css/s012/style01234.css"


@dataclass(frozen=True)
class DynoApp:
    folder: Path
    collected: Path  # STATIC_ROOT with Django's staticfiles.json
    with_form: Path  # the static cache and the dyno's form beside it, as in the slug
    cache_only: Path  # the same static cache alone, as a dyno without the form reads it
    runtime: Path  # the package as the slug ships it

    @property
    def cache_bytes(self) -> int:
        return (self.with_form / static_cache.FILE_NAME).stat().st_size

    def form_bytes(self, name: str) -> int:
        path = self.with_form / name
        return path.stat().st_size if path.exists() else 0


def dyno_app(folder: Path, seed: int = 1) -> DynoApp:
    """The app under ``folder``, made there first if it is not."""
    app = DynoApp(
        folder,
        folder / "collected",
        folder / "slug_static_cache",
        folder / "static_cache_only",
        folder / "runtime",
    )
    result = folder / "collect.json"
    if result.exists() and (app.collected / "staticfiles.json").exists():
        report = json.loads(result.read_text(encoding="utf-8"))
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        made = generator.generate(folder / "project", seed=seed)
        report = _collect(made, result, app.collected)
    for made_before in (app.with_form, app.cache_only, app.runtime):
        shutil.rmtree(made_before, ignore_errors=True)
    cache = _static_cache(report)
    static_cache.write(cache, str(app.cache_only))
    cache_file = static_cache.write(cache, str(app.with_form))
    dyno_form.write(cache, cache_file)
    install.copy_runtime(str(app.runtime / "django_s3_static"))
    bytecode.compile_tree(str(app.runtime))
    return app


def _collect(made: generator.Tree, result: Path, collected: Path) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": DJANGO_SECRET,
        "DJANGO_SETTINGS_MODULE": made.settings,
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_LOCATION": PREFIX,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "lib"), str(made.root)]),
    }
    command = [sys.executable, "-m", "django_s3_static.collect.collect", "--result", str(result)]
    command += ["--collect-to", str(collected)]
    subprocess.run(command, cwd=made.root, env=env, check=True, stdout=subprocess.DEVNULL)
    return json.loads(result.read_text(encoding="utf-8"))


def _static_cache(report: dict) -> StaticCache:
    collected = report["collected"]
    objects = {
        name: StaticObject(**{**obj, **({"encoding": "gzip"} if compressible(name) else {})})
        for name, obj in collected["objects"].items()
    }
    return StaticCache(
        fingerprint=report["fingerprint"],
        bucket=BUCKET,
        prefix=PREFIX,
        endpoint="",
        paths=collected["paths"],
        objects=objects,
        finders=report.get("finders"),
        built_with=report.get("context"),
        incremental=collected.get("incremental"),
    )
