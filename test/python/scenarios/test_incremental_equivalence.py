"""The incremental collect is byte-identical to a full collectstatic: randomized, many seeds.

Each seed writes a random tree (``support.random_tree``), publishes it with a full collect, then
edits it four times (edit, add, delete, rename; images referred to by stylesheet chains;
stylesheets importing stylesheets, sometimes in a cycle or a chain deeper than Django's passes
settle; a source map; references to missing files, kept by the tolerant default, and the files
added later; with django-pipeline, package members, a package's glob, a compiled SCSS partial;
with an app storage class that turns on Django's JavaScript module import rewriting, scripts
importing, re-exporting and dynamically importing one another).
After each edit the build's own app-side code collects incrementally from the last cache (with
its finders record, as a build does: without the app registry unless django-pipeline needs it) and
in full, and the two must agree on the manifest, every object's size and MD5, the bytes of every
file the incremental collect wrote, the missing references and the incremental record the next
build reads. Where the tree has no missing reference, the full collect is also compared with
Django's own ``collectstatic`` and ``ManifestStaticFilesStorage`` (or the app's subclass),
nothing of this project in between. The incremental collect may decline (it says why); it must
never give another answer.
It runs on Django 5.2 and 6.1 (whose post-processing skips references in comments and strings).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from support.dyno import ROOT
from support.random_tree import MODULE_STORAGE_SOURCE, settings_text

SEEDS = {
    ("plain", "5.2"): 40,
    ("pipeline", "5.2"): 16,
    ("modules", "5.2"): 16,
    ("plain", "6.1"): 16,
    ("pipeline", "6.1"): 8,
    ("modules", "6.1"): 8,
}
ROUNDS = 4


@pytest.mark.parametrize("kind, django", list(SEEDS))
def test_incremental_collect_equals_the_full_collect(kind, django, tmp_path, request):
    python = sys.executable
    if django == "6.1":
        python = os.path.join(request.getfixturevalue("django61_python_home"), "bin", "python")
    seeds = SEEDS[kind, django]
    project = tmp_path / "project"
    (project / "proj").mkdir(parents=True)
    (project / "proj" / "__init__.py").write_text("")
    assets = str(project / "assets")
    (project / "proj" / "settings.py").write_text(
        settings_text(assets, kind == "pipeline", kind == "modules")
    )
    (project / "proj" / "storage.py").write_text(MODULE_STORAGE_SOURCE)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))},
        "PYTHONPATH": os.pathsep.join(
            [os.path.join(ROOT, "lib"), os.path.join(ROOT, "test", "python"), str(project)]
        ),
        "DJANGO_SETTINGS_MODULE": "proj.settings",
        "RANDOM_TREE_ROOT": assets,
    }
    result = tmp_path / "result.json"
    command = [python, "-m", "support.incremental_worker", str(result), "1"]
    command += [str(seeds), str(ROUNDS)] + ([f"--{kind}"] if kind != "plain" else [])
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=840
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(result.read_text())

    crashes = [row["crash"] for row in rows if "crash" in row]
    assert not crashes, crashes[0]
    wrong = [row for row in rows if row.get("differences")]
    assert not wrong, json.dumps(wrong[:3], indent=1)
    # Where the full collect fails (a cycle Django cannot settle), the incremental one declined.
    failed = [row for row in rows if "full_failed" in row]
    assert not [row for row in failed if row["incremental"]], failed

    incremental = [row for row in rows if "reached" in row]
    declined = Counter(row["refused"].split(" (")[0][:60] for row in rows if "refused" in row)
    assert len(incremental) >= 0.8 * len(rows), declined
    assert sum(row["reached"] for row in incremental) > len(incremental)  # chains were reached
    # Without django-pipeline, the finders record lets every change be collected without the app
    # registry, as a build does; django-pipeline's packages need it.
    without_setup = [row["without_setup"] for row in incremental]
    assert all(without_setup) if kind != "pipeline" else not any(without_setup)
    if kind != "pipeline":
        compared = [row["django"] for row in rows if "django" in row]
        assert len(compared) >= seeds and all(compared)
    print(
        f"{kind}, Django {django}: {seeds} seeds, {len(rows)} edited trees: "
        f"{len(incremental)} collected incrementally and identical, declined {dict(declined)}, "
        "full collect failed "
        f"{len(failed)} (declined too)"
    )
