"""Whether the Procfile's release phase runs ``promote_static`` (pure but for reading two files).

The ``release`` process runs before every release, and a failing one stops it
(https://devcenter.heroku.com/articles/release-phase).
"""

from __future__ import annotations

import os
import shlex

PROCFILE = "Procfile"
MAX_SCRIPT_BYTES = 256 * 1024


def release_command(build_dir: str) -> str | None:
    """The Procfile's ``release`` command, or None."""
    try:
        with open(os.path.join(build_dir, PROCFILE), encoding="utf-8", errors="replace") as handle:
            lines = handle.read(MAX_SCRIPT_BYTES).splitlines()
    except OSError:
        return None
    for line in lines:
        name, sep, command = line.partition(":")
        if sep and name.strip() == "release":
            return command.strip()
    return None


def release_promotes(build_dir: str) -> bool:
    """Whether the release phase runs ``promote_static``, in the command or in a script it runs."""
    command = release_command(build_dir)
    if not command:
        return False
    if "promote_static" in command:
        return True
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    root = os.path.realpath(build_dir)
    for word in words:
        path = os.path.realpath(os.path.join(build_dir, word))
        if path.startswith(root + os.sep) and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    if "promote_static" in handle.read(MAX_SCRIPT_BYTES):
                        return True
            except OSError:
                continue
    return False
