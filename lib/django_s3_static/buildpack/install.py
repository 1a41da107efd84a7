"""What the build leaves for the dyno: the package less its build-time rooms, the settings hook's
folder, their bytecode; on Cedar in the slug with ``.profile.d``.

Dynos source ``.profile.d/*.sh`` at start
(https://devcenter.heroku.com/articles/buildpack-api#profile-d-scripts). A Cloud Native Buildpack
build puts the same runtime into a launch layer instead (``cnb_layers``): ``install_runtime`` fills
either home, laid out alike (``site/``, ``lib/``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import site as site_module
import sys
import sysconfig
from dataclasses import dataclass

from .. import __version__, output
from ..config import Config
from ..publish.app_process import AppProcess
from . import bytecode, procfile

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLUG_HOME = os.path.join(".heroku", "django-s3-static")
#: In a runtime home: the runtime package's folder (last on PYTHONPATH), which holds the hook
#: when the ``.pth`` loads it; for a virtualenv's Python (or a layer), the hook's folder with its
#: ``sitecustomize`` (first).
LIB, SITE = "lib", "site"
SLUG_LIB = os.path.join(SLUG_HOME, LIB)
SLUG_SITE = os.path.join(SLUG_HOME, SITE)
HOOK_SOURCE = os.path.join(PACKAGE_DIR, "settings_hook.py")
PROFILE_SCRIPT = os.path.join(".profile.d", "django-s3-static.sh")
#: In the hook's folder, for an app Python with no user site (a virtualenv): imports the hook,
#: then the ``sitecustomize`` it hides (see ``settings_hook``).
SITECUSTOMIZE = """\
# django-s3-static: the settings hook, then the sitecustomize further on the path.
import _django_s3_static_hook

_django_s3_static_hook.run_next_sitecustomize(__file__)
"""
#: ``site`` reads ``.pth`` files of the user site-packages folder (``~/.local/...``) before any
#: ``sitecustomize``, so an agent's own ``sitecustomize`` first on PYTHONPATH cannot skip it.
#: Its folder line (the runtime's folder, which holds the hook, relative to the ``.pth``'s) is
#: added to the end of ``sys.path`` where PYTHONPATH did not put it already (a process that
#: replaced PYTHONPATH, an app with its own installation of the package), and a line
#: that starts with ``import`` runs (compiled at every start, so kept short): with the hook's
#: switch at its documented ``0`` a process imports nothing of the hook; with another spelling
#: of off (``false``, ``no``, ``off``) the hook is imported and stays off (``settings_hook``).
PTH_NAME = "django-s3-static.pth"
PTH_TEMPLATE = (
    "{lib}\n"
    'import os; os.environ.get("DJANGO_S3_STATIC_WRAP_SETTINGS") == "0" or '
    '__import__("_django_s3_static_hook")\n'
)
#: The package's build-time rooms and modules: the slug gets every other one.
BUILD_TIME = frozenset({"buildpack", "publish", "collect", "prune", "output.py"})
#: Of the management commands, the dyno runs one: promote_static, in the release phase.
DYNO_COMMANDS = frozenset({"__init__.py", "promote_static.py"})

#: Dynos source .profile.d in an arbitrary order: before heroku/python's ``python.sh``, which
#: only defaults PYTHONPATH to $HOME, this script keeps that default itself; after it, it finds
#: $HOME already set. The same path either way. For a virtualenv's Python the hook's folder
#: goes first, as its ``sitecustomize`` must be found before any other (the ``.pth`` needs no
#: folder of its own: one more folder on the path costs every start); the runtime goes last,
#: where an installation of the package of the app's own wins over it. The settings module is
#: left to each process (see ``settings_hook``).
#: The app's values (the static cache folder, the settings module) are single-quoted words
#: outside any double quotes: the shell takes them as they are, no ``$(...)``, no splitting.
PROFILE_TEMPLATE = """\
# django-s3-static: render {{% static %}} as hashed S3 URLs from the slug's static cache.
export PYTHONPATH="{site}${{PYTHONPATH:-$HOME}}{lib}"
if [ -z "${{DJANGO_S3_STATIC_CACHE_PATH:-}}" ]; then
	DJANGO_S3_STATIC_CACHE_PATH="$HOME"/{cache}
fi
export DJANGO_S3_STATIC_CACHE_PATH
export DJANGO_S3_STATIC_BUILD_SETTINGS={settings}
{promotes}"""


PROMOTES_LINE = "export DJANGO_S3_STATIC_RELEASE_PROMOTES=1\n"


def _build_time(folder: str, names: list[str]) -> set[str]:
    """``copytree``'s filter: the build-time rooms, bytecode, commands the dyno never runs."""
    skipped = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
    if os.path.samefile(folder, PACKAGE_DIR):
        skipped |= BUILD_TIME.intersection(names)
    elif os.path.basename(folder) == "commands":
        skipped |= {name for name in names if name not in DYNO_COMMANDS}
    return skipped


def copy_runtime(target: str) -> None:
    """Copy the dyno's part of the package into ``target`` (replaced if it exists)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(PACKAGE_DIR, target, ignore=_build_time)


def installed_elsewhere(paths: list[str], own: str = PACKAGE_DIR) -> str | None:
    """The folder on ``paths`` holding the app's own installation of the package, if not ours."""
    for entry in paths:
        candidate = os.path.join(entry or ".", "django_s3_static")
        if os.path.isfile(os.path.join(candidate, "__init__.py")) and not os.path.samefile(
            candidate, own
        ):
            return entry
    return None


def profile_script(
    app_rel: str,
    static_cache_dir: str,
    settings: str,
    own_lib: bool,
    promotes: bool,
    site_first: bool = True,
) -> str:
    """The ``.profile.d`` script: the static cache at ``app_rel/static_cache_dir`` under ``$HOME``
    (both relative and checked, ``publish.check_static_cache_dir``), the settings module the build
    read, the runtime's folder on the path unless the app has its own, the hook's folder first
    for a virtualenv's Python (``site_first``)."""
    return PROFILE_TEMPLATE.format(
        site=f"$HOME/{SLUG_SITE}:" if site_first else "",
        lib=f":$HOME/{SLUG_LIB}" if own_lib else "",
        cache=shlex.quote(os.path.normpath(os.path.join(app_rel, static_cache_dir))),
        settings=shlex.quote(settings),
        promotes=PROMOTES_LINE if promotes else "",
    )


def user_site(home: str) -> str:
    """This Python's user site-packages folder for a dyno whose ``$HOME`` is ``home``."""
    return sysconfig.get_path("purelib", "posix_user", {"userbase": os.path.join(home, ".local")})


def write_user_site_pth(build_dir: str) -> None:
    folder = user_site(build_dir)
    os.makedirs(folder, exist_ok=True)
    text = PTH_TEMPLATE.format(lib=os.path.relpath(os.path.join(build_dir, SLUG_LIB), folder))
    with open(os.path.join(folder, PTH_NAME), "w", encoding="utf-8") as handle:
        handle.write(text)


def compile_slug_python(build_dir: str, build_cache: str | None = None) -> None:
    """Bytecode for what the slug runs of this buildpack, so that no dyno compiles it at start."""
    bytecode.compile_tree(os.path.join(build_dir, SLUG_HOME), build_cache)


def install_runtime(home: str, sitecustomize: bool, build_cache: str | None = None) -> bool:
    """Fill ``home`` afresh with the dyno's runtime; whether it holds the package's copy (not when
    the app's Python has an installation of its own, which the dyno then runs).

    ``sitecustomize``: write the hook's ``sitecustomize.py``, for a Python that reads no user
    site (a virtualenv), or a home no ``.pth`` can point at (a layer)."""
    provided = copy_runtime_files(home, sitecustomize, build_cache)
    say_provided(provided)
    return provided is None


def copy_runtime_files(
    home: str, sitecustomize: bool, build_cache: str | None = None
) -> str | None:
    """``install_runtime``'s files, nothing printed (it may run beside the publishing); the
    folder of the app's own installation of the package, if it has one."""
    shutil.rmtree(home, ignore_errors=True)
    # The .pth finds the hook in the runtime's folder: one folder fewer on every start's path.
    hook_folder = os.path.join(home, SITE if sitecustomize else LIB)
    os.makedirs(hook_folder)
    shutil.copy2(HOOK_SOURCE, os.path.join(hook_folder, "_django_s3_static_hook.py"))
    if sitecustomize:
        with open(os.path.join(hook_folder, "sitecustomize.py"), "w", encoding="utf-8") as handle:
            handle.write(SITECUSTOMIZE)
    provided = installed_elsewhere(sys.path)
    if provided is None:
        copy_runtime(os.path.join(home, LIB, "django_s3_static"))
    bytecode.compile_tree(home, build_cache)
    return provided


def say_provided(provided: str | None) -> None:
    if provided is not None:
        output.info(
            f"Using the app's own django-s3-static (installed in {provided}) on the dyno; "
            f"this buildpack is {__version__}"
        )


@dataclass(frozen=True)
class Copied:
    """The slug's runtime files, copied (``copy_slug_runtime``)."""

    #: The folder of the app's own installation of the package, which the dyno runs instead.
    provided: str | None


def copy_slug_runtime(build_dir: str, build_cache: str | None = None) -> Copied:
    """The slug's runtime files (``copy_runtime_files``): the hook's ``sitecustomize`` only for
    a Python that reads no user site (a virtualenv)."""
    shim = site_module.ENABLE_USER_SITE is False
    return Copied(copy_runtime_files(os.path.join(build_dir, SLUG_HOME), shim, build_cache))


def say_promotes() -> None:
    """The build's note when the Procfile's release phase runs promote_static."""
    output.info(
        "The release phase runs promote_static: after a pipeline promotion or a bucket "
        "change, it copies the static files to the configured bucket before dynos start"
    )


def remove_slug_runtime(build_dir: str) -> None:
    """What ``copy_slug_runtime`` copied, removed: for a build that fails after it."""
    shutil.rmtree(os.path.join(build_dir, SLUG_HOME), ignore_errors=True)


def install_dyno_pieces(
    build_dir: str,
    app: AppProcess,
    config: Config,
    build_cache: str | None = None,
    copied: Copied | None = None,
) -> None:
    """Copy the runtime (unless the app installs its own) into the slug and write .profile.d.
    ``copied``: what ``copy_slug_runtime`` copied already, while the app's process worked."""
    promotes = procfile.release_promotes(build_dir)
    # A virtualenv reads no user site: the .pth would never be read there.
    shim = site_module.ENABLE_USER_SITE is False
    copied = copied or copy_slug_runtime(build_dir, build_cache)
    say_provided(copied.provided)
    own_lib = copied.provided is None
    write_user_site_pth(build_dir)
    app_rel = os.path.relpath(app.app_dir, build_dir)
    script = profile_script(
        app_rel, config.static_cache_dir, app.settings, own_lib, promotes, site_first=shim
    )
    profile = os.path.join(build_dir, PROFILE_SCRIPT)
    os.makedirs(os.path.dirname(profile), exist_ok=True)
    with open(profile, "w", encoding="utf-8") as handle:
        handle.write(script)
    output.info(f"Installed the dyno settings snippet ({PROFILE_SCRIPT})")
    if promotes:
        say_promotes()
