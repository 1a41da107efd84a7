"""Install the settings snippet into whichever settings module a dyno's process imports.

Each process picks its own settings module, so the hook acts when Python imports the one
``DJANGO_SETTINGS_MODULE`` names at that moment, and then calls ``django_s3_static.snippet.install``
on it. It is imported at interpreter start (https://docs.python.org/3/library/site.html) by a
``.pth`` file in the slug's user site folder, which ``site`` reads before any ``sitecustomize``:
agents that put their own ``sitecustomize`` first and load no other (``opentelemetry-instrument``)
cannot skip it, and the app's own ``sitecustomize`` is found as usual. A virtualenv has no user
site: there the build also writes a ``sitecustomize.py`` that imports the hook and then the one it
hides (``run_next_sitecustomize``).

At start it only puts a finder on ``sys.meta_path``; the build ships it compiled. It stays a
single file with no relative import: it runs before the package is importable.
``DJANGO_S3_STATIC_WRAP_SETTINGS=0`` turns it off (see the dyno page's explicit alternative): the
``.pth`` line reads it before importing this file, and this file (for its other spellings of
off) before installing the finder.

Every Python process runs this file, so it defines at start only what it runs there: no type
annotations (they would be evaluated at each start) and one class; the loader that installs the
snippet is made when the settings module is found.
"""

import os
import sys

_OFF = ("0", "false", "no", "off")
SWITCH = "DJANGO_S3_STATIC_WRAP_SETTINGS"
#: The name the build gives this file in the slug.
MODULE = "_django_s3_static_hook"
#: The folders (device and inode) whose ``sitecustomize`` has run in this process: the same
#: folder reached by two spellings (a symlink) is run once, and a loop stops.
_CHAINED = set()


def switched_off():
    return os.environ.get(SWITCH, "1").strip().lower() in _OFF


class SettingsFinder:
    """A ``sys.meta_path`` finder that answers for the current settings module only."""

    _django_s3_static = True  # found by this mark, whichever copy of the module made it

    def find_spec(self, fullname, path=None, target=None):
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE") or ""
        own = fullname == settings_module
        if not (own or settings_module.startswith(fullname + ".")):
            return None  # not the settings module, nor one of its packages
        if fullname.startswith("django_s3_static"):
            return None
        if switched_off():
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if own and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _installing(spec.loader)
                return spec
        raise ModuleNotFoundError(_not_found(fullname, settings_module), name=fullname)


def _installing(loader):
    """The settings module's own loader, then ``install`` on the module's namespace."""

    class InstallingLoader:
        def create_module(self, spec):
            return loader.create_module(spec)

        def exec_module(self, module):
            loader.exec_module(module)
            from django_s3_static.snippet import install  # lazy: when settings load

            install(module.__dict__)  # does nothing to a module that called it itself

        def __getattr__(self, name):
            return getattr(loader, name)

    return InstallingLoader()


def _not_found(name, settings_module):
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


def install_finder():
    """Put the finder first on ``sys.meta_path``, once per process."""
    if not any(getattr(finder, "_django_s3_static", False) for finder in sys.meta_path):
        sys.meta_path.insert(0, SettingsFinder())


def run_next_sitecustomize(own_file):
    """Load the ``sitecustomize`` that the one in ``own_file``'s folder hides, if any: found on
    ``sys.path`` but in the folders already run, whatever their spelling."""
    own = _identity(os.path.dirname(os.path.abspath(own_file)))
    if own is None or own in _CHAINED:
        return
    _CHAINED.add(own)
    rest = [entry for entry in sys.path if _identity(entry or ".") not in _CHAINED]
    spec = _path_finder().find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = sys.modules["_frozen_importlib"].module_from_spec(spec)  # importlib._bootstrap
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


def _identity(path):
    """One ``stat`` (symlinks followed): cheaper at every start than resolving real paths."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _path_finder():
    """The path-based finder already on ``sys.meta_path``: importing importlib's public
    modules at every start would cost more than the hook itself."""
    for finder in sys.meta_path:
        if getattr(finder, "__name__", None) == "PathFinder":
            return finder
    from importlib.machinery import PathFinder  # lazy: only where meta_path was replaced

    return PathFinder


if __name__ == MODULE and not switched_off():
    install_finder()
