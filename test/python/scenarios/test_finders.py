"""The sources checked with the settings alone: the same fingerprint as Django's, or no answer."""

from __future__ import annotations

import os

import pytest

from support import finders_project
from support.finders_project import APPS, MUTATIONS, published, run_child, settings_text, write

project = finders_project.project


def test_unchanged_sources_are_checked_with_the_settings_alone(project):
    full = run_child(project)
    expect = {"fingerprint": full["fingerprint"], "finders": full["finders"]}
    report = run_child(project, expect)
    assert report["settings_only"] is True
    assert report["fingerprint"] == expect["fingerprint"]
    assert report["sources"] == full["sources"] > 100  # the admin's files and the project's 6
    assert "finders" not in report  # nothing imported that could record it


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


def test_a_link_out_of_the_static_folder_fails_on_both_paths(project, tmp_path):
    expect = published(project)
    os.symlink("/etc/hostname", project / "assets" / "leak.txt")
    for report in (run_child(project, expect), run_child(project)):
        assert "cannot be published" in report.get("error", ""), report
        assert "leak.txt: a link to" in report["error"]
