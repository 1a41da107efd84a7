"""A developer's first week with an app, as the README says it: push, publish and commit the static
cache, push, change a stylesheet, publish and commit, push, and look at the site.

``Week`` keeps what a developer has: the repository (what is committed and pushed) and the checkout
(the repository plus the local edits that are never committed, such as the ``INSTALLED_APPS`` line
``publish_static`` needs), one bucket, the app's config vars, the shell variables the developer
exports to publish, and Heroku's build cache, kept from one push to the next as Heroku keeps it
(https://devcenter.heroku.com/articles/buildpack-api#caching).

The app's Python is the one heroku/python makes for the app's own manager files
(``support.heroku_python.app_python``: uv's ``uv sync --locked --no-default-groups`` into a
pip-less prefix, or pip's ``pip install -r requirements.txt``). Each push builds a fresh copy of
the repository on it as Heroku would (``support.heroku_slug``: heroku/python's ``.profile.d``
scripts and ``export`` variables), and before this buildpack runs what heroku/python runs after
its own (turned off) ``collectstatic``: the app's ``bin/post_compile``, in heroku/python's own
environment (its Python first on ``PATH`` through ``/app``, no ``PYTHONHOME``) with the config
vars (lib/hooks.sh runs it with ``sub_env``:
https://github.com/heroku/heroku-buildpack-python/blob/v351/lib/hooks.sh).

The developer's machine runs ``publish_static`` with the checkout of django-s3-static on
``PYTHONPATH`` and, unless a test gives another, the app's Python: the same locked packages
``uv run python manage.py publish_static`` runs with.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .checkout import command_env, manage
from .dyno import FIXTURES, Dyno, Result
from .heroku_python import AppPython
from .heroku_slug import HerokuSlug

#: A warning in a build log (`` !     Warning: ...``), or Python's and Django's.
WARNING = re.compile(r"^\s*!|warn", re.IGNORECASE | re.MULTILINE)
#: What the build says when it asks for a publish it has just been given (a circular note), and
#: when it collects everything.
CIRCULAR = ("no finders record", "does not vouch", "Refresh the committed cache")
FULL_COLLECT = ("Collecting", "Collected ")


@dataclass
class Push:
    slug: HerokuSlug
    hook: Result | None  # bin/post_compile, when the app has one
    build: Result


@dataclass
class Week:
    fixture: str
    root: Path
    app: AppPython  # the app's Python, as heroku/python makes it from the fixture's manager files
    config: dict[str, str]  # the app's config vars
    local: dict[str, str]  # what the developer exports to run publish_static
    local_edits: dict[str, Callable[[str], str]] = field(default_factory=dict)
    #: The Python publish_static runs with on the developer's machine: the app's own (``uv run``)
    #: unless the README asks for more there than the app ships (boto3 for a pip app without it).
    developer_python: str | None = None
    pushes: list[Push] = field(default_factory=list)

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def checkout(self) -> Path:
        return self.root / "checkout"

    def start(self) -> Week:
        """Clone: the repository as the fixture has it, the checkout with the local edits."""
        shutil.copytree(os.path.join(FIXTURES, self.fixture), self.repo, symlinks=True)
        shutil.copytree(self.repo, self.checkout, symlinks=True)
        for name, edit in self.local_edits.items():
            path = self.checkout / name
            path.write_text(edit(path.read_text()))
        os.makedirs(self.root / "build-cache")
        return self

    def push(self) -> Push:
        """git push heroku main: a build of the repository, bin/post_compile first."""
        root = str(self.root / f"push-{len(self.pushes) + 1}")
        slug = HerokuSlug(root, self.app.home, app_python=self.app, machine_pip_config=False)
        shutil.copytree(self.repo, slug.build_dir, symlinks=True)
        os.symlink(self.root / "build-cache", slug.cache_dir)
        slug.lay_out()
        slug.set_config(**self.config)
        pushed = Push(slug, post_compile(slug), slug.compile())
        self.pushes.append(pushed)
        return pushed

    def publish(self) -> subprocess.CompletedProcess:
        """python manage.py publish_static, in the checkout, with the local settings."""
        env = command_env(self.local)
        python = self.developer_python or self.app.python
        return manage(self.checkout, env, "publish_static", python=python)

    def commit_static_cache(self) -> None:
        """git add static_cache && git commit."""
        shutil.rmtree(self.repo / "static_cache", ignore_errors=True)
        shutil.copytree(self.checkout / "static_cache", self.repo / "static_cache")

    def change(self, name: str, edit: Callable[[str], str]) -> None:
        """An edit of a committed file, in the checkout and committed."""
        for base in (self.checkout, self.repo):
            path = base / name
            path.write_text(edit(path.read_text()))


def post_compile(slug: HerokuSlug, timeout: float = 120) -> Result | None:
    """heroku/python's post_compile hook, run as it runs it; None without ``bin/post_compile``."""
    hook = os.path.join(slug.build_dir, "bin", "post_compile")
    if not os.path.isfile(hook):
        return None
    os.chmod(hook, 0o755)
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": slug.app_root}
    process = subprocess.run(
        [hook],
        cwd=slug.build_dir,
        env=slug.hook_env(base),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(process.returncode, process.stdout, process.stderr)


def dyno_get(dyno: Dyno, path: str, https: bool = True) -> tuple[int, str, dict[str, str]]:
    """A request as Heroku's router passes it on (TLS ended, ``X-Forwarded-Proto: https``), or
    one that came over plain HTTP; a redirect is the answer, not followed."""
    headers = {"X-Forwarded-Proto": "https"} if https else {}
    request = urllib.request.Request(dyno.url + path, headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            body, status, found = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body, status, found = exc.read(), exc.code, dict(exc.headers)
    return status, body.decode("utf-8", "replace"), found


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def warnings_in(text: str) -> list[str]:
    """The warnings in a log."""
    return [line for line in text.splitlines() if WARNING.search(line)]


def fast_path_problems(push: Push) -> list[str]:
    """What keeps a push from the README's fast path with the settings alone: a failed build, a
    warning, a circular note, a collect; empty when it took it."""
    out = push.build.stdout
    found = [] if push.build.returncode == 0 else [f"exit {push.build.returncode}"]
    found += warnings_in(push.build.output)
    found += [line for line in out.splitlines() if any(t in line for t in CIRCULAR)]
    found += [line for line in out.splitlines() if line.strip().startswith(FULL_COLLECT)]
    if "Timings: inspect (settings only)" not in out or "Static files unchanged" not in out:
        found.append("not on the fast path with the settings alone")
    return found
