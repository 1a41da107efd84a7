"""Whether the app's templates render integrity, looked for where Django's loaders look
(``collect.template_tags``), and what the CORS check makes of it (``publish.cors.readers``)."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from django_s3_static.collect import template_tags
from django_s3_static.config import Config
from django_s3_static.publish import cors

DJANGO = template_tags.DJANGO_BACKEND
PAGE = "{% load static %}<link href=\"{% static 'css/site.css' %}\">\n"
TAGGED = "{% load s3_static %}{% static_stylesheet 'css/site.css' %}\n"


def write(path, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def settings(*backends: dict) -> SimpleNamespace:
    return SimpleNamespace(TEMPLATES=list(backends))


def test_the_names_looked_for_are_the_librarys_integrity_tags():
    from django_s3_static.templatetags import s3_static

    assert set(template_tags.TAGS) == set(s3_static.register.tags)


@pytest.mark.parametrize(
    "text, used",
    [
        (PAGE, False),
        (TAGGED, True),
        ("{%static_script 'js/app.js' defer=True%}", True),
        ("{% static_integrity 'js/app.js' as digest %}", True),
        ("<p>static_script is a tag of django-s3-static</p>", False),
        ("{% static_scripts 'x' %}", False),
    ],
)
def test_a_tag_counts_inside_a_block_only(text, used):
    assert template_tags.uses_tags(text) is used


def test_the_project_and_app_folders_of_the_default_loaders(tmp_path):
    write(tmp_path / "templates" / "base.html", PAGE)
    write(tmp_path / "shop" / "templates" / "shop" / "index.html", TAGGED)
    project = {"BACKEND": DJANGO, "DIRS": [tmp_path / "templates"]}
    apps = [str(tmp_path / "shop")]
    assert template_tags.uses_integrity(settings(project), apps) is False
    with_apps = {**project, "APP_DIRS": True}
    assert template_tags.uses_integrity(settings(with_apps), apps) is True


def test_the_loaders_option_is_followed_through_the_cached_loader(tmp_path):
    write(tmp_path / "elsewhere" / "page.html", TAGGED)
    loaders = [
        (
            template_tags.CACHED,
            [(template_tags.FILESYSTEM, [str(tmp_path / "elsewhere")])],
        )
    ]
    backend = {"BACKEND": DJANGO, "DIRS": [], "OPTIONS": {"loaders": loaders}}
    assert template_tags.uses_integrity(settings(backend), []) is True
    inline = [(template_tags.LOCMEM, {"index.html": TAGGED})]
    backend = {"BACKEND": DJANGO, "OPTIONS": {"loaders": inline}}
    assert template_tags.uses_integrity(settings(backend), []) is True


def test_an_unknown_loader_cannot_tell_and_jinja2_cannot_use_the_tags(tmp_path):
    write(tmp_path / "jinja" / "page.html", TAGGED)
    database = {"BACKEND": DJANGO, "OPTIONS": {"loaders": ["dbtemplates.loader.Loader"]}}
    assert template_tags.uses_integrity(settings(database), []) is None
    malformed = {"BACKEND": DJANGO, "DIRS": [None], "OPTIONS": {"loaders": [(None,)]}}
    assert template_tags.uses_integrity(settings(malformed), []) is None
    jinja = {"BACKEND": "django.template.backends.jinja2.Jinja2", "DIRS": [tmp_path / "jinja"]}
    assert template_tags.uses_integrity(settings(jinja), []) is False


def test_scripts_and_stylesheets_need_cors_only_when_rendered_with_integrity():
    on = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    pipeline = Config.from_values(
        {"AWS_STORAGE_BUCKET_NAME": "bucket", "DJANGO_S3_STATIC_PIPELINE_INTEGRITY": "on"}
    )
    off = Config.from_values(
        {"AWS_STORAGE_BUCKET_NAME": "bucket", "DJANGO_S3_STATIC_INTEGRITY": "off"}
    )
    names = ["css/site.css", "js/app.js"]
    assert cors.readers(names, on, tags_used=False) is None
    assert cors.readers(names, on, tags_used=True) == cors.SCRIPTS
    assert cors.readers(names, on, tags_used=None) == cors.SCRIPTS  # could not tell
    assert cors.readers(names, pipeline, tags_used=False) == cors.SCRIPTS
    assert cors.readers(names, off, tags_used=True) is None
    assert cors.readers([*names, "fonts/a.woff2"], on, tags_used=False) == cors.FONTS
