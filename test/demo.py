"""make demo: the buildpack on the example app, exactly as Heroku would run it, then the dyno.

Starts a local S3 server (SeaweedFS) on loopback with a public-read bucket, runs bin/detect,
bin/compile and bin/release on a copy of test/fixtures/example_app, starts the slug's web process
with gunicorn after sourcing .profile.d, fetches the home page and every static URL in it (and in
its stylesheets) from the bucket, and prints a report. Exits non-zero if anything fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))

from support.dyno import Slug, check_assets  # noqa: E402
from support.s3server import S3Server  # noqa: E402


def main() -> int:
    venv = os.path.dirname(os.path.dirname(sys.executable))
    with tempfile.TemporaryDirectory(prefix="dss-demo-") as root:
        print(f"Starting a local S3 server (SeaweedFS) in {root} ...")
        server = S3Server.start(os.path.join(root, "s3"))
        try:
            return demo(server, root, venv)
        finally:
            server.stop()


def demo(server: S3Server, root: str, venv: str) -> int:
    bucket = server.make_bucket("demo-static", public=True)
    print(f"S3 endpoint {server.endpoint}, bucket {bucket} (public-read policy, as a user sets it)")
    slug = Slug(os.path.join(root, "app"), python_home=venv).prepare("example_app")
    slug.set_config(
        AWS_STORAGE_BUCKET_NAME=bucket,
        AWS_ACCESS_KEY_ID=server.env()["DSS_TEST_S3_ACCESS_KEY"],
        AWS_SECRET_ACCESS_KEY=server.env()["DSS_TEST_S3_SECRET_KEY"],
        AWS_S3_ENDPOINT_URL=server.endpoint,
        AWS_LOCATION="static",
        DISABLE_COLLECTSTATIC="1",
        SECRET_KEY="demo-only-django-secret-key",
    )
    failures = []
    for label in ("bin/detect", "bin/compile", "bin/release"):
        started = time.monotonic()
        result = {
            "bin/detect": slug.detect,
            "bin/compile": slug.compile,
            "bin/release": slug.release,
        }[label]()
        print(f"\n$ {label}   ({time.monotonic() - started:.2f} s, exit {result.returncode})")
        print(result.stdout.rstrip())
        if result.returncode != 0 or result.stderr:
            failures.append(f"{label} exited {result.returncode}; stderr: {result.stderr!r}")
            return report(failures, [])
    print("\nStarting the web dyno from the slug (gunicorn, .profile.d sourced) ...")
    # The dyno gets no S3 credentials at all: rendering static URLs needs none.
    dyno = slug.start_web(env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    try:
        checks = []
        for path in ("/", "/admin/login/"):
            status, body = dyno.get(path)
            print(f"GET {dyno.url}{path} -> {status}")
            if status != 200:
                failures.append(f"{path} answered {status}")
                continue
            checks += check_assets(body, dyno.url + path)
    finally:
        dyno.stop()
    return report(failures, checks)


def report(failures: list[str], checks: list) -> int:
    if checks:
        print(f"\n{'status':<7}{'content type':<34}static URL")
        for check in checks:
            print(f"{check.status:<7}{check.content_type:<34}{check.url}")
            if check.status != 200:
                failures.append(f"{check.url} answered {check.status}")
    from_bucket = [c for c in checks if "/demo-static/" in c.url]
    print(
        f"\n{len(checks)} static URLs fetched, {len(from_bucket)} from the bucket, "
        f"{sum(c.status == 200 for c in checks)} answered 200."
    )
    if failures:
        print("DEMO FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("Demo OK: the slug renders hashed S3 URLs and every one of them loads.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
