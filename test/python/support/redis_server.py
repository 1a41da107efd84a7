"""A real local Redis server for the cache tests (Debian package ``redis-server``).

Bound to 127.0.0.1 on a free port, no persistence (``--save '' --appendonly no``), started
detached (stdin from /dev/null, output to a log file, its own session) and stopped by PID.

Test modules that want the session-wide server bind the fixture at module level (as the
other ``support`` fixtures are used) and take it as an argument::

    from support import redis_server as rs

    redis_server = rs.redis_server
 A missing binary fails the requesting tests with an
install hint: the cache suites are meant to run against a real Redis, never to skip silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise FileNotFoundError(
            f"redis-server not found on PATH; the cache tests need a real Redis: {INSTALL_HINT}"
        )
    return found


def _ping(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process; ``start()`` it, use ``url``, ``stop()`` it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.log_path = self.workdir / "redis.log"
        self.port = 0
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.url_for(0)

    def url_for(self, db: int) -> str:
        """The URL of one of the server's numbered databases (``clear()`` flushes only it)."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 10.0, attempts: int = 3) -> RedisServer:
        binary = redis_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):  # the free port can be taken before redis binds it
            self.port = free_port()
            command = [binary, "--bind", "127.0.0.1", "--port", str(self.port)]
            command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
            command += ["--dir", str(self.workdir)]
            with open(self.log_path, "ab") as log:
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                    cwd=self.workdir,
                )
            self.pid = self._process.pid
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._process.poll() is None:
                if _ping(self.port):
                    return self
                time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"redis-server did not start; see {self.log_path}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        process, self._process = self._process, None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        try:
            if process is not None:
                process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            process.wait(timeout)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_or_fail(workdir: Path) -> RedisServer:
    try:
        return RedisServer(workdir).start()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_or_fail(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()
