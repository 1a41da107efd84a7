"""Values from the app that a shell or a log reader would take for something else.

- ``DJANGO_S3_STATIC_CACHE_DIR`` is written into ``.profile.d``, which every dyno sources at
  start: a space, ``$(...)`` or a quote in it must reach the dyno as written, never run; a
  folder outside the app (``..``, an absolute path) is refused by the build.
- A static file's name is printed in the build log: a name holding a character that
  ``str.splitlines`` breaks at (U+2028, U+0085, ...) would start a line of its own, which could
  pass for one of the build's (`` !     Error: ...``). Such a name is refused, and shown escaped.
"""

from __future__ import annotations

import os

from conftest import deploy_config

HOSTILE_DIR = "static cache/$(touch pwned)'`touch pwned`'"


def objects_in(s3server, bucket) -> list[str]:
    listing = s3server.client().list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_a_cache_folder_the_shell_would_read_reaches_the_dyno_as_written(
    make_slug, s3server, bucket
):
    slug = make_slug()
    slug.set_config(**deploy_config(s3server, bucket, DJANGO_S3_STATIC_CACHE_DIR=HOSTILE_DIR))
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert os.path.isfile(os.path.join(slug.build_dir, HOSTILE_DIR, "manifest.json"))
    page = slug.run(
        'echo "path=$DJANGO_S3_STATIC_CACHE_PATH" && ls && python manage.py shell -c '
        "\"from django.templatetags.static import static; print('url=' + static('css/site.css'))\""
    )
    assert page.returncode == 0, page.output
    home = page.stdout.split("path=", 1)[1].split("\n", 1)[0].removesuffix("/" + HOSTILE_DIR)
    assert f"path={home}/{HOSTILE_DIR}\n" in page.stdout
    assert "pwned" not in page.stdout.replace(HOSTILE_DIR, "")  # ls: no file made by the shell
    url = page.stdout.split("url=", 1)[1].strip()
    assert url.startswith(f"{s3server.endpoint}/{bucket}/css/site.") and url.endswith(".css")


def test_a_cache_folder_outside_the_app_fails_the_build(make_slug, s3server, bucket):
    slug = make_slug()
    slug.set_config(**deploy_config(s3server, bucket, DJANGO_S3_STATIC_CACHE_DIR="../outside"))
    result = slug.compile()
    assert result.returncode == 1, result.output
    assert "DJANGO_S3_STATIC_CACHE_DIR='../outside' has a '..' segment" in result.stdout
    assert "heroku config:unset DJANGO_S3_STATIC_CACHE_DIR" in result.stdout
    assert not os.path.exists(os.path.join(os.path.dirname(slug.build_dir), "outside"))
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))
    assert objects_in(s3server, bucket) == []


def test_a_file_name_that_breaks_a_log_line_is_refused_on_one_line(make_slug, s3server, bucket):
    slug = make_slug()
    slug.set_config(**deploy_config(s3server, bucket))
    css = os.path.join(slug.build_dir, "exampleapp", "static", "css")
    for name in ("a\u2028 !     Error: forged by a file name.css", "b\x85 !     Error: nel.css"):
        with open(os.path.join(css, name), "w") as handle:
            handle.write("body { color: red; }\n")
    result = slug.compile()
    assert result.returncode == 1, result.output
    lines = result.stdout.splitlines()  # as a log viewer splits them
    assert sorted(line for line in lines if "forged" in line or "nel.css" in line) == [
        " !       css/a\\u2028 !     Error: forged by a file name.css: the name contains a "
        "line-breaking character (U+0085, U+2028 or U+2029, or a C1 control)",
        " !       css/b\\x85 !     Error: nel.css: the name contains a line-breaking character "
        "(U+0085, U+2028 or U+2029, or a C1 control)",
    ]
    assert objects_in(s3server, bucket) == []
