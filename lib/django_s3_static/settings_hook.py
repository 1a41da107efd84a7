"""Install the settings snippet into whichever settings module a dyno's process imports.

Each process picks its own settings module, so the hook acts when Python imports the one
``DJANGO_SETTINGS_MODULE`` names at that moment. It is installed as ``sitecustomize.py``
(https://docs.python.org/3/library/site.html#module-sitecustomize), as monitoring agents are, and
runs before the package is importable: one file, no relative import. An app's own ``sitecustomize``
still runs.
"""

from __future__ import annotations

import os
import sys

_OFF = ("0", "false", "no", "off")


class _InstallingLoader:
    """The settings module's own loader, then ``install`` on the module's namespace."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        from django_s3_static.snippet import install  # lazy: when settings load

        install(module.__dict__)  # does nothing to a module that called it itself

    def __getattr__(self, name: str):
        return getattr(self._loader, name)


class SettingsFinder:
    """A ``sys.meta_path`` finder that answers for the current settings module only."""

    def find_spec(self, fullname: str, path=None, target=None):
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE") or ""
        own = fullname == settings_module
        if not (own or settings_module.startswith(fullname + ".")):
            return None  # not the settings module, nor one of its packages
        if fullname.startswith("django_s3_static"):
            return None
        if os.environ.get("DJANGO_S3_STATIC_WRAP_SETTINGS", "1").strip().lower() in _OFF:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if own and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _InstallingLoader(spec.loader)
                return spec
        raise ModuleNotFoundError(_not_found(fullname, settings_module), name=fullname)


def _not_found(name: str, settings_module: str) -> str:
    """Python would say only "No module named ...": say where it looked and what to do."""
    head = [entry or "." for entry in sys.path[:4]]
    built = os.environ.get("DJANGO_S3_STATIC_BUILD_SETTINGS")
    hint = f" The build read {built!r}." if built and built != settings_module else ""
    return (
        f"No module named {name!r}: DJANGO_SETTINGS_MODULE={settings_module!r} is not importable "
        f"from this process's folder {os.getcwd()!r} (sys.path starts {head}).{hint} "
        "Fix the config var (heroku config:set DJANGO_SETTINGS_MODULE=...) or the Procfile "
        "command (run it from the app's folder, e.g. gunicorn --chdir)."
    )


def install_finder() -> None:
    if not any(isinstance(finder, SettingsFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, SettingsFinder())


def run_next_sitecustomize(own_file: str) -> None:
    """Load the ``sitecustomize`` that this one hides (the app's, a distribution's), if any."""
    from importlib.machinery import PathFinder  # lazy: only as sitecustomize, at start-up
    from importlib.util import module_from_spec  # lazy: as above

    own_dir = os.path.dirname(os.path.abspath(own_file))
    rest = [entry for entry in sys.path if os.path.abspath(entry or ".") != own_dir]
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


if __name__ == "sitecustomize":
    install_finder()
    run_next_sitecustomize(__file__)
