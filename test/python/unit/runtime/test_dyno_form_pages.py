"""Pages rendered from the dyno's form of the static cache: the URLs the static cache gives, a
form of another static cache passed over (and named by the system check), the digests read apart.

Each case runs a real Django process with the dyno's settings snippet (``support.dyno_pages``).
"""

from __future__ import annotations

import os

from django_s3_static.format import dyno_form, static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support import dyno_pages as pages

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
DIGEST = "sha384-" + "D" * 64
BASE = "https://bkt.s3.amazonaws.com/static/"
NAMES = [
    "css/site.css",
    "js/app.js",
    "a",
    "a.css",
    "a-b/c.css",
    "é/ü.css",
    *(f"img/i{index:03d}/icon{index:05d}.png" for index in range(0, 3000, 17)),
]


def cache_of(stamp: str, names: list[str] = NAMES) -> StaticCache:
    paths = {}
    for name in names:
        root, extension = os.path.splitext(name)
        paths[name] = f"{root}.{stamp}{extension}"
    objects = {hashed: StaticObject(10, MD5, "gzip", DIGEST) for hashed in paths.values()}
    objects.update({name: StaticObject(10, MD5) for name in names})
    return StaticCache("sha256:x", "bkt", "static", paths, objects, endpoint="")


def slug_folder(folder, cache: StaticCache, form: bool = True) -> str:
    """A static cache folder as the build leaves it in the slug (or as publish_static does)."""
    cache_file = static_cache.write(cache, str(folder))
    if form:
        dyno_form.write(cache, cache_file)
    return cache_file


def tags(names: list[str]) -> list[str]:
    return ["{% load static %}{% static '" + name + "' %}" for name in names]


def test_urls_from_the_form_are_those_of_the_static_cache(tmp_path):
    cache = cache_of("0123456789ab")
    with_form = slug_folder(tmp_path / "slug", cache)
    alone = slug_folder(tmp_path / "committed", cache, form=False)
    asked = [*NAMES, "css/missing.css", "a.cs"]
    from_form, log = pages.render(tmp_path, os.path.dirname(with_form), [*tags(asked), "__form__"])
    from_cache, _ = pages.render(tmp_path, os.path.dirname(alone), [*tags(asked), "__form__"])
    assert from_form[-1] == "Written" and from_cache[-1] == "dict"
    same_folder = [
        text.replace(str(tmp_path / "committed"), str(tmp_path / "slug")) for text in from_cache
    ]
    assert from_form[:-1] == same_folder[:-1]
    assert from_form[: len(NAMES)] == [BASE + cache.paths[name] for name in NAMES]
    assert from_form[-3].startswith("ValueError: Missing staticfiles manifest entry for 'css/")
    assert "is not used" not in log


def test_a_form_of_another_static_cache_is_passed_over_and_the_check_says_so(tmp_path):
    """The static cache replaced after the build (another size): pages use the static cache,
    the log says why, and the system check fails."""
    cache_file = slug_folder(tmp_path / "slug", cache_of("0123456789ab"))
    newer = cache_of("ba9876543210", NAMES[:-1])
    static_cache.write(newer, os.path.dirname(cache_file))
    found, log = pages.render(
        tmp_path, os.path.dirname(cache_file), [*tags(NAMES[:2]), "__form__", "__checks__"]
    )
    assert found[:3] == [BASE + newer.paths[name] for name in NAMES[:2]] + ["dict"]
    assert log.count("the dyno's form of the static cache beside") == 1
    assert "is not used: it was made from a static cache of " in log
    assert [check.split(":")[0] for check in found[3]] == ["django_s3_static.E005"]
    assert (
        f"({dyno_form.NAMES_FILE}) is not of manifest.json: it was made from another"
        in (found[3][0])
    )
    assert "Deploy again" in found[3][0]


def test_a_form_of_a_static_cache_of_the_same_size_is_named_by_the_check(tmp_path):
    """A dyno compares sizes only; the check compares digests."""
    cache_file = slug_folder(tmp_path / "slug", cache_of("0123456789ab"))
    static_cache.write(cache_of("ba9876543210"), os.path.dirname(cache_file))
    found, _ = pages.render(tmp_path, os.path.dirname(cache_file), ["__form__", "__checks__"])
    assert found[0] == "Written"
    assert [check.split(":")[0] for check in found[1]] == ["django_s3_static.E005"]


def test_a_missing_digests_file_is_read_from_the_static_cache(tmp_path):
    cache_file = slug_folder(tmp_path / "slug", cache_of("0123456789ab"))
    os.remove(dyno_form.digests_path(cache_file))
    template = "{% load s3_static %}{% static_integrity 'js/app.js' %}"
    found, log = pages.render(tmp_path, os.path.dirname(cache_file), [template, template])
    assert found == [DIGEST, DIGEST]
    assert log.count(f"is not used: {dyno_form.DIGESTS_FILE} is missing") == 1
