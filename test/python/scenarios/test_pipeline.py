"""django-pipeline apps: packages compiled (SCSS), combined, minified, hashed and served from S3."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import deploy_config
from support.dyno import FIXTURES, ROOT, check_assets, http_get


def build(make_slug, s3server, bucket, python_home=None, **config):
    slug = make_slug("pipeline_app", python_home)
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="assets", **config))
    return slug, slug.compile()


@pytest.mark.parametrize("django", ["5.2", "6.1"])
def test_packages_render_as_hashed_s3_urls_and_every_url_loads(
    django, make_slug, s3server, bucket, request
):
    home = request.getfixturevalue("django61_python_home") if django == "6.1" else None
    slug, result = build(make_slug, s3server, bucket, home)
    assert result.returncode == 0, result.output
    dyno = slug.start_web(env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    try:
        status, page = dyno.get("/")
    finally:
        dyno.stop()
    assert status == 200, page
    base = re.escape(f"{s3server.endpoint}/{bucket}/assets/")
    assert re.search(rf'<link href="{base}css/main\.[0-9a-f]{{12}}\.css" rel="stylesheet"', page)
    assert re.search(rf'href="{base}css/print\.[0-9a-f]{{12}}\.css"[^>]*media="print"', page)
    assert re.search(rf'<script[^>]*src="{base}js/vendor\.[0-9a-f]{{12}}\.js"', page)
    assert re.search(rf'<script[^>]*src="{base}js/bundle\.[0-9a-f]{{12}}\.js"', page)
    for source in ("theme", "layout.css", "greeting", "js/app"):
        assert source not in page  # packages, not their sources

    checks = check_assets(page, dyno.url + "/")
    assert all(c.status == 200 for c in checks), [(c.url, c.status) for c in checks]
    by_kind = {os.path.splitext(c.url)[1]: c.content_type for c in checks}
    assert by_kind == {
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".png": "image/png",
        ".ttf": "font/ttf",
    }
    # The packaged CSS is compiled and minified, and its url()s point at hashed objects.
    main_css = next(c.url for c in checks if "/css/main." in c.url)
    _, headers, body = http_get(main_css)  # as a browser reads it: stored gzip, decoded
    assert headers.get("Content-Encoding") == "gzip"
    assert ".title{color:#0b5}" in body  # SCSS variable compiled, whitespace removed
    assert re.search(r'url\("\.\./img/hero\.[0-9a-f]{12}\.png"\)', body)
    assert re.search(r'url\("\.\./fonts/pipeline-mono\.[0-9a-f]{12}\.ttf"\)', body)


def test_editing_a_package_definition_makes_the_cache_stale(make_slug, s3server, bucket):
    slug, first = build(make_slug, s3server, bucket)
    assert first.returncode == 0, first.output
    again = slug.compile()
    assert "Static files unchanged" in again.stdout
    settings = os.path.join(slug.build_dir, "pipelineapp", "settings.py")
    with open(settings) as handle:
        text = handle.read()
    with open(settings, "w") as handle:
        handle.write(
            text.replace(
                '"source_filenames": ["css/print.css"]',
                '"source_filenames": ["css/print.css", "css/layout.css"]',
            )
        )
    changed = slug.compile()
    assert changed.returncode == 0, changed.output
    assert "Collecting: stale: the PIPELINE settings changed since the cache was published" in (
        changed.stdout
    )


def test_debug_renders_each_source_file_as_pipeline_does(tmp_path):
    render = (
        "import django; django.setup(); from django.template.loader import render_to_string; "
        "print(render_to_string('index.html'))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))},
        "DEBUG": "1",
        "SECRET_KEY": "x",
        "DJANGO_SETTINGS_MODULE": "pipelineapp.settings",
        "PYTHONPATH": os.path.join(ROOT, "lib"),
    }
    app = tmp_path / "app"  # pipeline compiles into STATIC_ROOT: keep it out of the fixture
    shutil.copytree(os.path.join(FIXTURES, "pipeline_app"), app)
    page = subprocess.run(
        [sys.executable, "-c", render],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert page.returncode == 0, page.stderr
    for source in (
        "css/layout.css",
        "css/print.css",
        "js/greeting.js",
        "js/app.js",
        "js/vendor/tiny.js",
    ):
        assert f"/static/{source}" in page.stdout
    assert "bundle" not in page.stdout


def test_missing_compiler_binary_names_the_package_and_source(make_slug, s3server, bucket):
    _, result = build(make_slug, s3server, bucket, SASS_BINARY="/nonexistent/sassc")
    assert result.returncode == 1
    assert (
        "django-pipeline could not build the stylesheet package 'main' "
        "(source scss/theme.scss): CompilerError"
    ) in result.stdout
    assert "No such file or directory" in result.stdout  # the tool's own message
    assert result.stderr == ""


def test_bad_scss_shows_the_compiler_message(make_slug, s3server, bucket):
    slug = make_slug("pipeline_app")
    scss = os.path.join(slug.build_dir, "pipelineapp", "static", "scss", "theme.scss")
    with open(scss, "a") as handle:
        handle.write("\n.broken { color: $undefined-variable; }\n")
    slug.set_config(**deploy_config(s3server, bucket))
    result = slug.compile()
    assert result.returncode == 1
    assert "package 'main' (source scss/theme.scss)" in result.stdout
    assert "Undefined variable" in result.stdout  # sassc's message


def test_compressor_error_names_the_package(make_slug, s3server, bucket):
    _, result = build(
        make_slug,
        s3server,
        bucket,
        PIPELINE_JS_COMPRESSOR="pipeline.compressors.uglifyjs.UglifyJSCompressor",
        # A compressor that rejects the input, as uglifyjs does on a syntax error.
        PIPELINE_UGLIFYJS_BINARY="sh -c 'echo \"Parse error at 2:14\" >&2; exit 1' --",
    )
    assert result.returncode == 1
    assert (
        "django-pipeline could not build the javascript package 'app' "
        "(sources js/greeting.js, js/app.js): CompressorError"
    ) in result.stdout
    assert "Parse error at 2:14" in result.stdout
