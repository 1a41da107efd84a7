"""The example app as it looks once each README "Moving in" guide has been followed.

Each ``Variant`` starts from the example app (``test/fixtures/example_app``) and adds what an app
of that starting point keeps after the guide's changes: the settings appended to
``exampleapp/settings.py``, its requirements, extra files, and the config vars that replace the
old tool's own. The lines each guide deletes are named in comments where they were, so the
variant reads as the guide's "after". ``apply`` writes a variant into a slug's BUILD_DIR.

Every variant also gets a ``worker`` process (``exampleapp/worker.py``): it starts Django as a
Celery or RQ worker does and renders the home page through Django's test client, which builds
the middleware chain as the web process does (WhiteNoise's middleware warns while it is built).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

PROCFILE = "web: gunicorn exampleapp.wsgi\nworker: python -m exampleapp.worker\n"

WORKER = '''"""A background worker: Django started as a task queue starts it, one page rendered."""

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleapp.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

response = Client().get("/")
print("worker rendered", response.status_code, flush=True)
time.sleep(float(os.environ.get("WORKER_SECONDS", "30")))
'''

ROBOTS = "User-agent: *\nDisallow: /admin/\n"


@dataclass(frozen=True)
class Variant:
    """One starting point after its guide: what the app keeps, and where its files are."""

    settings: str  # appended to exampleapp/settings.py
    prefix: str  # the key prefix of the static files in the bucket
    requirements: tuple[str, ...] = ()  # added to requirements.txt
    config: dict[str, str] = field(default_factory=dict)  # config vars beyond the bucket's
    files: dict[str, str] = field(default_factory=dict)  # extra files, relative to the app
    root_files: tuple[str, ...] = ()  # URLs WhiteNoise still serves from WHITENOISE_ROOT


WHITENOISE_REMOVED = Variant(
    settings="""
# Was WhiteNoise, as Heroku's Django guide sets it up. Deleted, as the guide says:
#   "whitenoise.runserver_nostatic" in INSTALLED_APPS,
#   "whitenoise.middleware.WhiteNoiseMiddleware" in MIDDLEWARE,
#   WHITENOISE_MAX_AGE = 3600, WHITENOISE_KEEP_ONLY_HASHED_FILES = True,
# and the staticfiles storage is Django's own instead of WhiteNoise's
# CompressedManifestStaticFilesStorage (on the dyno, the buildpack's replaces it).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
""",
    prefix="static",
    config={"AWS_LOCATION": "static"},
)

WHITENOISE_KEPT = Variant(
    settings="""
# WhiteNoise, kept for the files it serves at the site's root (WHITENOISE_ROOT): these lines are
# the app's own, unchanged. Only the config vars changed. STATIC_ROOT stays as it is: on the dyno
# it names no folder (collectstatic does not run there), and the settings snippet tells WhiteNoise
# so, instead of WhiteNoise warning "No directory at".
INSTALLED_APPS.insert(
    INSTALLED_APPS.index("django.contrib.staticfiles"), "whitenoise.runserver_nostatic"
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_ROOT = BASE_DIR / "public"
WHITENOISE_MAX_AGE = 3600
""",
    prefix="static",
    requirements=("whitenoise",),
    config={"AWS_LOCATION": "static"},
    files={"public/robots.txt": ROBOTS},
    root_files=("/robots.txt",),
)

DJANGO_STORAGES = Variant(
    settings="""
# django-storages, as the app had it: media and static files in one bucket, each under its own
# location. Kept as it is: the buildpack reads the bucket, endpoint and the staticfiles OPTIONS'
# location from here. Deleted, as the guide says: "release: python manage.py collectstatic
# --noinput" in the Procfile (and heroku/python's own collectstatic: DISABLE_COLLECTSTATIC=1).
INSTALLED_APPS.append("storages")
AWS_STORAGE_BUCKET_NAME = os.environ["AWS_STORAGE_BUCKET_NAME"]
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL")
AWS_QUERYSTRING_AUTH = False
AWS_S3_FILE_OVERWRITE = False
AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "max-age=86400"}
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "media"}},
    "staticfiles": {
        "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
        "OPTIONS": {"location": "static"},
    },
}
""",
    prefix="static",
    requirements=("django-storages[s3]", "boto3"),
)

COLLECTFASTA = Variant(
    settings="""
# Collectfasta, in front of django-storages' S3StaticStorage, as its README sets it up. Deleted,
# as the guide says: "collectfasta" in INSTALLED_APPS, COLLECTFASTA_STRATEGY,
# COLLECTFASTA_THREADS, COLLECTFASTA_CACHE and its CACHES["collectfasta"] entry, and
# "Collectfasta" in requirements.txt. django-storages' settings stay, read as they are.
INSTALLED_APPS.append("storages")
AWS_STORAGE_BUCKET_NAME = os.environ["AWS_STORAGE_BUCKET_NAME"]
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL")
AWS_LOCATION = "assets"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "storages.backends.s3.S3StaticStorage"},
}
""",
    prefix="assets",
    requirements=("django-storages[s3]", "boto3"),
)

SYNC_SCRIPT = Variant(
    settings="""
# A bin/post_compile that ran "aws s3 sync staticfiles s3://$S3_BUCKET/static" after
# heroku/python's collectstatic. Deleted, as the guide says: bin/post_compile, awscli in
# requirements.txt, the S3_BUCKET config var (now AWS_STORAGE_BUCKET_NAME, and AWS_LOCATION for
# the prefix), and the STATIC_URL that named the bucket: the dyno's is set from those.
STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
""",
    prefix="static",
    config={"AWS_LOCATION": "static"},
)

VARIANTS = {
    "whitenoise-removed": WHITENOISE_REMOVED,
    "whitenoise-kept": WHITENOISE_KEPT,
    "django-storages": DJANGO_STORAGES,
    "collectfasta": COLLECTFASTA,
    "sync-script": SYNC_SCRIPT,
}


def apply(variant: Variant, app_dir: str) -> None:
    """Write the variant into a copy of the example app."""
    write(os.path.join(app_dir, "exampleapp", "worker.py"), WORKER)
    write(os.path.join(app_dir, "Procfile"), PROCFILE)
    with open(os.path.join(app_dir, "exampleapp", "settings.py"), "a") as handle:
        handle.write(variant.settings)
    with open(os.path.join(app_dir, "requirements.txt"), "a") as handle:
        handle.writelines(f"{line}\n" for line in variant.requirements)
    for name, content in variant.files.items():
        write(os.path.join(app_dir, name), content)


def write(path: str, content: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(content)
