"""Run the buildpack as Heroku would, then run the slug as Heroku's dynos do: shared by the demo,
the benchmarks and the tests.

``Slug`` lays out BUILD_DIR, CACHE_DIR and ENV_DIR (the app copied from a fixture,
``.heroku/python`` linked to a prepared Python as heroku/python leaves it) and runs bin/detect,
bin/compile and bin/release. Then, as Heroku does for every dyno
(https://devcenter.heroku.com/articles/dynos, https://devcenter.heroku.com/articles/release-phase):

- each dyno gets a fresh copy of the slug in a folder of its own, not BUILD_DIR: the slug is built
  in one folder and run from another (``HOME`` is that folder, as ``/app`` is on Heroku), and what
  a dyno writes is lost with it;
- it holds heroku/python's ``.profile.d/python.sh`` beside this buildpack's script, and sources
  them all, then runs the process's command with ``bash -c``. Dev Center says the scripts run in
  an arbitrary order (https://devcenter.heroku.com/articles/buildpack-api#profile-d-scripts):
  ``profile_order`` is ``"ours-first"`` (this buildpack's script before the others, as the
  usual alphabetical order has it) or ``"ours-last"``;
- process types come from the Procfile: ``start("web")`` (gunicorn on a loopback port),
  ``start("worker")``, ``run(...)`` for ``heroku run`` one-off commands, and ``release_phase()``
  for the ``release`` command, whose failure means the release is not deployed.

``local(...)`` runs a command in BUILD_DIR instead: the app's checkout on a developer's machine.
"""

from __future__ import annotations

import gzip
import html.parser
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURES = os.path.join(ROOT, "test", "fixtures")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Slug:
    root: str
    python_home: str
    buildpack: str = ROOT
    config: dict[str, str] = field(default_factory=dict)
    profile_order: str = "ours-first"
    _dynos: int = 0

    @property
    def build_dir(self) -> str:
        return os.path.join(self.root, "build")

    @property
    def cache_dir(self) -> str:
        return os.path.join(self.root, "cache")

    @property
    def env_dir(self) -> str:
        return os.path.join(self.root, "env")

    def prepare(self, fixture: str = "example_app") -> Slug:
        shutil.copytree(os.path.join(FIXTURES, fixture), self.build_dir, symlinks=True)
        os.makedirs(os.path.join(self.build_dir, ".heroku"), exist_ok=True)
        os.symlink(self.python_home, os.path.join(self.build_dir, ".heroku", "python"))
        os.makedirs(self.cache_dir, exist_ok=True)
        os.makedirs(self.env_dir, exist_ok=True)
        return self

    def promoted(self, root: str, config: dict[str, str]) -> Slug:
        """``heroku pipelines:promote``: this slug released on another app, with that app's
        config vars; nothing is rebuilt (https://devcenter.heroku.com/articles/pipelines)."""
        other = Slug(root, self.python_home, self.buildpack)
        shutil.copytree(self.build_dir, other.build_dir, symlinks=True)
        os.makedirs(other.cache_dir, exist_ok=True)
        os.makedirs(other.env_dir, exist_ok=True)
        other.set_config(**config)
        return other

    def set_config(self, **values: str) -> None:
        """heroku config:set: one file per config var in ENV_DIR."""
        for key, value in values.items():
            self.config[key] = value
            with open(os.path.join(self.env_dir, key), "w") as handle:
                handle.write(value)

    def unset_config(self, *keys: str) -> None:
        for key in keys:
            self.config.pop(key, None)
            path = os.path.join(self.env_dir, key)
            if os.path.exists(path):
                os.remove(path)

    def script(self, name: str, *args: str, timeout: float = 300) -> Result:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
        clean.pop("PYTHONPATH", None)
        clean = self.build_env(clean)
        process = subprocess.run(
            [os.path.join(self.buildpack, "bin", name), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=clean,
            stdin=subprocess.DEVNULL,
        )
        return Result(process.returncode, process.stdout, process.stderr)

    def build_env(self, env: dict[str, str]) -> dict[str, str]:
        """The environment bin/compile and bin/release get from the buildpacks before."""
        return env

    def profile_command(self, home: str) -> str:
        """``bash -c`` text that sources the dyno's .profile.d in ``profile_order``."""
        folder = os.path.join(home, ".profile.d")
        names = sorted(n for n in os.listdir(folder) if n.endswith(".sh"))
        ours = [n for n in names if n == "django-s3-static.sh"]
        others = [n for n in names if n not in ours]
        ordered = ours + others if self.profile_order == "ours-first" else others + ours
        files = " ".join(f".profile.d/{name}" for name in ordered)
        return f'cd "$HOME" && for f in {files}; do . "$f"; done && '

    def detect(self) -> Result:
        return self.script("detect", self.build_dir)

    def compile(self, timeout: float = 300) -> Result:
        return self.script("compile", self.build_dir, self.cache_dir, self.env_dir, timeout=timeout)

    def release(self) -> Result:
        return self.script("release", self.build_dir)

    def procfile(self) -> dict[str, str]:
        """The app's process types: name → command."""
        types = {}
        with open(os.path.join(self.build_dir, "Procfile")) as handle:
            for line in handle:
                name, sep, command = line.partition(":")
                if sep and name.strip() and not name.startswith("#"):
                    types[name.strip()] = command.strip()
        return types

    def dyno_home(self, dyno: str) -> str:
        """A fresh copy of the slug for one dyno, with heroku/python's .profile.d script."""
        self._dynos += 1
        home = os.path.join(self.root, "dynos", f"{self._dynos}-{dyno}")
        shutil.copytree(self.build_dir, home, symlinks=True)
        python_sh = os.path.join(home, ".profile.d", "python.sh")
        os.makedirs(os.path.dirname(python_sh), exist_ok=True)
        if not os.path.exists(python_sh):
            with open(python_sh, "w") as handle:
                handle.write(HEROKU_PYTHON_PROFILE)
        return home

    def run(
        self,
        command: str,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        dyno: str = "run.1",
    ) -> Result:
        """A one-off dyno (heroku run): a fresh copy of the slug, .profile.d sourced."""
        home = self.dyno_home(dyno)
        return self._bash(command, home, self._dyno_env(env, home, dyno), timeout)

    def release_phase(self, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        """The Procfile's ``release`` command on its own one-off dyno; non-zero: not released."""
        return self.run(self.procfile()["release"], env, timeout, dyno="release.1")

    def local(self, command: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        """A command in the app's checkout (BUILD_DIR), as on a developer's machine or in CI:
        the app's Python first on PATH, as an activated virtualenv has it."""
        local = self._dyno_env(env, self.build_dir)
        local["PATH"] = f"{self.build_dir}/.heroku/python/bin:{local['PATH']}"
        return self._bash(command, self.build_dir, local, timeout)

    def start(self, process_type: str = "web", env: dict[str, str] | None = None) -> Dyno:
        return Dyno.start(self, process_type, env)

    def start_web(self, env: dict[str, str] | None = None) -> Dyno:
        return self.start("web", env)

    def _bash(self, command: str, home: str, env: dict[str, str], timeout: float) -> Result:
        process = subprocess.run(
            ["bash", "-c", self.profile_command(home) + command],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(process.returncode, process.stdout, process.stderr)

    def _dyno_env(
        self, env: dict[str, str] | None, home: str, dyno: str | None = None
    ) -> dict[str, str]:
        base = {
            "HOME": home,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PS1": "",
        }
        if dyno:
            base["DYNO"] = dyno
        return {**base, **self.config, **(env or {})}


#: What heroku/python (v351) writes into ``.profile.d/python.sh``, in its order, but for two
#: things a test machine cannot take: ``PYTHONHOME`` (the prepared Python is a virtualenv, which
#: has no standard library of its own) and the ``/app/.heroku/python`` link made when ``HOME`` is
#: not ``/app`` (it would write outside the test's folder).
HEROKU_PYTHON_PROFILE = """\
export PATH=${HOME}/.heroku/python/bin:${PATH}
export PYTHONUNBUFFERED=true
export LIBRARY_PATH=${HOME}/.heroku/python/lib${LIBRARY_PATH:+:${LIBRARY_PATH}}
export LD_LIBRARY_PATH=${HOME}/.heroku/python/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}
export LANG=${LANG:-en_US.UTF-8}
export PYTHONPATH=${PYTHONPATH:-${HOME}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServedProcess:
    """A server started in its own session, logging to ``log_path``: a dyno, a WhiteNoise site."""

    process: subprocess.Popen
    url: str
    log_path: str

    def log(self) -> str:
        with open(self.log_path, errors="replace") as handle:
            return handle.read()

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass  # it had already exited
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Dyno(ServedProcess):
    home: str

    @classmethod
    def start(
        cls,
        slug: Slug,
        process_type: str = "web",
        env: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Dyno:
        command = slug.procfile()[process_type]
        home = slug.dyno_home(f"{process_type}.1")
        port = free_port()
        dyno_env = slug._dyno_env(env, home, f"{process_type}.1")
        dyno_env["PORT"] = str(port)
        # Loopback only: gunicorn would otherwise bind 0.0.0.0:$PORT.
        dyno_env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port} --workers 2"
        log_path = os.path.join(slug.root, f"{process_type}-{slug._dynos}.log")
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(
            ["bash", "-c", slug.profile_command(home) + command],
            cwd=home,
            env=dyno_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        dyno = cls(process, f"http://127.0.0.1:{port}", log_path, home)
        if not process_type.startswith("web"):  # web, or a web- variant a test adds
            return dyno
        return wait_listening(dyno, port, timeout, "the web dyno")

    def get(self, path: str) -> tuple[int, str]:
        status, _headers, body = http_get(self.url + path)
        return status, body


def wait_listening(server, port: int, timeout: float, what: str):
    """``server`` (a ``process``, ``log()`` and ``stop()``) once it accepts connections on
    ``port``; raises with its log when it exits or does not listen in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{what} did not listen in {timeout} s:\n{server.log()}")


def http_get(url: str) -> tuple[int, dict[str, str], str]:
    """GET as a browser would: gzip accepted, and a gzip body (objects stored compressed are
    sent so to every client) decoded."""
    headers = {"User-Agent": "django-s3-static tests", "Accept-Encoding": "gzip"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, headers, body = exc.code, dict(exc.headers), exc.read()
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, headers, body.decode("utf-8", "replace")


class _AssetParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"])
        elif tag in ("script", "img") and values.get("src"):
            self.urls.append(values["src"])


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def page_assets(page_html: str, page_url: str) -> list[str]:
    """Every stylesheet, script, icon and image URL of a page, absolute."""
    parser = _AssetParser()
    parser.feed(page_html)
    return [urllib.parse.urljoin(page_url, url) for url in parser.urls]


def css_references(css: str, css_url: str) -> list[str]:
    """The url()s and @imports of a stylesheet, resolved against its own URL (data: skipped)."""
    found = []
    for match in _CSS_URL.finditer(css):
        url = (match.group(1) or match.group(2)).strip()
        if not url.startswith(("data:", "#")):
            found.append(urllib.parse.urljoin(css_url, url))
    return found


@dataclass
class AssetCheck:
    url: str
    status: int
    content_type: str


def check_assets(page_html: str, page_url: str) -> list[AssetCheck]:
    """Fetch every asset of a page, and every url() of its stylesheets, without credentials."""
    pending = page_assets(page_html, page_url)
    seen: dict[str, AssetCheck] = {}
    while pending:
        url = pending.pop(0)
        if url in seen:
            continue
        status, headers, body = http_get(url)
        content_type = headers.get("Content-Type", "")
        seen[url] = AssetCheck(url, status, content_type)
        if status == 200 and content_type.startswith("text/css"):
            pending.extend(css_references(body, url))
    return list(seen.values())
