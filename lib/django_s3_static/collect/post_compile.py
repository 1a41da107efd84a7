"""The app's ``bin/post_compile``, which heroku/python runs after its own ``collectstatic`` step and
before this buildpack: does it run ``collectstatic`` too, and what does that cost?

heroku/python runs ``bin/post_compile`` whenever the app has one, whatever
``DISABLE_COLLECTSTATIC`` says (https://github.com/heroku/heroku-buildpack-python/blob/v351/bin/
compile: the ``hooks/post_compile`` step). Templates such as cookiecutter-django ship one that runs
``python manage.py collectstatic --noinput`` and ``compilemessages``: the static files are then
collected (and with django-storages or Collectfasta uploaded, by their plain names) in every
build, before this buildpack collects and uploads them itself. The build cannot see that run, so
it reads the script: a ``collectstatic`` word outside shell comments, however ``manage.py`` or
``django-admin`` is spelled, is taken for a run of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from .. import output
from .heroku_collectstatic import leftovers

HOOK = os.path.join("bin", "post_compile")
_RUNS = re.compile(r"\bcollectstatic\b")
_NOT_A_RUN = re.compile(r"^\s*(echo|printf|:)\b")
_WORD_START = " \t;&|()"
_OPTIONS = re.compile(r"^set\s+[-+]")


def without_comment(line: str) -> str:
    """The line without its shell comment: a ``#`` that starts a word outside quotes."""
    quote = None
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in _WORD_START):
            return line[:index]
    return line


def collectstatic_lines(text: str) -> list[tuple[int, str]]:
    """(line number, command) of every line that runs collectstatic."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        command = without_comment(line).strip()
        if _RUNS.search(command) and not _NOT_A_RUN.match(command):
            found.append((number, command))
    return found


def other_commands(text: str, skipped: set[int]) -> bool:
    """Whether the script does anything but the lines ``skipped`` and its shell options."""
    for number, line in enumerate(text.splitlines(), start=1):
        command = without_comment(line).strip()
        if command and number not in skipped and not _OPTIONS.match(command):
            return True
    return False


def cost_lines(build_dir: str, facts: Mapping[str, str | None]) -> list[str]:
    """What that collectstatic does in every build, as far as the settings and the slug tell."""
    lines = []
    app = facts.get("uploading_collectstatic")
    backend = facts.get("staticfiles_backend") or ""
    if app or backend.startswith("storages."):
        through = f"through {app}, " if app else ""
        lines.append(
            f"It sends the static files to S3 itself, {through}with STORAGES['staticfiles'] "
            f"{backend or '(Django default)'}: requests per file and their unhashed copies "
            "stored in another form, which this build then stores again."
        )
    found = leftovers(build_dir, facts.get("static_root"))
    if found and found[0]:
        lines.append(
            f"It left {found[0]} file{'s' * (found[0] != 1)} ({output.human_bytes(found[1])}) in "
            "STATIC_ROOT: the slug carries them, the dyno never serves them."
        )
    lines.append(
        "Every build pays for a collectstatic this buildpack does not need (it collects and "
        "uploads on its own), and fails before this buildpack runs whenever it fails."
    )
    return lines


def report(build_dir: str, facts: Mapping[str, str | None]) -> None:
    """The build's note when ``bin/post_compile`` runs collectstatic: the fact, its cost, and
    what to change."""
    try:
        with open(os.path.join(build_dir, HOOK), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return
    runs = collectstatic_lines(text)
    if not runs:
        return
    number, command = runs[0]
    more = f" (and {len(runs) - 1} more line{'s' * (len(runs) > 2)})" if len(runs) > 1 else ""
    output.info(
        f"{HOOK} runs collectstatic (line {number}: {command[:80]}){more}; heroku/python runs "
        "it before this buildpack, in every build."
    )
    for line in cost_lines(build_dir, facts):
        output.info(line)
    if other_commands(text, {n for n, _ in runs}):
        output.info(
            f"Delete the collectstatic line{'s' * (len(runs) > 1)} from {HOOK} and keep its "
            "other commands (compilemessages, say)."
        )
    else:
        output.info(f"It does nothing else: delete {HOOK}.")
