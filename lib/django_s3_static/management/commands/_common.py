"""What the static commands share: the app's folder, its settings, the runtime configuration."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import CommandError

from ... import output
from ...config import runtime_values
from ...errors import S3StaticError
from ...publish.environment import secret_values


def app_dir() -> str:
    """The folder of manage.py (where the static cache lives), else the current folder."""
    script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(script) == "manage.py":
        return os.path.dirname(script)
    return os.getcwd()


def values() -> dict[str, str]:
    found = runtime_values(settings, os.environ)
    for value in secret_values(found):
        output.register_secret(value)
    return found


def command_error(exc: S3StaticError) -> CommandError:
    """A S3StaticError as Django reports command failures: the message, then what to do."""
    return CommandError("\n".join([exc.title, *exc.details]), returncode=exc.exit_code or 1)
