"""What the dyno renders: the integrity tags, django-pipeline's tags with integrity, and a name
missing from the static cache, strict and not.

Each case runs a real Django process with the dyno's settings snippet and a static cache file, as
a dyno has them (``support.dyno_pages``); the tags with integrity, also with the dyno's form of the
static cache beside it, as the build writes it into the slug.
"""

from __future__ import annotations

import os

import pytest

from django_s3_static.format import dyno_form, static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support import dyno_pages as pages

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
JS_DIGEST = "sha384-" + "J" * 64
CSS_DIGEST = "sha384-" + "C" * 64
BUNDLE_DIGEST = "sha384-" + "B" * 64
BASE = "https://bkt.s3.amazonaws.com/static/"


def write_cache(folder, form: bool = False) -> str:
    cache = StaticCache(
        fingerprint="sha256:x",
        bucket="bkt",
        prefix="static",
        paths={
            "js/app.js": "js/app.0123456789ab.js",
            "css/site.css": "css/site.0123456789ab.css",
            "img/logo.png": "img/logo.0123456789ab.png",
            "js/bundle.js": "js/bundle.0123456789ab.js",
            "css/main.css": "css/main.0123456789ab.css",
        },
        objects={
            "js/app.0123456789ab.js": StaticObject(10, MD5, "gzip", JS_DIGEST),
            "js/app.js": StaticObject(10, MD5, "gzip", JS_DIGEST),
            "css/site.0123456789ab.css": StaticObject(10, MD5, None, CSS_DIGEST),
            "img/logo.0123456789ab.png": StaticObject(10, MD5),
            "js/bundle.0123456789ab.js": StaticObject(10, MD5, "gzip", BUNDLE_DIGEST),
            "css/main.0123456789ab.css": StaticObject(10, MD5, None, None),
        },
    )
    cache_file = static_cache.write(cache, str(folder))
    if form:
        dyno_form.write(cache, cache_file)
    return cache_file


def render(
    tmp_path, templates: list[str], debug: bool = False, form: bool = False, **env: str
) -> tuple[list, str]:
    cache_file = write_cache(tmp_path / "static_cache", form)
    return pages.render(tmp_path, os.path.dirname(cache_file), templates, debug, **env)


FORM = pytest.mark.parametrize("form", [False, True], ids=["static cache", "dyno form"])


@FORM
def test_script_and_stylesheet_tags_carry_the_digest_of_the_hashed_object(tmp_path, form):
    (script, style, digest, plain, read), log = render(
        tmp_path,
        [
            "{% load s3_static %}{% static_script 'js/app.js' defer=True type='module' %}",
            "{% load s3_static %}{% static_stylesheet 'css/site.css' media='print' %}",
            "{% load s3_static %}{% static_integrity 'js/app.js' %}",
            "{% load s3_static %}{% static_script 'img/logo.png' data_role='x' async=False %}",
            "__form__",
        ],
        form=form,
    )
    assert read == ("Written" if form else "dict")
    assert "is not used" not in log
    assert script == (
        f'<script src="{BASE}js/app.0123456789ab.js" integrity="{JS_DIGEST}" '
        'crossorigin="anonymous" defer type="module"></script>'
    )
    assert style == (
        f'<link rel="stylesheet" href="{BASE}css/site.0123456789ab.css" '
        f'integrity="{CSS_DIGEST}" crossorigin="anonymous" media="print">'
    )
    assert digest == JS_DIGEST
    # No digest recorded: the plain tag, without crossorigin (no CORS read needed).
    assert plain == f'<script src="{BASE}img/logo.0123456789ab.png" data-role="x"></script>'


@pytest.mark.parametrize(
    "debug, env", [(False, {"DJANGO_S3_STATIC_INTEGRITY": "off"}), (True, {})], ids=["off", "DEBUG"]
)
def test_without_integrity_or_in_debug_the_tags_are_plain(tmp_path, debug, env):
    (script,), _ = render(
        tmp_path, ["{% load s3_static %}{% static_script 'js/app.js' %}"], debug, **env
    )
    name = "js/app.js" if debug else "js/app.0123456789ab.js"  # DEBUG links unhashed names
    assert script == f'<script src="{BASE}{name}"></script>'


@FORM
def test_pipeline_tags_render_integrity_only_when_asked(tmp_path, form):
    templates = [
        "{% load pipeline %}{% javascript 'app' %}",
        "{% load pipeline %}{% stylesheet 'main' %}",
    ]
    (js, css), _ = render(tmp_path, templates, form=form)
    assert "integrity" not in js and "crossorigin" not in js  # off by default: as before
    (js, css), _ = render(tmp_path, templates, form=form, DJANGO_S3_STATIC_PIPELINE_INTEGRITY="1")
    assert js.startswith(
        f'<script integrity="{BUNDLE_DIGEST}" crossorigin="anonymous" type="text/javascript" '
        f'src="{BASE}js/bundle.0123456789ab.js"'
    )
    # A package whose file has no digest recorded renders as before.
    assert css.startswith(f'<link href="{BASE}css/main.0123456789ab.css" rel="stylesheet"')


def test_a_missing_name_is_an_error_that_says_what_to_do_by_default(tmp_path):
    (rendered,), _ = render(tmp_path, ["{% load static %}{% static 'css/typo.css' %}"])
    assert rendered.startswith(
        "ValueError: Missing staticfiles manifest entry for 'css/typo.css': this release's "
        "static cache ("
    )
    assert "python manage.py findstatic css/typo.css" in rendered
    assert "DJANGO_S3_STATIC_MANIFEST_STRICT=0" in rendered


def test_not_strict_a_missing_name_links_its_unhashed_copy_and_logs_once(tmp_path):
    templates = ["{% load static %}{% static 'css/typo.css' %}"] * 3
    templates.append("{% load static %}{% static 'css/site.css' %}")
    templates.append("{% load s3_static %}{% static_script 'js/new.js' %}")
    rendered, log = render(tmp_path, templates, DJANGO_S3_STATIC_MANIFEST_STRICT="0")
    assert rendered == [f"{BASE}css/typo.css"] * 3 + [
        f"{BASE}css/site.0123456789ab.css",
        f'<script src="{BASE}js/new.js"></script>',  # no digest for an unhashed name
    ]
    assert log.count("'css/typo.css' is not in this release's static cache") == 1
    assert f"links to its unhashed URL {BASE}css/typo.css" in log
    assert log.count("'js/new.js' is not in") == 1


def test_an_unknown_value_on_the_dyno_means_the_default_and_the_check_says_so(tmp_path):
    (rendered, checks), _ = render(
        tmp_path,
        ["{% load static %}{% static 'css/typo.css' %}", "__checks__"],
        DJANGO_S3_STATIC_MANIFEST_STRICT="sometimes",
    )
    assert rendered.startswith("ValueError: Missing staticfiles manifest entry")
    assert checks == [
        "django_s3_static.W002: django-s3-static: DJANGO_S3_STATIC_MANIFEST_STRICT='sometimes' "
        "is not one of on, off (or 1, 0, true, false, yes, no). The default (on) applies. "
        "(Fix it, or unset it for the default (on): heroku config:unset "
        "DJANGO_S3_STATIC_MANIFEST_STRICT)"
    ]


def test_a_bad_build_only_value_leaves_the_dyno_rendering_and_the_check_warns(tmp_path):
    """The dyno never reads the upload concurrency: {% static %} renders, the check names it."""
    (rendered, checks), _ = render(
        tmp_path,
        ["{% load static %}{% static 'css/site.css' %}", "__checks__"],
        DJANGO_S3_STATIC_CONCURRENCY="500",
        AWS_S3_ADDRESSING_STYLE="sideways",
    )
    assert rendered == f"{BASE}css/site.0123456789ab.css"
    assert [check.split(":")[0] for check in checks] == [
        "django_s3_static.W002",  # the addressing style: auto, the default, applies
        "django_s3_static.W003",
    ]
    assert (
        "DJANGO_S3_STATIC_CONCURRENCY must be a whole number from 1 to 256, not '500'. "
        in (checks[1])
    )
