"""A committed static cache whose manifest was edited (or merged by hand) is not trusted.

The fingerprint comes from the same file as the manifest, so an edit of ``paths`` alone leaves it
matching the sources: build v1, build v2 with a fixed ``js/app.js``, then point ``js/app.js``
back at v1's object in ``manifest.json``. The build's fast path, ``bin/test-compile`` and
``verify_static`` check each hashed name against its source instead: a file named after its
content (``js/app.js``), and one post-processing rewrote (``css/site.css``, whose ``@import``
names ``base.css``'s hashed copy), computed again. And on random trees (stylesheet chains,
source maps, missing references, django-pipeline, JavaScript modules), every name a publish
writes passes that check: the fast path stays the fast path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import deploy_config
from support.checkout import command_env, manage
from support.dyno import ROOT, Slug
from support.random_tree import MODULE_STORAGE_SOURCE, settings_text

CACHE = os.path.join("static_cache", "manifest.json")


def with_our_app(slug: Slug) -> Slug:
    """django_s3_static in INSTALLED_APPS, as in a checkout that runs verify_static."""
    with open(os.path.join(slug.build_dir, "exampleapp", "settings.py"), "a") as handle:
        handle.write('\nINSTALLED_APPS = [*INSTALLED_APPS, "django_s3_static"]\n')
    return slug


def fix(app: str) -> None:
    """Version 2: a fixed script, and a stylesheet that site.css imports."""
    static = os.path.join(app, "exampleapp", "static")
    with open(os.path.join(static, "js", "app.js"), "a") as handle:
        handle.write("\n// v2: the fix\n")
    with open(os.path.join(static, "css", "base.css"), "a") as handle:
        handle.write("\n.v2 { color: #333; }\n")


def read(slug: Slug) -> dict:
    with open(os.path.join(slug.build_dir, CACHE)) as handle:
        return json.load(handle)


def point_back(document: dict, old: dict, *names: str) -> dict:
    """Only the manifest edited: each name back to the older build's object."""
    for name in names:
        hashed = old["paths"][name]
        document["paths"][name] = hashed
        document["objects"][hashed] = old["objects"][hashed]
    return document


def test_a_manifest_pointing_back_at_old_objects_is_not_trusted(make_slug, s3server, bucket):
    slug = with_our_app(make_slug())
    slug.set_config(**deploy_config(s3server, bucket))
    assert slug.compile().returncode == 0
    v1 = read(slug)
    fix(slug.build_dir)
    built = slug.compile()
    assert built.returncode == 0, built.output
    v2 = read(slug)
    assert v2["paths"]["js/app.js"] != v1["paths"]["js/app.js"]
    assert v2["paths"]["css/site.css"] != v1["paths"]["css/site.css"]
    edited = point_back(json.loads(json.dumps(v2)), v1, "js/app.js", "css/site.css")
    with open(os.path.join(slug.build_dir, CACHE), "w") as handle:
        json.dump(edited, handle, indent=1, sort_keys=True)
    said = (
        "untrusted: 2 hashed names not of today's sources ("
        f"css/site.css is recorded as {v1['paths']['css/site.css']}, but post-processing it "
        f"gives {v2['paths']['css/site.css']}; "
        f"js/app.js is recorded as {v1['paths']['js/app.js']}, but its content gives "
        f"{v2['paths']['js/app.js']}): the static cache was edited, or merged by hand"
    )

    # Heroku CI: the same tree and cache, no S3: an error, not a stale-cache warning.
    ci = make_slug()
    with_our_app(ci)
    fix(ci.build_dir)
    shutil.copytree(
        os.path.join(slug.build_dir, "static_cache"), os.path.join(ci.build_dir, "static_cache")
    )
    ci.set_config(SECRET_KEY="ci-only-secret-key")
    tested = ci.script("test-compile", ci.build_dir, ci.cache_dir, ci.env_dir)
    assert tested.returncode == 1, tested.output
    assert "Static cache fresh" not in tested.stdout
    assert " !     Error: The committed static cache static_cache/manifest.json cannot be " in (
        tested.stdout
    )
    assert said.removeprefix("untrusted: ") in tested.stdout

    python = os.path.join(ci.build_dir, ".heroku", "python", "bin", "python")
    env = command_env(deploy_config(s3server, bucket))
    verified = manage(ci.build_dir, env, "verify_static", "--sources-only", python=python)
    assert verified.returncode == 1, verified.stdout
    assert f"{CACHE} cannot be trusted:\n  - {said}" in verified.stderr

    # The deploy collects (the fast path would serve v1's script) and writes the true names.
    rebuilt = slug.compile()
    assert rebuilt.returncode == 0, rebuilt.output
    assert "Static files unchanged" not in rebuilt.stdout
    assert f"Collecting: {said}" in rebuilt.stdout
    assert read(slug)["paths"] == v2["paths"]


#: Seeds of random trees whose published names the fast path's check must all accept.
SEEDS = {("plain", "5.2"): 8, ("pipeline", "5.2"): 4, ("modules", "5.2"): 4, ("plain", "6.1"): 4}


@pytest.mark.parametrize("kind, django", list(SEEDS))
def test_every_name_a_publish_writes_is_tied_to_its_source(kind, django, tmp_path, request):
    python = sys.executable
    if django == "6.1":
        python = os.path.join(request.getfixturevalue("django61_python_home"), "bin", "python")
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
    command += [str(SEEDS[kind, django]), "3", "--names"]
    command += [f"--{kind}"] if kind != "plain" else []
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(result.read_text())
    assert not [row["crash"] for row in rows if "crash" in row]
    checked = [row for row in rows if "untied" in row]
    assert len(checked) >= 0.8 * len(rows)
    assert all(row["untied"] == [] for row in checked), [r for r in checked if r["untied"]][:3]
    assert sum(row["rewritten"] for row in checked) > len(checked)  # post-processed files too
