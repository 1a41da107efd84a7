"""Pages as a dyno renders them: a real Django process with the dyno's settings snippet and a
static cache folder, as a dyno has them (rendering makes no S3 call, so no server is needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support.dyno import ROOT

SETTINGS = """
SECRET_KEY = "x"
DEBUG = {debug}
INSTALLED_APPS = ["django.contrib.staticfiles", "pipeline"]
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}}]
STATIC_URL = "static/"
LOGGING = {{
    "version": 1,
    "handlers": {{"err": {{"class": "logging.StreamHandler"}}}},
    "loggers": {{"django_s3_static": {{"handlers": ["err"], "level": "WARNING"}}}},
}}
PIPELINE = {{
    "JAVASCRIPT": {{"app": {{"source_filenames": ["js/a.js"], "output_filename": "js/bundle.js"}}}},
    "STYLESHEETS": {{
        "main": {{"source_filenames": ["css/a.css"], "output_filename": "css/main.css"}}
    }},
}}
from django_s3_static.snippet import install; install(globals())  # noqa: E402,E702
"""

#: Each argument a template, or "__checks__" (the system checks' messages) or "__form__" (whether
#: the names come from the dyno's form of the static cache: the table's type).
RENDER = """
import json, sys, django
from django.template import Context, Template
django.setup()
out = []
for source in json.loads(sys.argv[1]):
    if source == "__form__":
        from django.conf import settings
        from django_s3_static.runtime.slug_level import table
        out.append(type(table(settings.CACHES["staticfiles-slug"]["LOCATION"]).names).__name__)
        continue
    if source == "__checks__":
        from django.core.checks import run_checks
        out.append([f"{m.id}: {m.msg} ({m.hint})" for m in run_checks()])
        continue
    try:
        out.append(Template(source).render(Context()))
    except Exception as exc:
        out.append(f"{type(exc).__name__}: {exc}")
print(json.dumps(out))
"""


def render(
    tmp_path, cache_dir, templates: list[str], debug: bool = False, **env: str
) -> tuple[list, str]:
    """What each of ``templates`` renders, and the process's log."""
    (tmp_path / "dyno_test_settings.py").write_text(SETTINGS.format(debug=debug))
    environ = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join([os.path.join(ROOT, "lib"), str(tmp_path)]),
        "DJANGO_SETTINGS_MODULE": "dyno_test_settings",
        "AWS_STORAGE_BUCKET_NAME": "bkt",
        "AWS_LOCATION": "static",
        "DJANGO_S3_STATIC_CACHE_PATH": str(cache_dir),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", RENDER, json.dumps(templates)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr
