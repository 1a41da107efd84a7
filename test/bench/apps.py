"""The trees benchmarked: the example app, a real Wagtail + DRF + admin app, and the generated
10,000-file project (tree.py)."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import common  # noqa: F401 - test/python on sys.path
import django
import tree as generator

from support.dyno import FIXTURES
from support.heroku_python import AppPython, app_python


@dataclass
class App:
    """A tree to benchmark: the app's source folder (copied into every slug) and what to edit."""

    label: str
    source: Path
    settings: str
    static_dir: Path  # the STATICFILES_DIRS folder the collected copy is made from
    changed_css: str  # relative to source: the stylesheet case (c) edits
    description: str
    shared_png: str | None = None  # relative to source: an image 10 stylesheets refer to
    many: list[str] = field(default_factory=list)  # relative to source: 100 files to edit
    #: The other folders the finders list sources from (installed apps' static folders).
    other_sources: list[Path] = field(default_factory=list)
    #: The app's own Python as heroku/python builds it (None: the project's venv).
    python: AppPython | None = None
    #: Config vars this app sets on every slug (its settings module, ...).
    config: dict[str, str] = field(default_factory=dict)


def example_app() -> App:
    source = Path(FIXTURES) / "example_app"
    return App(
        "example app",
        source,
        "exampleapp.settings",
        source / "exampleapp" / "static",
        "exampleapp/static/css/site.css",  # nothing @imports it: the edit changes 2 objects
        "test/fixtures/example_app (django.contrib.admin + the app's own static files)",
        other_sources=[Path(django.__file__).parent / "contrib" / "admin" / "static"],
    )


def real_app() -> App:
    """``test/fixtures/wagtail_app``: the project ``wagtail start`` generates, with Django REST
    framework added, built with its own uv.lock into heroku/python's Python (``app_python``).

    Its settings module is the template's production one, as a deployed app sets it; the
    finders' folders (the floor row reads them) are asked of Django in that Python.
    """
    source = Path(FIXTURES) / "wagtail_app"
    settings = "mysite.settings.production"
    python = app_python("wagtail_app")
    return App(
        "real app",
        source,
        settings,
        source / "mysite" / "static",
        "mysite/static/css/mysite.css",  # the project's stylesheet: its base.html links it
        "test/fixtures/wagtail_app (`wagtail start mysite` with Wagtail "
        f"{_version(python, 'wagtail')}, Django REST framework and django.contrib.admin; "
        "its uv.lock installed as heroku/python does)",
        other_sources=_finder_folders(python, source, settings, source / "mysite" / "static"),
        python=python,
        config={"DJANGO_SETTINGS_MODULE": settings},
    )


#: The folders the app's static finders list, printed as JSON by the app's own Python.
FINDER_FOLDERS = """
import json, django
django.setup()
from django.contrib.staticfiles.finders import get_finders
print(json.dumps(sorted({
    storage.location for finder in get_finders() for storage in finder.storages.values()
})))
"""


def _finder_folders(python: AppPython, source: Path, settings: str, own: Path) -> list[Path]:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [python.python, "-c", FINDER_FOLDERS], env=env, cwd=source, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"listing {source}'s static folders failed:\n{done.stderr}")
    return [Path(folder) for folder in json.loads(done.stdout) if Path(folder) != own]


def _version(python: AppPython, package: str) -> str:
    probe = f"import importlib.metadata as m; print(m.version({package!r}))"
    done = subprocess.run([python.python, "-c", probe], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def generated_app(work: Path, seed: int) -> App:
    started = time.monotonic()
    made = generator.generate(work / "generated", seed=seed)
    return App(
        "10,000-file project",
        made.root,
        made.settings,
        made.static_dir,
        made.changed_css,
        f"test/bench/tree.py --seed {seed}: {made.sources} sources "
        f"({made.source_bytes / 1e6:.1f} MB; 5,001 PNGs, 2,500 CSS with url()s, 2,500 JS), "
        f"generated in {time.monotonic() - started:.1f} s",
        shared_png=made.shared_png,
        many=made.many,
    )
