from django_s3_static.buildpack.source_diff import SourceDiff, describe, source_diff
from django_s3_static.format.static_cache import StaticCache, StaticObject

MD5_A = "a" * 32
MD5_B = "b" * 32


def cache(**sources: str) -> StaticCache:
    """A published cache: each source under its own name and a hashed one, as collectstatic
    leaves them (the unhashed object holds the source's own MD5)."""
    paths, objects = {}, {}
    for name, md5 in sources.items():
        hashed = name.replace(".", f".{md5[:12]}.", 1)
        paths[name] = hashed
        objects[name] = objects[hashed] = StaticObject(10, md5)
    return StaticCache("sha256:x", "bucket", "static", paths, objects)


def test_a_file_with_another_md5_changed_one_not_in_the_cache_was_added():
    published = cache(**{"css/site.css": MD5_A, "js/app.js": MD5_A})
    found = source_diff(published, {"css/site.css": MD5_B, "js/app.js": MD5_A, "img/x.png": MD5_A})
    assert found == SourceDiff(changed=["css/site.css"], added=["img/x.png"], removed=[])


def test_a_cached_source_no_finder_lists_any_more_was_removed():
    published = cache(**{"css/site.css": MD5_A, "img/old.png": MD5_A})
    found = source_diff(published, {"css/site.css": MD5_A})
    assert found.removed == ["img/old.png"]
    assert found.removals_known


def test_unchanged_sources_give_an_empty_diff():
    published = cache(**{"css/site.css": MD5_A})
    assert not source_diff(published, {"css/site.css": MD5_A})


def test_pipeline_outputs_are_neither_changed_nor_removed():
    """django-pipeline writes its packages under names of their own, sometimes a source's
    (a package css/print.css made of css/print.css): the cache holds the package there."""
    published = cache(**{"css/print.css": MD5_A, "css/main.css": MD5_A, "scss/a.scss": MD5_A})
    generated = ["css/main.css", "css/print.css"]
    found = source_diff(published, {"css/print.css": MD5_B, "scss/a.scss": MD5_B}, generated)
    assert found.changed == ["scss/a.scss"]
    assert found.removed == []
    assert not found.removals_known


def test_describe_counts_and_names_the_first_files():
    found = SourceDiff(changed=["a", "b", "c", "d", "e"], added=["f"], removed=[])
    assert describe(found) == "5 changed (a, b, c and 2 more), 1 added (f)"
    assert describe(SourceDiff([], [], ["old.png"])) == "1 removed (old.png)"


def test_describe_without_a_changed_file_names_what_else_the_fingerprint_covers():
    text = describe(SourceDiff([], [], []))
    assert text.startswith("no static file changed, was added or removed: Django's version")
    assert "DJANGO_S3_STATIC_STRICT_REFERENCES" in text
    unknown = describe(SourceDiff([], [], [], removals_known=False))
    assert unknown.startswith("no static file changed or was added: one was removed, or Django's")


def test_a_gzip_object_is_compared_by_the_integrity_of_its_decoded_bytes():
    """A compressed object's MD5 is of its gzip bytes: the digest of the decoded bytes, the
    source file's own, tells whether it changed."""
    same, other = "sha384-" + "A" * 64, "sha384-" + "B" * 64
    published = cache(**{"css/site.css": MD5_A, "js/app.js": MD5_A})
    for name in ("css/site.css", "js/app.js"):
        published.objects[name] = StaticObject(8, MD5_B, "gzip", same)
    found = source_diff(
        published,
        {"css/site.css": MD5_A, "js/app.js": MD5_A},
        integrities={"css/site.css": same, "js/app.js": other},
    )
    assert found == SourceDiff(changed=["js/app.js"], added=[], removed=[])
