"""A second real S3 server for the tests: a throw-away one-node Ceph RADOS Gateway (Debian packages
``ceph-mon``, ``ceph-osd`` and ``radosgw``).

One monitor, one OSD on ``memstore`` (the data lives in the OSD's memory, gone at stop), no mgr,
auth off, and radosgw (beast) on 127.0.0.1; every port is a free one, every file (config, mon
store, logs, sockets, the ops log) is under the given folder. The daemons run in the foreground of
their own sessions (stdin from /dev/null, output to log files) and are stopped by PID. Ready in
about 2 s. Addressing is path-style; the S3 users are made with ``radosgw-admin``:

- the owner of every test bucket (``ACCESS_KEY``);
- a read-only and a write-only key, subusers of that owner with ``--access read`` and
  ``--access write``: RGW applies a subuser's access to S3 requests too, so the read key may GET
  and list but not PUT, the write key may PUT but not list.

RGW's ops log (one JSON object a line, ``ops_log``) records every request it served, which
``request_counts`` turns into the same per-kind counts as ``s3server.request_counts``.

    python ceph_server.py start STATE_DIR     # prints shell exports (DSS_TEST_CEPH_*)
    python ceph_server.py stop STATE_DIR
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

if __package__ in (None, ""):  # run as a script: python test/python/support/ceph_server.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from support.s3server import free_ports, make_bucket, make_client

ACCESS_KEY = "DSSCEPHADMINKEY00001"
SECRET_KEY = "dss-ceph-secret-not-real-0123456789abc"
READ_ACCESS_KEY = "DSSCEPHREADONLYKEY01"
READ_SECRET_KEY = "dss-ceph-readonly-not-real-0123456789"
WRITE_ACCESS_KEY = "DSSCEPHWRITEONLYKEY1"
WRITE_SECRET_KEY = "dss-ceph-writeonly-not-real-012345678"
USER = "dss-test"
RGW_NAME = "client.rgw.test"
BINARIES = ("monmaptool", "ceph-mon", "ceph-osd", "ceph", "radosgw", "radosgw-admin")
PACKAGES = "ceph-mon ceph-osd radosgw"

CONFIG = """\
[global]
fsid = {fsid}
mon host = [v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# radosgw defaults to "secure" and never gets past the monitor with auth off
ms mon client mode = crc
run dir = {dir}/run
admin socket = {dir}/run/$name.asok
pid file = {dir}/run/$name.pid
log file = {dir}/log/$name.log
mon cluster log file = {dir}/log/cluster.log
crash dir = {dir}/crash
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
[mon]
# radosgw's start makes about ten monitor commands; paxos' default 1 s batching makes that 10 s
paxos propose interval = 0.01
paxos min wait = 0.001
mon data = {dir}/mon/$cluster-$id
[osd]
osd data = {dir}/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush initial weight = 1
[{rgw}]
rgw init timeout = 60
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw data = {dir}/rgw
rgw enable ops log = true
rgw ops log rados = false
rgw ops log file path = {dir}/log/ops.log
# neither RGW nor SeaweedFS checks a DeleteObjects body against it: the ops log shows it was sent
rgw log http headers = http_content_md5
"""


class CephMissing(RuntimeError):
    pass


def _binaries() -> dict[str, str]:
    found = {name: shutil.which(name) for name in BINARIES}
    missing = [name for name, path in found.items() if not path]
    if missing:
        raise CephMissing(
            f"{', '.join(missing)} not found: apt-get install --no-install-recommends {PACKAGES}"
            " (test/lib/system_packages.sh does it)"
        )
    return {name: path for name, path in found.items() if path}


@dataclass
class CephServer:
    state_dir: str
    endpoint: str
    pids: list[int]

    @property
    def conf(self) -> str:
        return os.path.join(self.state_dir, "ceph.conf")

    @property
    def ops_log(self) -> str:
        return os.path.join(self.state_dir, "log", "ops.log")

    @classmethod
    def start(cls, state_dir: str, timeout: float = 90.0) -> CephServer:
        state_dir = os.path.abspath(state_dir)
        binaries = _binaries()
        for folder in ("run", "log", "crash", "mon/ceph-a", "osd", "rgw"):
            os.makedirs(os.path.join(state_dir, folder), exist_ok=True)
        mon_v2, mon_v1, rgw_port = free_ports(3)
        fsid = str(uuid.uuid4())
        conf = os.path.join(state_dir, "ceph.conf")
        with open(conf, "w") as handle:
            handle.write(
                CONFIG.format(
                    fsid=fsid,
                    mon_v2=mon_v2,
                    mon_v1=mon_v1,
                    dir=state_dir,
                    rgw=RGW_NAME,
                    rgw_port=rgw_port,
                )
            )
        server = cls(state_dir, f"http://127.0.0.1:{rgw_port}", [])
        deadline = time.monotonic() + timeout
        try:
            monmap = os.path.join(state_dir, "monmap")
            address = f"[v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]"
            monmaptool = [binaries["monmaptool"], "--create", "--fsid", fsid, "--clobber"]
            server._run(*monmaptool, "--addv", "a", address, monmap)
            server._run(binaries["ceph-mon"], "--mkfs", "-i", "a", "--monmap", monmap)
            server._daemon("mon.a", binaries["ceph-mon"], "-f", "-i", "a")
            osd_uuid = str(uuid.uuid4())
            osd_id = server._run(
                binaries["ceph"], "--connect-timeout", "30", "osd", "new", osd_uuid
            ).strip()
            os.makedirs(os.path.join(state_dir, "osd", f"ceph-{osd_id}"), exist_ok=True)
            server._run(binaries["ceph-osd"], "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid)
            server._daemon(f"osd.{osd_id}", binaries["ceph-osd"], "-f", "-i", osd_id)
            # radosgw waits for the OSD by itself, and opens its port once its pools are made.
            server._daemon("rgw", binaries["radosgw"], "-f", "-n", RGW_NAME)
            server.wait_ready(deadline)
            admin = binaries["radosgw-admin"]
            user = ["--uid", USER]
            server._run(admin, "user", "create", *user, "--display-name", USER,
                        "--access-key", ACCESS_KEY, "--secret", SECRET_KEY)  # fmt: skip
            for access, key, secret in (
                ("read", READ_ACCESS_KEY, READ_SECRET_KEY),
                ("write", WRITE_ACCESS_KEY, WRITE_SECRET_KEY),
            ):
                subuser = ["--subuser", f"{USER}:{access}", "--access", access, "--key-type", "s3"]
                server._run(admin, "subuser", "create", *user, *subuser,
                            "--access-key", key, "--secret", secret)  # fmt: skip
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, *command: str) -> str:
        """A short command on the cluster's config; its output, or an error naming the logs."""
        result = subprocess.run(
            [command[0], "-c", self.conf, *command[1:]],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.state_dir,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:2])} failed ({result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}; see {self.state_dir}/log"
            )
        return result.stdout

    def _daemon(self, name: str, binary: str, *args: str) -> None:
        with open(os.path.join(self.state_dir, "log", f"{name}.out"), "ab") as log:
            process = subprocess.Popen(
                [binary, "-c", self.conf, *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd=self.state_dir,
            )
        self.pids.append(process.pid)
        with open(os.path.join(self.state_dir, "pids"), "w") as handle:
            handle.write("".join(f"{pid}\n" for pid in self.pids))

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            dead = [pid for pid in self.pids if not _alive(pid)]
            if dead:
                raise RuntimeError(f"a Ceph daemon exited early; see {self.state_dir}/log")
            try:
                with urllib.request.urlopen(self.endpoint + "/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers HTTP
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"radosgw did not answer in time; see {self.state_dir}/log")

    def stop(self) -> None:
        stop_pids(self.pids)

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
        return make_client(self.endpoint, access_key, secret_key)

    def env(self) -> dict[str, str]:
        return {
            "DSS_TEST_CEPH_ENDPOINT": self.endpoint,
            "DSS_TEST_CEPH_OPS_LOG": self.ops_log,
            "DSS_TEST_CEPH_ACCESS_KEY": ACCESS_KEY,
            "DSS_TEST_CEPH_SECRET_KEY": SECRET_KEY,
            "DSS_TEST_CEPH_READ_ACCESS_KEY": READ_ACCESS_KEY,
            "DSS_TEST_CEPH_READ_SECRET_KEY": READ_SECRET_KEY,
            "DSS_TEST_CEPH_WRITE_ACCESS_KEY": WRITE_ACCESS_KEY,
            "DSS_TEST_CEPH_WRITE_SECRET_KEY": WRITE_SECRET_KEY,
        }

    def make_bucket(self, name: str, public: bool = True) -> str:
        return make_bucket(self.client(), name, public)


# The operations the ops log names listings; the rest are counted by HTTP method, as SeaweedFS
# counts them (a GetBucketCors is a GET).
_LISTINGS = ("list_bucket", "list_bucket_versions", "list_multipart_uploads")


def ops(ops_log: str, barrier: str | None = None, settle: float = 0.2) -> list[dict]:
    """Every request RGW logged so far. RGW writes its ops log from a buffer, sometimes a moment
    after the client has the answer, and in the order it answered: with ``barrier`` (the bucket
    name of a request made just before), the file is read once that request is in it; without,
    once it stopped growing for ``settle`` seconds."""
    deadline = time.monotonic() + 15
    size = -1
    found: list[dict] = []
    while time.monotonic() < deadline:
        try:
            now = os.path.getsize(ops_log)
        except FileNotFoundError:
            now = 0
        if now != size:
            found = _read_ops(ops_log)
            if barrier is not None and any(barrier in str(e.get("uri")) for e in found):
                return found
        elif barrier is None:
            return found
        size = now
        time.sleep(settle)
    return found


def _read_ops(ops_log: str) -> list[dict]:
    try:
        with open(ops_log) as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return []
    found = []
    for line in lines:
        with contextlib.suppress(ValueError):
            found.append(json.loads(line))
    return found


#: A bucket whose requests mark a point in the ops log (``barrier``).
BARRIER_BUCKET = "ops-log-barrier"


def barrier(endpoint: str) -> str:
    """An anonymous GET in ``BARRIER_BUCKET`` (which must exist: RGW logs no request for a bucket
    that does not), whose line in the ops log follows every request answered before it; the name
    it asked for."""
    name = f"barrier-{uuid.uuid4().hex[:16]}"
    with contextlib.suppress(OSError):  # 403 AccessDenied: logged like any other answer
        urllib.request.urlopen(f"{endpoint}/{BARRIER_BUCKET}/{name}", timeout=10).close()
    return name


def request_counts(ops_log: str, bucket: str, endpoint: str | None = None) -> dict[str, int]:
    """How many S3 requests of each kind (LIST, PUT, GET, HEAD, ...) RGW served for a bucket;
    with ``endpoint`` (whose ``BARRIER_BUCKET`` exists), every request answered before this call
    is counted."""
    counts: dict[str, int] = {}
    for entry in ops(ops_log, barrier(endpoint) if endpoint else None):
        if entry.get("bucket") != bucket:
            continue
        if entry.get("operation") in _LISTINGS:
            kind = "LIST"
        else:
            kind = str(entry.get("uri", "?")).split(" ", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def stop_pids(pids: list[int], timeout: float = 10.0) -> None:
    """Kill a throw-away cluster's daemons (memstore has nothing to flush) and wait for them."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.05)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def read_pids(state_dir: str) -> list[int]:
    try:
        with open(os.path.join(state_dir, "pids")) as handle:
            return [int(line) for line in handle.read().split()]
    except FileNotFoundError:
        return []


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("state_dir")
    stop = sub.add_parser("stop")
    stop.add_argument("state_dir")
    args = parser.parse_args()
    if args.command == "start":
        server = CephServer.start(args.state_dir)
        for key, value in server.env().items():
            print(f"export {key}={value}")
    else:
        stop_pids(read_pids(args.state_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
