"""One web worker's first ``{% static %}``, measured in a fresh process (run by the benchmarks).

    python dyno_worker.py django|ours STATIC_CACHE_DIR COLLECTED_DIR NAME

The worker is what gunicorn makes of the app before its first request (settings, the apps, the
WSGI handler); then a template with one ``{% static %}`` is compiled and rendered. Prints the
render's wall and CPU time, how much the process's resident memory grew, and the URL, as JSON.
``django``: Django's ManifestStaticFilesStorage reading staticfiles.json from STATIC_ROOT;
``ours``: the settings snippet, which reads the slug's static cache (or the form beside it).
Nothing of the benchmark is imported: ``sys.path`` is the runtime's folder and Django's.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def resident_kib() -> int:
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def settings_for(variant: str, cache_dir: str, collected: str) -> dict:
    settings = {
        "SECRET_KEY": "bench-only",
        "DEBUG": False,
        "ALLOWED_HOSTS": ["*"],
        "ROOT_URLCONF": __name__,
        "INSTALLED_APPS": ["django.contrib.staticfiles"],
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        "STATIC_URL": "static/",
        "STATIC_ROOT": collected,
    }
    if variant == "django":
        settings["STORAGES"] = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": MANIFEST},
        }
        return settings
    os.environ.update(
        AWS_STORAGE_BUCKET_NAME="bench-bucket",
        AWS_LOCATION="static",
        DJANGO_S3_STATIC_CACHE_PATH=cache_dir,
    )
    from django_s3_static.snippet import install  # lazy: the runtime's path is set by now

    install(settings)
    return {key: value for key, value in settings.items() if key.isupper()}


urlpatterns: list = []


def main(variant: str, cache_dir: str, collected: str, name: str) -> None:
    from django.conf import settings  # lazy: this script sets the environment first

    settings.configure(**settings_for(variant, cache_dir, collected))
    from django.core.wsgi import get_wsgi_application  # lazy: after configure
    from django.template import Context, Template  # lazy: as above

    get_wsgi_application()
    template = Template("{% load static %}{% static '" + name + "' %}")
    context = Context()
    gc.collect()
    before, started, cpu = resident_kib(), time.perf_counter(), time.process_time()
    url = template.render(context)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    grown = resident_kib() - before
    print(json.dumps({"wall_ms": wall * 1e3, "cpu_ms": cpu * 1e3, "rss_kib": grown, "url": url}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
