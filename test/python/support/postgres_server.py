"""A throwaway PostgreSQL server for the tests: one cluster per session, one database per test.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is created in a
temporary folder owned by the ``postgres`` user and every server command runs through
``runuser``. The server listens on 127.0.0.1 only, on a free port, with its unix socket in
the temporary folder, so it never meets a system cluster. Missing binaries fail the tests
with the command that installs them: a silent skip would hide a backend that is not tested.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SUPERUSER = "postgres"
START_TIMEOUT = 30.0


@dataclass
class PostgresServer:
    """A running cluster: where it listens and how to create/drop databases on it."""

    bindir: Path
    root: Path
    host: str
    port: int

    def url(self, database: str) -> str:
        return f"postgres://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs: Any) -> Any:
        psycopg = _psycopg()
        return psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname=database, **kwargs
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create ``name`` (optionally as a copy of ``template``) and return its URL."""
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with self.connect(autocommit=True) as connection:
            connection.execute(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.connect(autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/*/bin that has the server programs."""
    candidates = sorted(
        (Path(path) for path in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda path: _version(path.parent.name),
    )
    for bindir in reversed(candidates):
        if all((bindir / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    pytest.fail(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. Install them "
        "with 'apt-get update && apt-get install -y postgresql' (the PostgreSQL tests of "
        "reset_app need a real server).",
        pytrace=False,
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        pytest.fail(
            "psycopg is not installed: pip install 'psycopg[binary]' to run the PostgreSQL tests.",
            pytrace=False,
        )
    return psycopg


def free_port() -> int:
    """Let the kernel pick a free port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """Root cannot run PostgreSQL: hand the command to the postgres user."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        pytest.fail(
            f"Running as root but there is no '{SUPERUSER}' user to run PostgreSQL as. "
            "Install the 'postgresql' Debian package (it creates the user) or run the tests "
            "as an unprivileged user.",
            pytrace=False,
        )
    return ["runuser", "-u", SUPERUSER, "--", *command]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SUPERUSER)
        os.chown(path, user.pw_uid, user.pw_gid)


def _run(command: list[str], log: Path, what: str) -> None:
    result = subprocess.run(
        _as_server_user(command),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        pytest.fail(
            f"PostgreSQL {what} failed ({' '.join(command)}): exit {result.returncode}\n"
            f"{result.stdout}{result.stderr}\n{tail}",
            pytrace=False,
        )


def start_server() -> PostgresServer:
    """initdb a fresh cluster in a temporary folder and start it, detached."""
    bindir = find_bindir()
    _psycopg()
    root = Path(tempfile.mkdtemp(prefix="reset-app-pg-"))
    (root / "socket").mkdir()
    for path in (root, root / "socket"):
        _give_to_server_user(path)
    server = PostgresServer(bindir=bindir, root=root, host="127.0.0.1", port=free_port())
    data = root / "data"
    _run(
        [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
         "-E", "UTF8", "--locale=C", "--no-sync"],
        server.log, "initdb",
    )  # fmt: skip
    options = (
        f"-h {server.host} -p {server.port} -k {root / 'socket'} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    _run(
        [str(bindir / "pg_ctl"), "start", "-D", str(data), "-l", str(server.log),
         "-o", options, "-w", "-t", str(int(START_TIMEOUT))],
        server.log, "start",
    )  # fmt: skip
    _wait_until_ready(server)
    return server


def _wait_until_ready(server: PostgresServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with server.connect(connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return
        except Exception as error:
            if time.monotonic() > deadline:
                stop_server(server)
                pytest.fail(f"PostgreSQL did not accept connections: {error}", pytrace=False)
            time.sleep(0.2)


def stop_server(server: PostgresServer) -> None:
    """Stop the cluster and remove its folder (best effort: never hides a test failure)."""
    subprocess.run(
        _as_server_user(
            [str(server.bindir / "pg_ctl"), "stop", "-D", str(server.root / "data"),
             "-m", "immediate", "-w"]
        ),
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, stopped at its end."""
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def postgres_database(postgres_server: PostgresServer, request: Any) -> Iterator[str]:
    """A fresh, empty database for one test; yields its URL."""
    name = f"test_{abs(hash(request.node.nodeid)) % 10**10}"
    postgres_server.drop_database(name)
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)
