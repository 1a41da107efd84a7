"""A change collected with the finders record, without Django's registry, is as with it."""

from __future__ import annotations

import pytest

from django_s3_static.format import static_cache
from support import finders_project
from support.finders_project import (
    MUTATIONS,
    append,
    incremental_both_ways,
    published_cache,
    run_child,
    settings_text,
    write,
)

project = finders_project.project


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
    append(project / "shop" / "static" / "shop" / "site.css", " ")
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
    append(project / "assets" / "extra.css", " ")
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
    append(project / "shop" / "static" / "shop" / "site.css", " ")
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
    append(project / "shop" / "static" / "shop" / "site.css", " ")
    recorded, registry = incremental_both_ways(project, cache_file)
    assert recorded.get("setup") is not False
    assert "collected" in recorded["incremental"], recorded["incremental"]
    assert recorded["incremental"] == registry["incremental"]
