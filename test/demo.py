"""make demo: what the buildpack is for, on the example app, against a local S3 server.

A developer's week in four steps, each run exactly as Heroku and the developer would run it:

1. the first push: no static cache is committed yet, so the build collects and uploads every file;
2. the developer runs ``python manage.py publish_static`` and commits what it writes, the static
   cache (``static_cache/manifest.json``);
3. the second push: the build checks that cache against the bucket (one listing) and skips
   collectstatic;
4. one stylesheet edited and pushed: collectstatic runs, and only the new objects are uploaded.

The last slug is then served by gunicorn as a dyno runs it, and every static URL of its pages is
fetched from the bucket. Ends with the steps' timings side by side; exits non-zero on any failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))

from support.dyno import FIXTURES, ROOT, Slug, check_assets  # noqa: E402
from support.s3server import S3Server, allow_any_origin, request_counts  # noqa: E402

BUCKET = "demo-static"
EDITED_CSS = os.path.join("exampleapp", "static", "css", "site.css")


@dataclass
class Step:
    label: str
    seconds: float
    output: str
    requests: dict[str, int] = field(default_factory=dict)
    failed: str = ""

    @property
    def collectstatic(self) -> str:
        return "ran" if "Collecting:" in self.output else "skipped"

    @property
    def uploaded(self) -> int:
        found = re.search(r"Uploaded (\d+) objects", self.output)
        return int(found.group(1)) if found else 0


def main() -> int:
    venv = os.path.dirname(os.path.dirname(sys.executable))
    with tempfile.TemporaryDirectory(prefix="dss-demo-") as root:
        print(f"Starting a local S3 server (SeaweedFS) in {root} ...")
        server = S3Server.start(os.path.join(root, "s3"))
        try:
            return Demo(server, root, venv).run()
        finally:
            server.stop()


class Demo:
    def __init__(self, server: S3Server, root: str, venv: str) -> None:
        self.server = server
        self.bucket = server.make_bucket(BUCKET, public=True)
        # The fonts' CORS rule, as Installing says for an app with web fonts.
        allow_any_origin(server.client(), self.bucket)
        self.checkout = os.path.join(root, "checkout")
        self.slug = Slug(os.path.join(root, "heroku"), python_home=venv)
        self.config = {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_ACCESS_KEY_ID": server.env()["DSS_TEST_S3_ACCESS_KEY"],
            "AWS_SECRET_ACCESS_KEY": server.env()["DSS_TEST_S3_SECRET_KEY"],
            "AWS_S3_ENDPOINT_URL": server.endpoint,
            "AWS_LOCATION": "static",
            "SECRET_KEY": "demo-only-django-secret-key",
        }
        self.steps: list[Step] = []

    def run(self) -> int:
        print(f"S3 endpoint {self.server.endpoint}, bucket {self.bucket} (public-read policy)")
        self._clone()
        self.push("1. first push (cold)")
        self.publish()
        self.push("3. second push (cache committed)")
        with open(os.path.join(self.checkout, EDITED_CSS), "a") as handle:
            handle.write("\n.banner { border: 1px solid #ccc; }\n")
        print(f"\n$ echo '.banner {{ border: 1px solid #ccc; }}' >> {EDITED_CSS}")
        self.push("4. one CSS edited, pushed")
        failures = [f"{step.label}: {step.failed}" for step in self.steps if step.failed]
        if not failures:
            failures += self.serve()
        self.table()
        if failures:
            print("\nDEMO FAILED:\n  " + "\n  ".join(failures))
            return 1
        print("\nDemo OK: the slug renders hashed S3 URLs and every one of them loads.")
        return 0

    def _clone(self) -> None:
        """The developer's checkout: the example app, with the commands installed locally (the
        README's one setting for that)."""
        shutil.copytree(os.path.join(FIXTURES, "example_app"), self.checkout)
        settings = os.path.join(self.checkout, "exampleapp", "settings.py")
        with open(settings, "a") as handle:
            handle.write('\nINSTALLED_APPS = [*INSTALLED_APPS, "django_s3_static"]\n')
        os.makedirs(self.slug.env_dir)
        os.makedirs(self.slug.cache_dir)
        self.slug.set_config(DISABLE_COLLECTSTATIC="1", **self.config)

    def push(self, label: str) -> None:
        """git push heroku main: a fresh BUILD_DIR of the checkout as committed, the app's build
        cache and config vars kept, then bin/compile."""
        if os.path.exists(self.slug.build_dir):
            shutil.rmtree(self.slug.build_dir)
        shutil.copytree(self.checkout, self.slug.build_dir)
        os.makedirs(os.path.join(self.slug.build_dir, ".heroku"))
        os.symlink(self.slug.python_home, os.path.join(self.slug.build_dir, ".heroku", "python"))
        before = self._requests()
        started = time.monotonic()
        result = self.slug.compile()
        step = Step(label, time.monotonic() - started, result.stdout, self._since(before))
        if result.returncode != 0 or result.stderr:
            step.failed = f"bin/compile exited {result.returncode}: {result.stderr.strip()}"
        self.steps.append(step)
        print(f"\n=== {label}\n$ git push heroku main   (bin/compile: {step.seconds:.2f} s)")
        print(result.stdout.rstrip())

    def publish(self) -> None:
        """On the developer's machine: publish_static, then commit the file it writes."""
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))},
            **self.config,
            "PYTHONPATH": os.path.join(ROOT, "lib"),
        }
        before = self._requests()
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", "publish_static"],
            cwd=self.checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        step = Step("2. publish_static, commit", time.monotonic() - started, result.stdout)
        step.requests = self._since(before)
        if result.returncode != 0:
            step.failed = f"publish_static exited {result.returncode}: {result.stderr.strip()}"
        self.steps.append(step)
        print("\n=== 2. the developer commits the static cache")
        print(f"$ python manage.py publish_static   ({step.seconds:.2f} s)")
        print(result.stdout.rstrip())
        if not step.failed:
            self._show_cache()

    def _show_cache(self) -> None:
        cache = os.path.join(self.checkout, "static_cache", "manifest.json")
        with open(cache, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        print(
            f"\n$ git add static_cache   # manifest.json, {os.path.getsize(cache) / 1024:.1f} KiB "
            f"in {len(lines)} lines: one per file, so a diff shows what changed; css/site.css's:"
        )
        for line in [line for line in lines if '"css/site.' in line][:4]:
            print(f"    {line.strip()}")

    def serve(self) -> list[str]:
        """The last slug on a web dyno without S3 credentials: every static URL it renders."""
        release = self.slug.release()
        if release.returncode != 0:
            return [f"bin/release exited {release.returncode}"]
        dyno = self.slug.start_web(env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
        failures, checks = [], []
        try:
            for path in ("/", "/admin/login/"):
                status, body = dyno.get(path)
                if status != 200:
                    failures.append(f"GET {path} answered {status}")
                    continue
                checks += check_assets(body, dyno.url + path)
        finally:
            dyno.stop()
        failures += [f"{c.url} answered {c.status}" for c in checks if c.status != 200]
        from_bucket = [c for c in checks if f"/{self.bucket}/" in c.url]
        site_css = next((c.url for c in checks if "/css/site." in c.url), "(none)")
        print("\n=== The last slug on a web dyno (gunicorn, no S3 credentials)")
        print(
            f"GET / and /admin/login/: {len(checks)} static URLs, {len(from_bucket)} from the "
            f"bucket, {sum(c.status == 200 for c in checks)} answered 200"
        )
        print(f"The edited stylesheet: {site_css}")
        return failures

    def table(self) -> None:
        print(f"\n{'Step':<34}{'time':>8}  {'collectstatic':<14}{'uploaded':>9}  S3 requests")
        for step in self.steps:
            requests = ", ".join(f"{k} {v}" for k, v in sorted(step.requests.items())) or "none"
            print(
                f"{step.label:<34}{step.seconds:>6.2f} s  {step.collectstatic:<14}"
                f"{step.uploaded:>9}  {requests}"
            )

    def _requests(self) -> dict[str, int]:
        return request_counts(self.server.metrics, self.bucket)

    def _since(self, before: dict[str, int]) -> dict[str, int]:
        after = self._requests()
        return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


if __name__ == "__main__":
    sys.exit(main())
