"""Checking the sources with the settings alone: the finders record, and that it never disagrees
with Django's own finders.

The child process (``django_s3_static.collect.collect``) runs on a small project made for each test,
once with the full ``django.setup()`` and once with the record of an earlier run. Whatever was
changed in between, the settings-only answer is either the same fingerprint as the full start-up
gives, or no answer (and the full start-up decides).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from django_s3_static.collect import finders
from django_s3_static.format import finders_record, static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support.dyno import ROOT
from support.finders_record import valid_record
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


def test_the_record_names_each_app_and_the_file_defining_its_appconfig(project):
    recorded = published(project)["finders"]
    assert recorded["installed_apps"] == APPS
    assert recorded["staticfiles_finders"] == DEFAULT_FINDERS
    assert recorded["ignore_patterns"] == sorted(["CVS", ".*", "*~"])
    by_name = {app["name"]: app for app in recorded["apps"]}
    assert [app["name"] for app in recorded["apps"]] == [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.staticfiles",
        "shop",
        "blog",
        "news",
    ]
    assert by_name["shop"]["config"] == "shop.apps"
    assert by_name["blog"]["config"] == "blog.apps"
    assert by_name["news"]["config"] == "django.apps.config"
    shop_apps = (project / "shop" / "apps.py").read_bytes()
    import hashlib

    assert by_name["shop"]["sha256"] == hashlib.sha256(shop_apps).hexdigest()
    assert recorded["setup_keeps_settings"] is True  # no app's ready() changed a static setting
    assert finders_record.check(recorded) == recorded


def test_unchanged_sources_are_checked_with_the_settings_alone(project):
    full = run_child(project)
    expect = {"fingerprint": full["fingerprint"], "finders": full["finders"]}
    report = run_child(project, expect)
    assert report["settings_only"] is True
    assert report["fingerprint"] == expect["fingerprint"]
    assert report["sources"] == full["sources"] > 100  # the admin's files and the project's 6
    assert "finders" not in report  # nothing imported that could record it


def _append(path, text):
    with open(path, "a") as handle:
        handle.write(text)


MUTATIONS = {
    # name: (change, settings-only answer expected, fingerprint changes)
    "one byte of an app's static file": (
        lambda p: _append(p / "shop" / "static" / "shop" / "site.css", " "),
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
        lambda p: _append(p / "blog" / "apps.py", "# a comment\n"),
        False,
        False,
    ),
    "an AppConfig that moves the app's path": (
        lambda p: (
            write(p / "elsewhere" / "static" / "shop" / "site.css", "body { color: blue }\n"),
            _append(
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


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_settings_only_answer_never_disagrees_with_django(project, name):
    change, settings_only, changes = MUTATIONS[name]
    expect = published(project)
    change(project)
    quick = run_child(project, expect)
    full = run_child(project)
    assert "error" not in quick and "error" not in full, (quick, full)
    assert quick["fingerprint"] == full["fingerprint"]
    assert bool(quick.get("settings_only")) is settings_only
    assert (full["fingerprint"] != expect["fingerprint"]) is changes


#: The mutations after which the record still holds but the fingerprint changed: the change is
#: collected from the recorded folders, without django.setup().
COLLECTED_WITHOUT_SETUP = {
    "one byte of an app's static file",
    "a file added to STATICFILES_DIRS",
    "a static folder added to an app that had none",
    "a STATICFILES_DIRS prefix renamed",
}


@pytest.mark.parametrize("name", [name for name, change in MUTATIONS.items() if change[2]])
def test_a_change_collected_without_the_registry_is_collected_as_with_it(project, name):
    """Each change of the sources (the others collect nothing, either way)."""
    change = MUTATIONS[name][0]
    cache_file = published_cache(project)
    change(project)
    recorded, registry = incremental_both_ways(project, cache_file)
    assert (recorded.get("setup") is False) is (name in COLLECTED_WITHOUT_SETUP)
    assert recorded["fingerprint"] == registry["fingerprint"]
    assert recorded.get("incremental") == registry.get("incremental")
    if name in COLLECTED_WITHOUT_SETUP:
        assert "collected" in recorded["incremental"], recorded["incremental"]
        assert recorded["finders"] == registry["finders"]  # what the new cache keeps


def test_a_change_collected_without_the_registry_imports_no_app(project, tmp_path):
    log = tmp_path / "imports.log"
    write(project / "shop" / "models.py", f"open({str(log)!r}, 'a').write('shop.models\\n')\n")
    cache_file = published_cache(project)
    assert log.read_text() == "shop.models\n"  # the publish started Django
    log.unlink()
    _append(project / "shop" / "static" / "shop" / "site.css", " ")
    recorded = run_child(
        project, None, "--committed", cache_file, "--incremental-to", str(project.parent / "a")
    )
    assert recorded.get("setup") is False and "collected" in recorded["incremental"], recorded
    assert not log.exists()


@pytest.mark.parametrize("static_url", ["static/", "/static/"])
def test_a_script_prefix_is_applied_as_django_setup_applies_it(project, static_url):
    """With FORCE_SCRIPT_NAME, Django reads a relative STATIC_URL (and MEDIA_URL) under the
    prefix once django.setup() has set it; without the registry, the build gives them the same
    prefix, and the change is collected as with it."""
    text = settings_text(extra="FORCE_SCRIPT_NAME = '/shop'\nMEDIA_URL = 'media/'\n")
    write(project / "proj" / "settings.py", text.replace("'static/'", repr(static_url)))
    write(
        project / "assets" / "abs.css",
        ".a { background: url('/shop/static/extra.css'); }\n"
        ".b { background: url('/static/extra.css'); }\n",
    )
    cache_file = published_cache(project)
    _append(project / "assets" / "extra.css", " ")
    recorded, registry = incremental_both_ways(project, cache_file)
    assert recorded.get("setup") is False
    assert "collected" in recorded["incremental"], recorded["incremental"]
    assert recorded["incremental"] == registry["incremental"]


def test_a_folder_an_app_adds_when_ready_is_collected_with_the_registry(project):
    """An app's ready() appends a folder to STATICFILES_DIRS: the settings alone do not list it.
    The record says setup changed the static settings, so a change is collected after
    django.setup(), and the folder's files are not taken for removed sources."""
    write(
        project / "shop" / "apps.py",
        "import os\nfrom django.apps import AppConfig\nfrom django.conf import settings\n\n\n"
        "class ShopConfig(AppConfig):\n    name = 'shop'\n\n    def ready(self):\n"
        "        plugins = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'plugins')\n"
        "        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, plugins]\n",
    )
    write(project / "plugins" / "plugin.css", ".plugin { color: green }\n")
    cache_file = published_cache(project)
    recorded_section = static_cache.load_sources_record(cache_file)[1]
    assert recorded_section is not None and "setup_keeps_settings" not in recorded_section
    _append(project / "shop" / "static" / "shop" / "site.css", " ")
    recorded, registry = incremental_both_ways(project, cache_file)
    assert recorded.get("setup") is not False
    assert recorded["incremental"] == registry["incremental"]
    assert recorded["incremental"]["collected"]["removed"] == []  # plugin.css is still there
    assert recorded["incremental"]["changes"] == "1 changed (shop/site.css)"


def test_a_storage_class_importable_only_after_setup_is_collected_with_the_registry(project):
    """The app's storage class cannot be read from its source (an attribute set under an if)
    and its module imports a model: before django.setup() it cannot be imported, so the change
    is collected after it, incrementally, not refused."""
    write(
        project / "proj" / "storage.py",
        "from django.contrib.auth.models import User  # noqa: F401 - needs the registry\n"
        "from django.contrib.staticfiles.storage import ManifestStaticFilesStorage\n\n\n"
        "class Storage(ManifestStaticFilesStorage):\n    if True:\n"
        "        max_post_process_passes = 6\n",
    )
    storages = {"staticfiles": {"BACKEND": "proj.storage.Storage"}}
    write(project / "proj" / "settings.py", settings_text(extra=f"STORAGES = {storages!r}\n"))
    cache_file = published_cache(project)
    _append(project / "shop" / "static" / "shop" / "site.css", " ")
    recorded, registry = incremental_both_ways(project, cache_file)
    assert recorded.get("setup") is not False
    assert "collected" in recorded["incremental"], recorded["incremental"]
    assert recorded["incremental"] == registry["incremental"]


#: The staticfiles app replaced by a project's own AppConfig, whose ignore patterns come from a
#: setting: a change of that setting changes what collectstatic ignores, and neither the
#: INSTALLED_APPS nor any AppConfig file the record vouches for.
STATIC_CONFIG = """\
from django.conf import settings
from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticConfig(StaticFilesConfig):
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, *settings.STATIC_IGNORE]
"""
CUSTOM_STATIC_APPS = [
    "proj.apps.StaticConfig" if app == "django.contrib.staticfiles" else app for app in APPS
]


def ignoring(*patterns: str) -> str:
    return settings_text(apps=CUSTOM_STATIC_APPS, extra=f"STATIC_IGNORE = {list(patterns)!r}\n")


@pytest.fixture
def custom_static_project(project):
    write(project / "proj" / "apps.py", STATIC_CONFIG)
    write(project / "proj" / "settings.py", ignoring("*.scss"))
    write(project / "shop" / "static" / "shop" / "theme.scss", "$red: #f00;\n")
    return project


IGNORE_MUTATIONS = {
    # name: (change, settings-only answer expected, fingerprint changes)
    "a pattern removed: a file collectstatic skipped is collected": (
        lambda p: write(p / "proj" / "settings.py", ignoring()),
        False,
        True,
    ),
    "a pattern added, with a new file it skips": (
        lambda p: (
            write(p / "proj" / "settings.py", ignoring("*.scss", "*.map")),
            write(p / "shop" / "static" / "shop" / "site.css.map", "{}"),
        ),
        True,
        False,
    ),
}


@pytest.mark.parametrize("name", list(IGNORE_MUTATIONS))
def test_the_settings_only_answer_uses_the_ignore_patterns_collectstatic_would(
    custom_static_project, name
):
    project = custom_static_project
    change, settings_only, changes = IGNORE_MUTATIONS[name]
    expect = published(project)
    assert expect["finders"]["ignore_patterns"] == sorted(["CVS", ".*", "*~", "*.scss"])
    change(project)
    quick = run_child(project, expect)
    full = run_child(project)
    assert "error" not in quick and "error" not in full, (quick, full)
    assert quick["fingerprint"] == full["fingerprint"]
    assert bool(quick.get("settings_only")) is settings_only
    assert (full["fingerprint"] != expect["fingerprint"]) is changes


def test_the_recorded_ignore_patterns_are_not_what_the_check_uses(project):
    """The record's copy is what the publish found; the settings-only check reads the live ones
    (an edited copy changes nothing)."""
    write(project / "shop" / "static" / "shop" / "site.css~", "an editor's backup")
    expect = published(project)
    expect["finders"]["ignore_patterns"] = []
    quick = run_child(project, expect)
    assert quick.get("settings_only") is True, quick
    assert quick["fingerprint"] == expect["fingerprint"]


def test_ignore_patterns_set_when_the_app_is_ready_are_not_recorded(project):
    """Only the registry knows patterns an AppConfig sets in ready(): no record, so every
    build starts Django (and its answer is the one that counts)."""
    write(
        project / "proj" / "apps.py",
        "from django.contrib.staticfiles.apps import StaticFilesConfig\n\n\n"
        "class StaticConfig(StaticFilesConfig):\n"
        "    def ready(self):\n"
        "        super().ready()\n"
        "        self.ignore_patterns = ['CVS']  # dotfiles are published\n",
    )
    write(project / "proj" / "settings.py", settings_text(apps=CUSTOM_STATIC_APPS))
    report = run_child(project)
    assert "error" not in report, report
    assert report["finders"] is None


def test_an_apps_module_without_an_appconfig_is_not_recorded(project):
    """Django gives such an app its default AppConfig; one added to the file later could move
    the app, and the record vouches for no file of it: no record."""
    write(project / "news" / "apps.py", "# an AppConfig will come here\n")
    assert published(project)["finders"] is None


def test_an_app_whose_appconfig_sets_its_path_is_not_recorded(project):
    MUTATIONS["an AppConfig that moves the app's path"][0](project)
    assert published(project)["finders"] is None


def test_a_custom_finder_is_not_recorded(project):
    MUTATIONS["a finder of the app's own"][0](project)
    assert published(project)["finders"] is None


def test_a_link_out_of_the_static_folder_fails_on_both_paths(project, tmp_path):
    expect = published(project)
    os.symlink("/etc/hostname", project / "assets" / "leak.txt")
    for report in (run_child(project, expect), run_child(project)):
        assert "cannot be published" in report.get("error", ""), report
        assert "leak.txt: a link to" in report["error"]


# --- pure parts --------------------------------------------------------------------------------


def test_module_location_walks_packages_without_running_them(tmp_path, monkeypatch):
    write(tmp_path / "pkg" / "__init__.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "pkg" / "sub" / "__init__.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "pkg" / "sub" / "apps.py", "")
    write(tmp_path / "pkg" / "mod.py", "")
    write(tmp_path / "single.py", "")
    os.makedirs(tmp_path / "namespace" / "inner")
    write(tmp_path / "namespace" / "inner" / "apps.py", "")
    write(tmp_path / "pkg" / "fast.py", "")
    write(tmp_path / "pkg" / "fast.cpython-313-x86_64-linux-gnu.so", b"\x7fELF")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert finders.module_location("pkg") == (str(tmp_path / "pkg" / "__init__.py"), True)
    assert finders.module_location("pkg.sub") == (
        str(tmp_path / "pkg" / "sub" / "__init__.py"),
        True,
    )
    assert finders.module_location("pkg.sub.apps") == (
        str(tmp_path / "pkg" / "sub" / "apps.py"),
        False,
    )
    assert finders.module_location("pkg.mod") == (str(tmp_path / "pkg" / "mod.py"), False)
    assert finders.module_location("single") == (str(tmp_path / "single.py"), False)
    assert finders.module_folder("pkg.sub") == str(tmp_path / "pkg" / "sub")
    assert finders.module_location("pkg.missing") is None
    assert finders.module_location("pkg.mod.deeper") is None
    assert finders.module_location("single.deeper") is None
    assert finders.module_location("no_such_top_level_module_x") is None
    assert finders.module_location("namespace.inner.apps") is None
    if sys.platform == "linux" and sys.implementation.cache_tag == "cpython-313":
        assert finders.module_location("pkg.fast") is None  # the extension module would win
    assert "pkg" not in sys.modules


def test_the_record_round_trips_through_the_committed_cache(tmp_path):
    cache = StaticCache(
        fingerprint="sha256:" + "0" * 64,
        bucket="b",
        prefix="static",
        paths={"a.css": "a.0123456789ab.css"},
        objects={"a.0123456789ab.css": StaticObject(3, "0" * 32)},
        finders=valid_record(),
    )
    written = static_cache.write(cache, str(tmp_path))
    with open(written, encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith('{\n "finders": {\n  "apps": [\n   {"config": "shop.apps"')
    assert static_cache.load(written) == cache
    cache.finders = None
    assert '"finders"' not in cache.to_json()
    assert static_cache.parse(json.loads(cache.to_json())) == cache


def test_a_cache_with_a_malformed_record_is_not_trusted():
    document = json.loads(
        StaticCache("sha256:" + "0" * 64, "b", "", {}, {}, valid_record()).to_json()
    )
    document["finders"]["staticfiles_finders"] = ["x.Finder"]
    with pytest.raises(static_cache.CacheError, match="unknown finder"):
        static_cache.parse(document)


@pytest.mark.parametrize(
    "argv",
    [[], ["--result"], ["--collect-to", "x"], ["--result", "r", "--verbose", "1"], ["r"]],
)
def test_the_child_refuses_a_command_line_it_does_not_know(argv):
    from django_s3_static.collect import collect

    with pytest.raises(SystemExit, match="usage: python -m django_s3_static.collect.collect"):
        collect._options(argv)


def test_the_child_reads_its_options():
    from django_s3_static.collect import collect

    assert collect._options(["--result", "r.json", "--committed", "c.json"]) == {
        "--result": "r.json",
        "--committed": "c.json",
    }


def test_real_paths_resolved_per_folder_match_realpath(tmp_path, monkeypatch):
    """The symlink check resolves each folder once; the answer is realpath's, links or not."""
    from django_s3_static.collect.sources import _Roots

    write(tmp_path / "real" / "a.css", "a")
    write(tmp_path / "real" / "sub" / "b.css", "b")
    write(tmp_path / "outside" / "secret.txt", "s")
    os.symlink(tmp_path / "real", tmp_path / "linked-folder")
    os.symlink(tmp_path / "outside" / "secret.txt", tmp_path / "real" / "leak.txt")
    os.symlink("sub/b.css", tmp_path / "real" / "relative.css")
    os.symlink(tmp_path / "nowhere", tmp_path / "real" / "dangling.css")
    monkeypatch.chdir(tmp_path)
    roots = _Roots()
    for path in [
        tmp_path / "real" / "a.css",
        tmp_path / "real" / "sub" / "b.css",
        tmp_path / "linked-folder" / "a.css",
        tmp_path / "linked-folder" / "sub" / "b.css",
        tmp_path / "real" / "leak.txt",
        tmp_path / "linked-folder" / "leak.txt",
        tmp_path / "real" / "relative.css",
        tmp_path / "real" / "dangling.css",
    ]:
        assert roots.real(str(path)) == os.path.realpath(path), path
