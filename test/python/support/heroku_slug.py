"""A slug built on the app's Python as heroku/python leaves it (``heroku_python``), and its dynos
with every ``.profile.d`` script heroku/python writes.

heroku/python v351 (https://github.com/heroku/heroku-buildpack-python/blob/v351/bin/compile)
writes ``.profile.d/python.sh`` with ``set_env``/``set_default_env`` (vendor/buildpack-stdlib_v8.sh:
``export K=V`` and ``export K=${K:-V}``), after its manager's own lines (lib/pip.sh,
lib/pipenv.sh), then the ``/app`` link and the editable-``.pth`` rewrite; it copies
vendor/WEB_CONCURRENCY.sh and vendor/python.gunicorn.sh beside it. The same variables go to its
``export`` file, which later buildpacks (this one) get during the build.

One change for a test machine: ``/app`` is a folder of the slug's own (``app_root``), linked to
the build's Python as heroku/python links ``/app/.heroku/python``, so that parallel tests never
share it. ``WEB_CONCURRENCY.sh`` reads the memory limit from ``DSS_TEST_MEMORY_LIMIT_FILE`` when
set (Heroku's dynos have ``/sys/fs/cgroup/memory/memory.limit_in_bytes``; this machine may not).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from .dyno import FIXTURES, Slug
from .heroku_python import MANAGER_FIXTURES, AppPython

#: lib/pip.sh and lib/pipenv.sh: what each manager adds to python.sh and to ``export``, first.
#: ``{python_home}`` is heroku/python's ``/app/.heroku/python``.
MANAGER_LINES = {
    "pip": ['export PIP_DISABLE_PIP_VERSION_CHECK="1"'],
    "pipenv": [
        'export PATH="{python_home}/pipenv/bin:${{PATH}}"',
        'export PIPENV_SYSTEM="1"',
        'export PIPENV_VERBOSITY="-1"',
        'export VIRTUAL_ENV="{python_home}"',
    ],
    "uv": [],
    "poetry": [],
}

#: vendor/buildpack-stdlib_v8.sh's ``_env_blacklist``: config vars ``sub_env`` does not export.
SUB_ENV_BLACKLIST = frozenset(
    ("PATH", "CPATH", "CPPATH", "LD_PRELOAD", "LIBRARY_PATH", "LD_LIBRARY_PATH", "PYTHONHOME")
)

#: bin/compile's set_env / set_default_env lines, in its order.
SET_ENV = """\
export PATH=${HOME}/.heroku/python/bin:${PATH}
export PYTHONUNBUFFERED=true
export PYTHONHOME=${HOME}/.heroku/python
export LIBRARY_PATH=${HOME}/.heroku/python/lib${LIBRARY_PATH:+:${LIBRARY_PATH}}
export LD_LIBRARY_PATH=${HOME}/.heroku/python/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}
export LANG=${LANG:-en_US.UTF-8}
export PYTHONPATH=${PYTHONPATH:-${HOME}}
"""

#: bin/compile: the /app link when the app runs elsewhere, and the runtime rewrite of the build
#: folder in editable installs' .pth files.
APP_LINK_AND_PTH = """\
if [[ $HOME != "{app}" ]]; then
    mkdir -p {app}/.heroku
    ln -nsf "$HOME/.heroku/python" {app}/.heroku/python
fi
find .heroku/python/lib/python*/site-packages/ -type f -and \\( -name '*.egg-link' -or -name \
'*.pth' -or -name '__editable___*_finder.py' \\) -exec sed -i -e 's#{build_dir}#{app}#' {{}} \\+
"""

#: vendor/python.gunicorn.sh's two settings.
GUNICORN_SH = """\
export FORWARDED_ALLOW_IPS='*'
export GUNICORN_CMD_ARGS=${GUNICORN_CMD_ARGS:-"--access-logfile -"}
"""

#: What vendor/WEB_CONCURRENCY.sh does, written here (sourced, so it returns, never exits): with
#: the dyno's memory limit it exports DYNO_RAM and, unless set, WEB_CONCURRENCY (the lower of
#: memory / 256 MB, at least 1, and cores * 2 + 1) and WEB_CONCURRENCY_SET_BY; it tells web dynos
#: on stderr, and sets nothing when the limit is unknown.
WEB_CONCURRENCY_SH = """\
_dss_say() { if [[ "${DYNO:-}" == web.* ]]; then echo "Python buildpack: $*" >&2; fi; }
_dss_limit="${DSS_TEST_MEMORY_LIMIT_FILE:-/sys/fs/cgroup/memory/memory.limit_in_bytes}"
if [[ -f "${_dss_limit}" ]] && _dss_mb=$(($(cat "${_dss_limit}") / 1048576)) \\
    && ((_dss_mb <= 1048576)); then
    _dss_cores=$(nproc)
    _dss_say "Detected ${_dss_mb} MB available memory and ${_dss_cores} CPU cores."
    export DYNO_RAM="${_dss_mb}"
    if [[ ! -v WEB_CONCURRENCY ]]; then
        export WEB_CONCURRENCY_SET_BY="heroku/python"
        _dss_by_memory=$((_dss_mb < 256 ? 1 : _dss_mb / 256))
        _dss_by_cores=$((_dss_cores * 2 + 1))
        export WEB_CONCURRENCY=$((_dss_by_memory < _dss_by_cores ? _dss_by_memory : _dss_by_cores))
    fi
else
    _dss_say "Couldn't determine available memory. Skipping automatic configuration of \
WEB_CONCURRENCY."
fi
"""


def python_sh(manager: str, build_dir: str, app: str) -> str:
    """``.profile.d/python.sh`` as heroku/python writes it for an app built in ``build_dir``."""
    lines = [line.format(python_home=f"{app}/.heroku/python") for line in MANAGER_LINES[manager]]
    head = "".join(f"{line}\n" for line in lines)
    return head + SET_ENV + APP_LINK_AND_PTH.format(app=app, build_dir=build_dir)


def export_env(manager: str, app: str, home: str, environ: dict[str, str]) -> dict[str, str]:
    """heroku/python's ``export`` file as the next buildpack's bin/compile sees it: HOME is
    ``/app`` in a build, and its Python is on PATH through the ``/app`` link."""
    python_home = f"{app}/.heroku/python"
    env = dict(environ)
    env["PATH"] = f"{home}/.heroku/python/bin:{env.get('PATH', '/usr/bin:/bin')}"
    env.update(PYTHONUNBUFFERED="true", PYTHONHOME=f"{home}/.heroku/python")
    for name in ("LIBRARY_PATH", "LD_LIBRARY_PATH"):
        env[name] = f"{home}/.heroku/python/lib" + (f":{env[name]}" if env.get(name) else "")
    env.setdefault("LANG", "en_US.UTF-8")
    env.setdefault("PYTHONPATH", home)
    if manager == "uv":
        env.update(
            UV_PROJECT_ENVIRONMENT=python_home,
            UV_NO_MANAGED_PYTHON="1",
            UV_PYTHON_DOWNLOADS="never",
            UV_LINK_MODE="hardlink",
        )
    elif manager == "poetry":
        env.update(POETRY_VIRTUALENVS_CREATE="false", POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true")
    elif manager == "pip":
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    elif manager == "pipenv":
        env.update(PIPENV_SYSTEM="1", PIPENV_VERBOSITY="-1", VIRTUAL_ENV=python_home)
        env["PATH"] = f"{python_home}/pipenv/bin:{env['PATH']}"
    return env


@dataclass
class HerokuSlug(Slug):
    """A ``Slug`` whose ``.heroku/python`` is ``app_python``'s prefix."""

    app_python: AppPython | None = None
    #: False: the build's pip reads none of this machine's configuration (its files and
    #: ``PIP_*`` variables), as on Heroku, where a test compares the build log with Heroku's.
    machine_pip_config: bool = True

    @property
    def app_root(self) -> str:
        """This slug's stand-in for ``/app``."""
        return os.path.join(self.root, "app")

    def prepare(self, fixture: str = "example_app") -> HerokuSlug:
        """The example app with the manager fixture's files instead of its requirements.txt."""
        assert self.app_python is not None
        shutil.copytree(os.path.join(FIXTURES, fixture), self.build_dir, symlinks=True)
        os.remove(os.path.join(self.build_dir, "requirements.txt"))
        shutil.copytree(
            os.path.join(MANAGER_FIXTURES, self.app_python.fixture),
            self.build_dir,
            dirs_exist_ok=True,
        )
        return self.lay_out()

    def lay_out(self) -> HerokuSlug:
        """Around the app already in BUILD_DIR, what heroku/python leaves: its Python in
        ``.heroku/python`` (and linked from ``/app``), its ``.profile.d`` scripts, and CACHE_DIR
        and ENV_DIR unless they are there."""
        os.makedirs(os.path.join(self.build_dir, ".heroku"))
        os.symlink(self.python_home, os.path.join(self.build_dir, ".heroku", "python"))
        os.makedirs(os.path.join(self.app_root, ".heroku"))
        os.symlink(
            os.path.join(self.build_dir, ".heroku", "python"),
            os.path.join(self.app_root, ".heroku", "python"),
        )
        os.makedirs(self.cache_dir, exist_ok=True)
        os.makedirs(self.env_dir, exist_ok=True)
        self._write_profile_d(self.build_dir)
        return self

    def _write_profile_d(self, folder: str) -> None:
        """What heroku/python leaves in ``.profile.d`` before this buildpack's compile."""
        assert self.app_python is not None
        profile_d = os.path.join(folder, ".profile.d")
        os.makedirs(profile_d, exist_ok=True)
        scripts = {
            "python.sh": python_sh(self.app_python.manager, self.build_dir, self.app_root),
            "WEB_CONCURRENCY.sh": WEB_CONCURRENCY_SH,
            "python.gunicorn.sh": GUNICORN_SH,
        }
        for name, text in scripts.items():
            with open(os.path.join(profile_d, name), "w") as handle:
                handle.write(text)

    def build_env(self, env: dict[str, str]) -> dict[str, str]:
        assert self.app_python is not None
        if not self.machine_pip_config:
            env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
            env["PIP_CONFIG_FILE"] = os.devnull
        return export_env(self.app_python.manager, self.app_root, self.app_root, env)

    def hook_env(self, env: dict[str, str]) -> dict[str, str]:
        """The environment of heroku/python's own bin/compile, in which lib/hooks.sh runs
        ``bin/post_compile`` with ``sub_env`` (the config vars but ``PATH``, ``LD_*``,
        ``LIBRARY_PATH``, ``PYTHONHOME``): the ``export`` file's variables but ``PYTHONHOME``
        and ``PYTHONPATH``, which bin/compile unsets for itself and only writes out. (There the
        manager's own command is on ``PATH`` too; here only Pipenv's is.)"""
        found = self.build_env(env)
        for name in ("PYTHONHOME", "PYTHONPATH"):
            found.pop(name, None)
        kept = {k: v for k, v in self.config.items() if k not in SUB_ENV_BLACKLIST}
        return {**found, **kept}

    def _dyno_env(
        self, env: dict[str, str] | None, home: str, dyno: str | None = None
    ) -> dict[str, str]:
        """A dyno's environment, with the memory limit of a 512 MB dyno (Standard-1X) for
        ``WEB_CONCURRENCY.sh``."""
        limit = os.path.join(self.root, "memory.limit_in_bytes")
        if not os.path.exists(limit):
            with open(limit, "w") as handle:
                handle.write(str(512 * 1024 * 1024))
        return {"DSS_TEST_MEMORY_LIMIT_FILE": limit, **super()._dyno_env(env, home, dyno)}

    def dyno_home(self, dyno: str) -> str:
        """A fresh copy of the slug: heroku/python's scripts came with it from the build."""
        self._dynos += 1
        home = os.path.join(self.root, "dynos", f"{self._dynos}-{dyno}")
        shutil.copytree(self.build_dir, home, symlinks=True)
        return home


def heroku_slug(root: str, app_python: AppPython, order: str = "ours-first") -> HerokuSlug:
    """A slug for ``app_python``'s fixture, ready to build."""
    slug = HerokuSlug(root, app_python.home, app_python=app_python, profile_order=order)
    return slug.prepare()
