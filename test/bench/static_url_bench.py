"""Micro-benchmark: what a ``{% static %}`` lookup costs on the dyno, against Django's own.

Django's ``ManifestStaticFilesStorage.url`` (manifest loaded from staticfiles.json) beside this
project's ``S3ManifestStorage`` (names resolved through the ``staticfiles`` chain: process memory
in front of the slug's static cache), for the same 2,000 names. Prints a table; asserts nothing.

    .venv/bin/python test/bench/static_url_bench.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "lib"))

NAMES = [f"app{i % 40}/css/file{i}.css" for i in range(2000)]


def configure(folder: str) -> None:
    from django.conf import settings

    from django_s3_static import snippet
    from django_s3_static.format.static_cache import StaticCache, StaticObject, write

    paths = {name: name.replace(".css", ".0123456789ab.css") for name in NAMES}
    objects = {hashed: StaticObject(10, "0" * 32) for hashed in paths.values()}
    write(StaticCache("sha256:bench", "bucket", "static", paths, objects), folder)
    with open(os.path.join(folder, "staticfiles.json"), "w") as handle:
        json.dump({"paths": paths, "version": "1.1", "hash": "x"}, handle)
    os.environ["AWS_STORAGE_BUCKET_NAME"] = "bench-bucket"
    os.environ["AWS_LOCATION"] = "static"
    os.environ["DJANGO_S3_STATIC_CACHE_PATH"] = folder
    namespace = {
        "SECRET_KEY": "bench",
        "INSTALLED_APPS": ["django.contrib.staticfiles"],
        "STATIC_ROOT": folder,
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    }
    snippet.install(namespace)
    settings.configure(**namespace)
    import django

    django.setup()


def best(statement, number: int) -> float:
    """Best of five runs, in microseconds per call."""
    return min(timeit.repeat(statement, number=number, repeat=5)) / number * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        configure(folder)
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
        from django.template import Context, Template

        from django_s3_static.storage import S3ManifestStorage

        django_storage = ManifestStaticFilesStorage(location=folder, base_url="https://cdn/s/")
        ours = S3ManifestStorage()
        names = iter(NAMES * 1000)

        def first_lookups() -> None:  # every name once, in a fresh storage: the chain at work
            storage = S3ManifestStorage()
            for name in NAMES:
                storage.url(name)

        rows = [
            (
                "url(), repeated name",
                best(lambda: django_storage.url("app1/css/file1.css"), 20000),
                best(lambda: ours.url("app1/css/file1.css"), 20000),
            ),
            (
                "url(), 2,000 names in turn",
                best(lambda: django_storage.url(next(names)), 20000),
                best(lambda: ours.url(next(names)), 20000),
            ),
        ]
        template = Template("{% load static %}{% static 'app1/css/file1.css' %}")
        context = Context()
        from django.core.files.storage import storages

        storages._storages["staticfiles"] = django_storage
        django_tag = best(lambda: template.render(context), 5000)
        storages._storages["staticfiles"] = ours
        rows.append(
            ("{% static %} tag render", django_tag, best(lambda: template.render(context), 5000))
        )
        first = min(timeit.repeat(first_lookups, number=1, repeat=3)) / len(NAMES) * 1e6

    print(f"{'case':<30}{'Django µs':>12}{'ours µs':>12}{'ratio':>8}")
    for case, theirs, mine in rows:
        print(f"{case:<30}{theirs:>12.2f}{mine:>12.2f}{mine / theirs:>7.2f}×")
    print(f"{'first lookup of a name':<30}{'':>12}{first:>12.2f}   (fills process memory)")
    print("Target: a repeated lookup costs at most 1.2× Django's ManifestStaticFilesStorage.url.")


if __name__ == "__main__":
    main()
