"""An app's checkout on a developer's machine or in CI: the management commands run there with
the whole package on the path and the config vars a test gives, nothing of the test runner's own
``AWS_*`` or ``DJANGO_*`` environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .dyno import FIXTURES, ROOT

LIB = os.path.join(ROOT, "lib")


def example_checkout(folder: Path) -> Path:
    """The example app as a developer has it, with django_s3_static in INSTALLED_APPS."""
    app = folder / "app"
    shutil.copytree(os.path.join(FIXTURES, "example_app"), app)
    settings = app / "exampleapp" / "settings.py"
    settings.write_text(
        settings.read_text() + '\nINSTALLED_APPS = [*INSTALLED_APPS, "django_s3_static"]\n'
    )
    return app


def command_env(config: dict[str, str]) -> dict[str, str]:
    """This process's environment less AWS_* and DJANGO_*, then ``config``, the package on the
    path."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    return {**kept, **config, "PYTHONPATH": LIB}


def manage(
    app: str | Path, env: dict[str, str], *args: str, python: str = sys.executable
) -> subprocess.CompletedProcess:
    """``python manage.py ARGS`` in the checkout."""
    return subprocess.run(
        [python, "manage.py", *args],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
