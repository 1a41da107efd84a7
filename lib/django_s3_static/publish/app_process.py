"""The Django app in a checkout: its manage.py (bin/detect's rule too) and its own process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import output
from ..config import STATIC_CACHE_FILE_NAME, static_cache_dir
from ..errors import S3StaticError
from ..format.names_memo import MEMO_FILE
from .environment import app_env

if TYPE_CHECKING:
    from .early_listing import EarlyListing

#: The app's side of the build (``collect.collect``), run in the app's process.
COLLECT = "django_s3_static.collect.collect"
_SETDEFAULT = re.compile(
    r"""os\.environ\.setdefault\(\s*['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]"""
)


def find_manage_py(build_dir: str, max_depth: int = 3) -> str | None:
    """The shallowest manage.py within ``max_depth`` levels, as heroku/python finds it."""
    found: list[tuple[int, str]] = []
    root_depth = build_dir.rstrip(os.sep).count(os.sep)
    for folder, dirs, files in os.walk(build_dir):
        depth = folder.rstrip(os.sep).count(os.sep) - root_depth + 1
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        if depth >= max_depth:
            dirs[:] = []
        if "manage.py" in files and os.path.isfile(os.path.join(folder, "manage.py")):
            found.append((depth, os.path.join(folder, "manage.py")))
    return min(found)[1] if found else None


def require_manage_py(build_dir: str) -> str:
    path = find_manage_py(build_dir)
    if path is None:
        raise S3StaticError(
            "No manage.py found in the app (searched 3 levels deep).",
            "django-s3-static builds Django apps: commit manage.py, at the root of the repository",
            "or at most two folders below it.",
        )
    return path


def settings_module(manage_py: str, configured: str | None) -> str:
    """The config var DJANGO_SETTINGS_MODULE if set, else the module manage.py defaults to."""
    if configured:
        return configured.strip()
    with open(manage_py, encoding="utf-8", errors="replace") as handle:
        match = _SETDEFAULT.search(handle.read())
    if not match:
        raise S3StaticError(
            "Cannot tell which settings module the app uses.",
            "manage.py does not call os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...).",
            "Set it as a config var: heroku config:set DJANGO_SETTINGS_MODULE=mysite.settings",
        )
    return match.group(1)


@dataclass
class AppProcess:
    """How to run the app's process: its folder, its settings module, the config vars it may see."""

    app_dir: str
    settings: str
    env: Mapping[str, str] = field(default_factory=dict)
    #: The module ``start`` runs as the app's process (``fork`` always runs ``COLLECT``):
    #: ``bin/test-compile`` runs its own (``ci_app``), with the same command line.
    module: str = COLLECT

    def environment(self) -> dict[str, str]:
        environment = {**os.environ, **app_env(self.env), "DJANGO_SETTINGS_MODULE": self.settings}
        # The app's folder (as manage.py would have it) and this package, wherever it lives.
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", ""), self.app_dir) if p
        )
        return environment

    def inspect(
        self, values: Mapping[str, str], workdir: str, fork: bool, build_cache: str | None = None
    ) -> Inspecting:
        """Start checking the sources; a change is collected by the same process, already set up.
        A build's cache keeps the memo of its names check (``name_check.verify``)."""
        committed = os.path.join(self.app_dir, static_cache_dir(values), STATIC_CACHE_FILE_NAME)
        result = os.path.join(workdir, "inspect.json")
        incremental = os.path.join(workdir, "incremental")
        memo = os.path.join(build_cache, MEMO_FILE) if build_cache else None
        if fork:
            child = self.fork(result, committed, incremental, memo)
        else:
            child = self.start(
                result, committed=committed, incremental_to=incremental, names_memo=memo
            )
        return Inspecting(child, result, committed, workdir)

    def run(self, result: str, collect_to: str | None = None, committed: str | None = None) -> dict:
        return self.finish(self.start(result, collect_to, committed), result)

    def start(
        self,
        result: str,
        collect_to: str | None = None,
        committed: str | None = None,
        incremental_to: str | None = None,
        names_memo: str | None = None,
    ) -> subprocess.Popen | Forked:
        """Start ``python -m <module>`` in the app's folder, against ``committed``."""
        command = [sys.executable, "-m", self.module, "--result", result]
        if collect_to:
            command += ["--collect-to", collect_to]
        if committed:
            command += ["--committed", committed]
        if incremental_to and self.module == COLLECT:
            command += ["--incremental-to", incremental_to]
        if names_memo and self.module == COLLECT:
            command += ["--names-memo", names_memo]
        return subprocess.Popen(
            command,
            cwd=self.app_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )

    def fork(
        self,
        result: str,
        committed: str,
        incremental_to: str | None = None,
        names_memo: str | None = None,
    ) -> subprocess.Popen | Forked:
        """``start``, in a fork of this process, which has this package imported: a new
        interpreter's start and imports cost more. The fork imports Django itself, while this
        process goes on with the listing (a fork made with Django imported would leave that
        import alone on the build's way)."""
        options = {"incremental_to": incremental_to, "names_memo": names_memo}
        if "django.conf" in sys.modules:  # settings read here would leak into the fork
            return self.start(result, committed=committed, **options)
        environment = self.environment()
        sys.stdout.flush()
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # refused (EAGAIN, ENOMEM): the plain new process, which reports its own
            os.close(read_end)
            os.close(write_end)
            return self.start(result, committed=committed, **options)
        if pid == 0:
            os.close(read_end)
            self._forked(write_end, environment, result, committed, options)  # never returns
        os.close(write_end)
        return Forked(pid, os.fdopen(read_end, encoding="utf-8", errors="replace"))

    def _forked(
        self,
        write_end: int,
        environment: dict,
        result: str,
        committed: str,
        options: Mapping[str, str | None],
    ) -> None:
        code = 1
        try:
            os.dup2(write_end, 1)
            os.dup2(write_end, 2)
            os.close(write_end)
            stdin = os.open(os.devnull, os.O_RDONLY)
            os.dup2(stdin, 0)
            os.chdir(self.app_dir)
            os.environ.clear()
            os.environ.update(environment)
            # What ``python -m`` run in the app's folder with that PYTHONPATH would have.
            entries = [self.app_dir, *environment["PYTHONPATH"].split(os.pathsep)]
            sys.path[:1] = [entry for entry in entries if entry]
            arguments = ["--result", result, "--committed", committed]
            for option, value in options.items():
                if value:
                    arguments += [f"--{option.replace('_', '-')}", value]
            from ..collect import collect  # lazy: only the fork runs the app's side

            sys.argv = [collect.__file__, *arguments]  # settings sometimes look at it
            code = collect.main(arguments)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback  # lazy: only a crashed fork prints one

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def finish(self, process: subprocess.Popen | Forked, result: str) -> dict:
        """Relay the child's output to the build log, then read its report."""
        assert process.stdout is not None
        for line in process.stdout:
            output.relay(line)
        if process.wait() != 0:
            raise S3StaticError("reported by the app's process", exit_code=1, reported=True)
        with open(result, encoding="utf-8") as handle:
            return json.load(handle)


class Forked:
    """A forked child as ``finish`` reads a Popen: its output, then its exit status."""

    def __init__(self, pid: int, stdout) -> None:
        self.pid = pid
        self.stdout = stdout

    def wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.stdout.close()
        return os.waitstatus_to_exitcode(status)


@dataclass
class Inspecting:
    """An inspection under way: the app's process, its report, the static cache, the workdir."""

    child: subprocess.Popen | Forked
    result: str
    committed_file: str
    workdir: str


@dataclass
class Publishing:
    """A build under way: the app's process forked (``inspecting``) and the bucket's listing
    started (``early``), with what they were started from; what a Cedar and a Fir build hand on
    to publishing."""

    app: AppProcess
    env: Mapping[str, str]
    build_cache: str
    timings: output.Timings
    inspecting: Inspecting
    early: EarlyListing
