"""A fixture app served the way WhiteNoise serves it, to compare what a visitor downloads.

The app is copied, given a settings module that adds ``WhiteNoiseMiddleware`` and WhiteNoise's
``CompressedManifestStaticFilesStorage`` (gzip and Brotli copies made by ``collectstatic``, as its
documentation says: https://whitenoise.readthedocs.io/en/stable/django.html), collected, and served
by gunicorn on loopback with ``DEBUG`` off, so WhiteNoise picks the encoding from each request's
``Accept-Encoding``. An app that packages with django-pipeline gets a storage of both (pipeline
packs, then WhiteNoise hashes and compresses).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .dyno import FIXTURES, ServedProcess, free_port, wait_listening

SETTINGS = '''"""{app}'s settings served by WhiteNoise (written by the tests)."""
from {app}.settings import *  # noqa: F403

WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
MIDDLEWARE = [MIDDLEWARE[0], WHITENOISE, *MIDDLEWARE[1:]]  # noqa: F405
STATIC_ROOT = {root!r}
STORAGES = {{
    "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    "staticfiles": {{"BACKEND": {backend!r}}},
}}
{extra}'''

PIPELINE_STORAGE = '''
from pipeline.storage import PipelineMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PipelineWhiteNoiseStorage(PipelineMixin, CompressedManifestStaticFilesStorage):
    """django-pipeline packs the packages, then WhiteNoise hashes and compresses everything."""
'''


class WhiteNoiseSite(ServedProcess):
    @classmethod
    def start(cls, root: str, fixture: str, app: str, timeout: float = 30) -> WhiteNoiseSite:
        source = os.path.join(root, "app")
        shutil.copytree(os.path.join(FIXTURES, fixture), source)
        pipeline = os.path.isfile(os.path.join(source, app, "compressors.py"))
        module = f"{app}.whitenoise_settings"
        backend = (
            f"{module}.PipelineWhiteNoiseStorage"
            if pipeline
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
        with open(os.path.join(source, app, "whitenoise_settings.py"), "w") as handle:
            handle.write(
                SETTINGS.format(
                    app=app,
                    root=os.path.join(root, "staticfiles"),
                    backend=backend,
                    extra=PIPELINE_STORAGE if pipeline else "",
                )
            )
        env = {
            "PATH": os.environ["PATH"],
            "HOME": root,
            "LANG": "C.UTF-8",
            "PYTHONPATH": source,
            "DJANGO_SETTINGS_MODULE": module,
            "SECRET_KEY": "whitenoise-comparison",
            "SQLITE_PATH": os.path.join(root, "db.sqlite3"),
        }
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=source,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if collected.returncode != 0:
            raise RuntimeError(f"collectstatic for WhiteNoise failed:\n{collected.stderr}")
        port = free_port()
        log_path = os.path.join(root, "gunicorn.log")
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [
                    os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    f"{app}.wsgi",
                ],
                cwd=source,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        site = cls(process, f"http://127.0.0.1:{port}", log_path)
        return wait_listening(site, port, timeout, "gunicorn")
