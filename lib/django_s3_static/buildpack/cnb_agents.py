"""Process wrappers that hide the settings hook on Fir (pure but for reading two small files).

On Cedar the hook loads from a ``.pth`` in the slug's user site folder, which ``site`` reads
before any ``sitecustomize`` (``install``). On Fir the app's Python is heroku/python's virtualenv:
``site`` reads no user site folder in a virtualenv that leaves out the system's site-packages,
and reads ``.pth`` files only in site-packages folders, never in ``PYTHONPATH`` folders
(https://docs.python.org/3/library/site.html). The only one is the venv's, in heroku/python's
``venv`` layer, which is not this buildpack's to write. So the hook is the runtime layer's
``sitecustomize`` alone, first on ``PYTHONPATH``.

``opentelemetry-instrument`` puts its own ``sitecustomize`` first on ``PYTHONPATH``, and that one
imports no other (opentelemetry-instrumentation's ``auto_instrumentation/sitecustomize.py``): a
process it wraps keeps the settings as written. ``newrelic-admin`` and ``ddtrace-run`` import the
next ``sitecustomize``, so they need nothing. The fix is the snippet in the settings, guarded by
the launch environment's ``DJANGO_S3_STATIC_BUILD_SETTINGS`` (docs/fir.md).
"""

from __future__ import annotations

import os

from .. import output
from . import procfile

#: Wrappers whose ``sitecustomize`` imports no other one.
HIDING_WRAPPERS = ("opentelemetry-instrument",)
SNIPPET_MODULE = "django_s3_static.snippet"
GUARDED_SNIPPET = (
    "import os",
    "",
    'if os.environ.get("DJANGO_S3_STATIC_BUILD_SETTINGS"):  # set on the dyno by the buildpack',
    "    from django_s3_static.snippet import install; install(globals())  # noqa: E702",
)


def hiding_processes(app_dir: str) -> list[tuple[str, str]]:
    """(process type, wrapper) for each Procfile process a hiding wrapper runs."""
    return [
        (kind, wrapper)
        for kind, command in procfile.processes(app_dir).items()
        for wrapper in HIDING_WRAPPERS
        if procfile.runs_program(command, wrapper)
    ]


def settings_file(app_dir: str, module: str) -> str | None:
    """The settings module's file under the app's folder, or None."""
    base = os.path.join(app_dir, *module.split("."))
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def applies_snippet(path: str | None) -> bool:
    """Whether the settings module names the snippet itself (the explicit alternative)."""
    if path is None:
        return False
    with open(path, encoding="utf-8", errors="replace") as handle:
        return SNIPPET_MODULE in handle.read()


def say_hidden_hook(app_dir: str, manage_dir: str, settings: str) -> None:
    """Warn when a Procfile process runs a wrapper that hides the hook, unless the settings
    apply the snippet themselves."""
    found = hiding_processes(app_dir)
    path = settings_file(manage_dir, settings)
    if not found or applies_snippet(path):
        return
    named = ", ".join(f"{kind} ({wrapper})" for kind, wrapper in found)
    shown = os.path.relpath(path, app_dir) if path else settings
    output.warn(
        f"The Procfile's {named} would render the settings' own STATIC_URL, not the bucket's.",
        [
            "That wrapper puts its own sitecustomize first and imports no other, and on Fir the",
            "settings hook is this buildpack's sitecustomize: heroku/python's virtualenv reads no",
            f"user site .pth. End the settings module ({shown}) with the snippet, applied where",
            "the buildpack's launch environment is set:",
            "",
            *(f"  {line}" if line else "" for line in GUARDED_SNIPPET),
        ],
    )
