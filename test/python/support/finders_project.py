"""A small Django project per test, with apps of each kind, and the collect child run on it
(``django_s3_static.collect.collect``): with the full start-up, or with an earlier finders record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from django_s3_static.collect import finders
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache
from support.dyno import ROOT
from support.published import cache_from_report

LIB = os.path.join(ROOT, "lib")
DEFAULT_FINDERS = [finders.FILE_SYSTEM_FINDER, finders.APP_DIRECTORIES_FINDER]
APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "shop.apps.ShopConfig",  # an AppConfig's path, as the Django tutorial writes it
    "blog",  # a module whose apps.py holds the default AppConfig
    "news",  # a module without apps.py, and no static folder
]


def write(path, text: str | bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as handle:
        handle.write(text)


def settings_text(apps=APPS, dirs=None, finders_setting=None, extra: str = "") -> str:
    dirs = dirs if dirs is not None else ["assets", ("vendor", "vendor")]
    lines = [
        "import os",
        "BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
        "SECRET_KEY = 'test-only'",
        f"INSTALLED_APPS = {apps!r}",
        "STATIC_URL = 'static/'",
        "DATABASES = {}",
        "STATICFILES_DIRS = [",
        *(
            f"    ({d[0]!r}, os.path.join(BASE, {d[1]!r})),"
            if isinstance(d, tuple)
            else f"    os.path.join(BASE, {d!r}),"
            for d in dirs
        ),
        "]",
    ]
    if finders_setting is not None:
        lines.append(f"STATICFILES_FINDERS = {finders_setting!r}")
    return "\n".join(lines) + "\n" + extra


def write_app(root, name: str, files: dict[str, str]) -> None:
    """A local app package with an apps.py AppConfig and its static files."""
    write(root / name / "__init__.py", "")
    write(
        root / name / "apps.py",
        "from django.apps import AppConfig\n\n\n"
        f"class {name.title()}Config(AppConfig):\n    name = '{name}'\n",
    )
    for path, text in files.items():
        write(root / name / "static" / path, text)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    write(root / "proj" / "__init__.py", "")
    write(root / "proj" / "settings.py", settings_text())
    write_app(
        root, "shop", {"shop/site.css": "body { color: red }\n", "common/same.css": "/* shop */\n"}
    )
    write_app(
        root, "blog", {"blog/b.js": "console.log('blog')\n", "common/same.css": "/* blog */\n"}
    )
    write(root / "news" / "__init__.py", "")
    write(root / "assets" / "extra.css", "h1 { margin: 0 }\n")
    write(root / "vendor" / "lib.js", "var lib = 1;\n")
    return root


def run_child(project, expect: dict | None = None, *options: str) -> dict:
    result = project.parent / f"result-{len(os.listdir(project.parent))}.json"
    command = [sys.executable, "-m", "django_s3_static.collect.collect", "--result", str(result)]
    if expect is not None:  # the committed cache the build hands the child
        committed = StaticCache(expect["fingerprint"], "bucket", "", finders=expect["finders"])
        command += ["--committed", static_cache.write(committed, str(project.parent / "cache"))]
    command += options
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PYTHONPATH=os.pathsep.join([LIB, str(project)]))
    env["DJANGO_SETTINGS_MODULE"] = "proj.settings"
    process = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    if process.returncode != 0:
        return {"error": process.stdout + process.stderr}
    return json.loads(result.read_text())


def published_cache(project) -> str:
    """A publish with its full collect, and the committed cache it writes where the build reads
    it (``static_cache/manifest.json``); that file's path."""
    report = run_child(project, None, "--collect-to", str(project.parent / "collected"))
    assert "error" not in report, report
    return static_cache.write(cache_from_report(report), str(project / "static_cache"))


def incremental_both_ways(project, cache_file: str) -> tuple[dict, dict]:
    """The build's inspection with an incremental collect: handed the committed cache's finders
    record, as a build is (the registry unasked where it allows), and with django.setup()."""
    recorded = run_child(
        project, None, "--committed", cache_file, "--incremental-to", str(project.parent / "a")
    )
    registry = run_child(project, None, "--incremental-to", str(project.parent / "b"))
    assert "error" not in recorded and "error" not in registry, (recorded, registry)
    return recorded, registry


def published(project) -> dict:
    """What a publish records: the full start-up's fingerprint and finders record."""
    report = run_child(project)
    assert "error" not in report, report
    return {"fingerprint": report["fingerprint"], "finders": report["finders"]}


def append(path, text):
    with open(path, "a") as handle:
        handle.write(text)


MUTATIONS = {
    # name: (change, settings-only answer expected, fingerprint changes)
    "one byte of an app's static file": (
        lambda p: append(p / "shop" / "static" / "shop" / "site.css", " "),
        False,
        True,
    ),
    "a file added to STATICFILES_DIRS": (
        lambda p: write(p / "assets" / "new.css", "a{}"),
        False,
        True,
    ),
    "a static folder added to an app that had none": (
        lambda p: write(p / "news" / "static" / "news" / "n.css", "n{}"),
        False,
        True,
    ),
    "a file the ignore patterns skip": (
        lambda p: write(p / "shop" / "static" / "shop" / "site.css~", "backup"),
        True,
        False,
    ),
    "a comment in an apps.py": (
        lambda p: append(p / "blog" / "apps.py", "# a comment\n"),
        False,
        False,
    ),
    "an AppConfig that moves the app's path": (
        lambda p: (
            write(p / "elsewhere" / "static" / "shop" / "site.css", "body { color: blue }\n"),
            append(
                p / "shop" / "apps.py",
                "    path = __import__('os').path.join("
                "__import__('os').path.dirname(__file__), '..', 'elsewhere')\n",
            ),
        ),
        False,
        True,
    ),
    "an apps.py added to an app recorded without one, moving its path": (
        lambda p: (
            write(p / "newsroom" / "static" / "news" / "n.css", "n{}"),
            write(
                p / "news" / "apps.py",
                "import os\nfrom django.apps import AppConfig\n\n\n"
                "class NewsConfig(AppConfig):\n    name = 'news'\n"
                "    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'newsroom')\n",
            ),
        ),
        False,
        True,
    ),
    "an apps.py added to an app recorded without one, keeping its path": (
        lambda p: write(
            p / "news" / "apps.py",
            "from django.apps import AppConfig\n\n\n"
            "class NewsConfig(AppConfig):\n    name = 'news'\n",
        ),
        False,
        False,
    ),
    "an apps package added to an app recorded without one": (
        lambda p: (
            write(p / "newsroom" / "static" / "news" / "n.css", "n{}"),
            write(
                p / "news" / "apps" / "__init__.py",
                "import os\nfrom django.apps import AppConfig\n\n\n"
                "class NewsConfig(AppConfig):\n    name = 'news'\n"
                "    path = os.path.join(os.path.dirname(__file__), '..', '..', 'newsroom')\n",
            ),
        ),
        False,
        True,
    ),
    "INSTALLED_APPS reordered (the first of two same-named files wins)": (
        lambda p: write(
            p / "proj" / "settings.py",
            settings_text(apps=[*APPS[:4], "blog", "shop.apps.ShopConfig", "news"]),
        ),
        False,
        True,
    ),
    "an app added to INSTALLED_APPS": (
        lambda p: write(
            p / "proj" / "settings.py",
            settings_text(apps=[*APPS, "django.contrib.sessions"]),
        ),
        False,
        False,
    ),
    "a STATICFILES_DIRS prefix renamed": (
        lambda p: write(
            p / "proj" / "settings.py", settings_text(dirs=["assets", ("lib", "vendor")])
        ),
        False,
        True,
    ),
    "a finder of the app's own": (
        lambda p: (
            write(
                p / "proj" / "finders.py",
                "from django.contrib.staticfiles.finders import FileSystemFinder\n\n\n"
                "class MyFinder(FileSystemFinder):\n    pass\n",
            ),
            write(
                p / "proj" / "settings.py",
                settings_text(finders_setting=["proj.finders.MyFinder", *DEFAULT_FINDERS]),
            ),
        ),
        False,
        False,
    ),
}
