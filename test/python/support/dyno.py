"""Run the buildpack as Heroku would, then run the slug as a dyno: shared by the demo and tests.

``Slug`` lays out BUILD_DIR, CACHE_DIR and ENV_DIR (the app copied from a fixture,
``.heroku/python`` linked to a prepared Python as heroku/python leaves it), runs bin/detect,
bin/compile and bin/release, and starts the app's Procfile ``web`` command with gunicorn after
sourcing ``.profile.d``, with HOME at the slug, as a dyno does.
"""

from __future__ import annotations

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
        process = subprocess.run(
            [os.path.join(self.buildpack, "bin", name), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=clean,
            stdin=subprocess.DEVNULL,
        )
        return Result(process.returncode, process.stdout, process.stderr)

    def detect(self) -> Result:
        return self.script("detect", self.build_dir)

    def compile(self, timeout: float = 300) -> Result:
        return self.script("compile", self.build_dir, self.cache_dir, self.env_dir, timeout=timeout)

    def release(self) -> Result:
        return self.script("release", self.build_dir)

    def run(self, command: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        """A one-off dyno (heroku run): .profile.d sourced, config vars in the environment."""
        process = subprocess.run(
            ["bash", "-c", _PROFILE + command],
            cwd=self.build_dir,
            env=self._dyno_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(process.returncode, process.stdout, process.stderr)

    def start_web(self, env: dict[str, str] | None = None) -> Dyno:
        return Dyno.start(self, env)

    def _dyno_env(self, env: dict[str, str] | None) -> dict[str, str]:
        base = {
            "HOME": self.build_dir,
            "PATH": f"{self.build_dir}/.heroku/python/bin:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "DYNO": "web.1",
        }
        return {**base, **self.config, **(env or {})}


_PROFILE = 'cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done && '


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dyno:
    process: subprocess.Popen
    url: str
    log_path: str

    @classmethod
    def start(cls, slug: Slug, env: dict[str, str] | None = None, timeout: float = 30) -> Dyno:
        port = free_port()
        with open(os.path.join(slug.build_dir, "Procfile")) as handle:
            web = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("web:"))
        dyno_env = slug._dyno_env(env)
        dyno_env["PORT"] = str(port)
        # Loopback only: gunicorn would otherwise bind 0.0.0.0:$PORT.
        dyno_env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port} --workers 2"
        log_path = os.path.join(slug.root, "web.log")
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(
            ["bash", "-c", _PROFILE + "exec " + web],
            cwd=slug.build_dir,
            env=dyno_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        dyno = cls(process, f"http://127.0.0.1:{port}", log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the web dyno exited:\n{dyno.log()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return dyno
            except OSError:
                time.sleep(0.1)
        dyno.stop()
        raise RuntimeError(f"the web dyno did not listen in {timeout} s:\n{dyno.log()}")

    def get(self, path: str) -> tuple[int, str]:
        status, _headers, body = http_get(self.url + path)
        return status, body

    def log(self) -> str:
        with open(self.log_path, errors="replace") as handle:
            return handle.read()

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def http_get(url: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"User-Agent": "django-s3-static tests"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return response.status, dict(response.headers), body.decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


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
