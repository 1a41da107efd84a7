"""The peers' scenarios: the sync tools, collectstatic with S3ManifestStaticStorage, the same
through Collectfasta, and a local collectstatic followed by ``s5cmd sync``."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import tree as generator
from apps import App
from common import BENCH_VENV, DJANGO_SECRET, PREFIX, REGION
from measure import Run, measure
from results import TreeResults

from support.s3server import ACCESS_KEY, SECRET_KEY

SETTINGS_WRAPPER = '''"""The app's settings with the static storage being measured (peers.py)."""
import importlib
import os

_app = importlib.import_module(os.environ["BENCH_APP_SETTINGS"])
globals().update({k: v for k, v in vars(_app).items() if k.isupper()})
_default = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if os.environ.get("BENCH_STORAGE") == "s3":
    STORAGES = {
        "default": _default,
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
            "OPTIONS": {
                "bucket_name": os.environ["BENCH_BUCKET"],
                "endpoint_url": os.environ["BENCH_ENDPOINT"],
                "access_key": os.environ["BENCH_ACCESS_KEY"],
                "secret_key": os.environ["BENCH_SECRET_KEY"],
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "location": "static",
                "default_acl": None,
                "querystring_auth": False,
            },
        },
    }
    if os.environ.get("BENCH_COLLECTFASTA"):
        # Collectfasta's README: before staticfiles, its recommended strategy for
        # S3ManifestStaticStorage, parallel uploads, a dedicated cache sized for every file.
        INSTALLED_APPS = ["collectfasta", *INSTALLED_APPS]
        COLLECTFASTA_STRATEGY = "collectfasta.strategies.boto3.Boto3ManifestMemoryStrategy"
        COLLECTFASTA_THREADS = 20
        COLLECTFASTA_CACHE = "collectfasta"
        # Django's local-memory cache locks every access (django/core/cache/backends/locmem.py),
        # so the threads may share it; a cache kept between runs would save no request here, as
        # the strategy lists the whole prefix first.
        CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            **globals().get("CACHES", {}),
            "collectfasta": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "OPTIONS": {"MAX_ENTRIES": 1_000_000},
            },
        }
else:
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
    STORAGES = {
        "default": _default,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        },
    }
'''


class PeerScenarios:
    """Bench's rows of the other tools, from the collected folder (mixed into Bench)."""

    def base_env(self) -> dict[str, str]:
        """A clean environment: no AWS_/DJANGO_ variables or config files of whoever runs it."""
        home = self.work / "home"
        home.mkdir(exist_ok=True)
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
        return {
            **keep,
            "PATH": f"{BENCH_VENV / 'bin'}:{keep.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "LANG": keep.get("LANG", "C.UTF-8"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(self.work / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.work / "aws-credentials"),
        }

    def sync_command(self, tool: str, folder: Path, bucket: str) -> tuple[list[str], dict]:
        env = self.base_env()
        endpoint = self.server.s3.endpoint
        destination = f"s3://{bucket}/{PREFIX}/"
        if tool == "s3cmd":
            host = endpoint.removeprefix("http://")
            config = self.work / "s3cfg"
            config.write_text(
                "[default]\n"
                f"access_key = {ACCESS_KEY}\nsecret_key = {SECRET_KEY}\n"
                f"host_base = {host}\nhost_bucket = {host}\n"  # no %(bucket)s: path style
                f"bucket_location = {REGION}\nuse_https = False\nsignature_v2 = False\n"
                "progress_meter = False\n"
            )
            return [
                str(self.tools.s3cmd),
                "-c",
                str(config),
                "--no-progress",
                "--quiet",
                "sync",
                f"{folder}/",
                destination,
            ], env
        env.update(
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
        )
        if tool == "aws":
            (self.work / "aws-config").write_text(
                f"[default]\nregion = {REGION}\ns3 =\n  addressing_style = path\n"
            )
            return [
                str(self.tools.aws),
                "--endpoint-url",
                endpoint,
                "s3",
                "sync",
                str(folder),
                destination,
                "--only-show-errors",
                "--no-progress",
            ], env
        assert self.tools.s5cmd is not None
        # s5cmd's default --numworkers is 256; custom endpoints get path-style addressing.
        return [
            str(self.tools.s5cmd),
            "--endpoint-url",
            endpoint,
            "sync",
            f"{folder}/",
            destination,
        ], env

    def sync(self, tool: str, folder: Path, results: TreeResults, index: int) -> None:
        bucket = self.server.bucket(tool)
        for phase in ("cold", "warm"):
            command, env = self.sync_command(tool, folder, bucket)
            run = self.baseline(command, env, bucket, results, f"{tool}_{phase}", folder)
            self._progress(f"{tool} sync {phase}", run)

    def baseline(
        self,
        command: list[str],
        env: dict[str, str],
        bucket: str,
        results: TreeResults,
        key: str,
        folder: Path,
        cwd: Path | None = None,
    ) -> Run:
        """Measure one baseline run; S3ManifestStaticStorage's and Collectfasta's are stopped at
        --cap.

        Those alone take many minutes on the big tree (tens of thousands of sequential
        requests), and a lower bound still decides the targets they serve (fast path >= 50x).
        After a stopped cold run the bucket is filled before the warm run.

        The warm run must meet a complete bucket, so what the stopped run left out is uploaded
        untimed with s5cmd (or aws) from the same collected folder: the same keys and bytes the
        tool (or S3ManifestStaticStorage, whose output the folder is) would have written.
        """
        holder: list[Run] = []
        cap = self.peer_cap(results, key)
        with self.server.counting(bucket, holder):
            holder.append(measure(command, env, cwd=cwd, cap=cap)[0])
        run = holder[0]
        results.scenarios[key].runs.append(run)
        if run.capped:
            results.notes.append(
                f"{results.scenarios[key].name} (run {len(results.scenarios[key].runs)}) was "
                f"stopped at {cap:.0f} s; its time is a lower bound"
                + (
                    "; the bucket was then completed untimed for the warm run."
                    if "cold" in key
                    else "."
                )
            )
            if "cold" in key:
                tool = "s5cmd" if self.tools.s5cmd else "aws"
                fill, fill_env = self.sync_command(tool, folder, bucket)
                measure(fill, fill_env)
        return run

    # --- django-storages ------------------------------------------------------------------------

    def wrapper_dir(self) -> Path:
        folder = self.work / "settings-wrapper"
        folder.mkdir(exist_ok=True)
        (folder / "bench_settings.py").write_text(SETTINGS_WRAPPER)
        return folder

    def django_env(self, app: App, **extra: str) -> dict[str, str]:
        return {
            **self.base_env(),
            "PYTHONPATH": str(self.wrapper_dir()),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "BENCH_APP_SETTINGS": app.settings,
            "SECRET_KEY": DJANGO_SECRET,
            "PYTHONDONTWRITEBYTECODE": "1",  # nothing written into the fixture's folders
            **extra,
        }

    def collect_locally(self, app: App, target: Path) -> None:
        """The collected folder the sync tools upload: collectstatic with manifest hashing (in
        the bench's venv, which has the real app's packages too)."""
        env = self.django_env(app, BENCH_STATIC_ROOT=str(target))
        measure(
            [str(self.tools.python), "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env,
            cwd=app.source,
        )

    def s3_storage_env(self, app: App, bucket: str, **extra: str) -> dict[str, str]:
        """The app's settings with S3ManifestStaticStorage on ``bucket`` (and ``extra``)."""
        return self.django_env(
            app,
            BENCH_STORAGE="s3",
            BENCH_BUCKET=bucket,
            BENCH_ENDPOINT=self.server.s3.endpoint,
            BENCH_ACCESS_KEY=ACCESS_KEY,
            BENCH_SECRET_KEY=SECRET_KEY,
            **extra,
        )

    def collectstatic_command(self) -> list[str]:
        return [str(self.tools.python), "manage.py", "collectstatic", "--noinput", "-v", "0"]

    def django_storages(self, app: App, collected: Path, results: TreeResults, index: int) -> None:
        bucket = self.server.bucket("ds")
        env = self.s3_storage_env(app, bucket)
        for phase in ("cold", "warm"):
            run = self.baseline(
                self.collectstatic_command(),
                env,
                bucket,
                results,
                f"ds_{phase}",
                collected,
                cwd=app.source,
            )
            self._progress(f"collectstatic S3ManifestStaticStorage {phase}", run)

    def collectfasta(self, app: App, collected: Path, results: TreeResults, index: int) -> None:
        """Collectfasta as its README recommends for S3ManifestStaticStorage: cold, unchanged,
        then with one stylesheet changed in a copy of the app (made untimed)."""
        bucket = self.server.bucket("cf")
        env = self.s3_storage_env(app, bucket, BENCH_COLLECTFASTA="1")
        command = self.collectstatic_command()
        for phase in ("cold", "warm"):
            run = self.baseline(
                command, env, bucket, results, f"cf_{phase}", collected, cwd=app.source
            )
            self._progress(f"Collectfasta {phase}", run)
        copy = self.work / f"cf-app-{uuid.uuid4().hex[:6]}"
        shutil.copytree(app.source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        try:
            generator.edit(copy / app.changed_css, f"cf-{index}-{uuid.uuid4().hex[:6]}")
            run = self.baseline(command, env, bucket, results, "cf_changed", collected, cwd=copy)
            self._progress("Collectfasta one CSS changed", run)
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def local_sync(self, app: App, results: TreeResults, index: int) -> None:
        """collectstatic into a new local folder, then ``s5cmd sync`` of it to a new bucket, as
        one measured process: what a sync script does from a fresh checkout."""
        bucket = self.server.bucket("cs5")
        target = self.work / f"cs5-{uuid.uuid4().hex[:6]}"
        sync, sync_env = self.sync_command("s5cmd", target, bucket)
        env = {**self.django_env(app, BENCH_STATIC_ROOT=str(target)), **sync_env}
        script = '"$0" manage.py collectstatic --noinput -v 0; exec "$@"'
        command = ["sh", "-ec", script, str(self.tools.python), *sync]
        try:
            run = self.baseline(command, env, bucket, results, "cs5_cold", target, app.source)
            self._progress("local collectstatic + s5cmd sync", run)
        finally:
            shutil.rmtree(target, ignore_errors=True)

    def peer_cap(self, results: TreeResults, key: str) -> float | None:
        """The stop time of an S3ManifestStaticStorage or Collectfasta run (None for the rest).

        An unchanged run serves a target "fast path >= 50x (Collectfasta: 20x) faster", so its
        cap is at least 60x this tree's fast path: a run stopped there still decides it.
        """
        if not key.startswith(("ds_", "cf_")):
            return None
        fast = results.median("bp_fast")
        if key in ("ds_warm", "cf_warm") and fast is not None:
            return max(self.cap, 60 * fast.number)
        return self.cap
