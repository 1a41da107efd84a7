"""``bin/compile``'s helper: verify the committed static cache, or collect and upload, then install.

    python -m django_s3_static.build BUILD_DIR CACHE_DIR ENV_DIR

The fast path costs one Django start-up (to fingerprint the sources) and one paged listing of the
bucket prefix. Only when the committed cache is absent, stale or incomplete does it run
collectstatic and upload the objects the bucket lacks. The slug never references an object that
is not in the bucket: the cache is written into the slug only after every upload succeeded.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field

from . import output, static_cache
from .app import require_manage_py, settings_module
from .config import SECRET_SETTINGS, Config, app_env, read_env_dir
from .errors import BuildError
from .plan import (
    HASHED_CACHE_CONTROL,
    ORIGINAL_CACHE_CONTROL,
    Difference,
    RemoteObject,
    describe,
    differences,
    immutable_names,
)
from .static_cache import StaticCache, StaticObject

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
SLUG_LIB = os.path.join(".heroku", "django-s3-static")
PROFILE_SCRIPT = os.path.join(".profile.d", "django-s3-static.sh")


@dataclass
class Timings:
    phases: list[tuple[str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def add(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.phases.append((name, now - since))
        return now

    def line(self) -> str:
        parts = [f"{name} {seconds:.2f} s" for name, seconds in self.phases]
        return ", ".join(parts + [f"total {time.monotonic() - self.started:.2f} s"])


@dataclass
class Build:
    build_dir: str
    cache_dir: str
    env: dict[str, str]
    manage_py: str
    settings: str
    timings: Timings = field(default_factory=Timings)

    @property
    def app_dir(self) -> str:
        return os.path.dirname(self.manage_py)

    def run_app(self, result: str, collect_to: str | None = None) -> dict:
        """Run the app side (collect.py) with the app's settings and config vars."""
        command = [sys.executable, "-m", "django_s3_static.collect", "--result", result]
        if collect_to:
            command += ["--collect-to", collect_to]
        environment = {**os.environ, **app_env(self.env), "DJANGO_SETTINGS_MODULE": self.settings}
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (os.environ.get("PYTHONPATH", ""), self.app_dir) if p
        )
        process = subprocess.Popen(
            command,
            cwd=self.app_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert process.stdout is not None
        for line in process.stdout:
            output.relay(line)
        if process.wait() != 0:
            raise BuildError("reported by the app's process", exit_code=1, reported=True)
        with open(result, encoding="utf-8") as handle:
            return json.load(handle)


def compile_app(build_dir: str, cache_dir: str, env_dir: str) -> int:
    env = read_env_dir(env_dir)
    for name in SECRET_SETTINGS:
        output.register_secret(env.get(name))
    output.step("Django static files on S3 (django-s3-static)")
    manage_py = require_manage_py(build_dir)
    build = Build(
        build_dir,
        cache_dir,
        env,
        manage_py,
        settings_module(manage_py, env.get("DJANGO_SETTINGS_MODULE")),
    )
    if not env.get("DISABLE_COLLECTSTATIC") or env.get("DISABLE_COLLECTSTATIC") == "0":
        output.warn(
            "DISABLE_COLLECTSTATIC is not set, so heroku/python also ran collectstatic.",
            [
                "That work is wasted: this buildpack collects and uploads the static files itself.",
                "Turn it off with: heroku config:set DISABLE_COLLECTSTATIC=1",
            ],
        )
    workdir = tempfile.mkdtemp(prefix="django-s3-static-")
    try:
        config = publish(build, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    install_dyno_pieces(build, config)
    output.info(f"Timings: {build.timings.line()}")
    return 0


def publish(build: Build, workdir: str) -> Config:
    timings = build.timings
    since = time.monotonic()
    output.info(
        f"App: {os.path.relpath(build.manage_py, build.build_dir)}, settings {build.settings}"
    )
    # boto3 takes a few tenths of a second to import: do it while the app's process runs.
    importer = threading.Thread(target=_import_boto3, daemon=True)
    importer.start()
    inspected = build.run_app(os.path.join(workdir, "inspect.json"))
    importer.join()
    config = Config.from_values({**build.env, **inspected["settings"]})
    for secret in (config.secret_key, config.session_token):
        output.register_secret(secret)
    since = timings.add("inspect", since)
    output.info(
        f"Bucket: {config.bucket}, prefix {config.key_prefix or '(none)'}, public URL "
        f"{config.public_base_url}"
    )
    if config.debug:
        output.info(f"Debug: {config!r}")

    from . import s3

    client = s3.make_client(config)
    inventory, requests = s3.list_inventory(client, config)
    since = timings.add(f"list ({requests} request{'s' * (requests != 1)})", since)

    cache_file = static_cache.path_in(build.app_dir, config.cache_dir)
    reason = fast_path_problem(cache_file, inspected["fingerprint"], config, inventory)
    if reason is None:
        cache = static_cache.load(cache_file)
        output.info(
            f"Static files unchanged, {len(cache.objects)} objects verified in "
            f"{time.monotonic() - timings.started:.2f} s (no collectstatic, nothing uploaded)"
        )
        return config
    output.info(f"Collecting: {reason}")
    collected = build.run_app(
        os.path.join(workdir, "collect.json"), os.path.join(workdir, "collected")
    )
    since = timings.add("collect", since)
    cache = StaticCache(
        fingerprint=inspected["fingerprint"],
        bucket=config.bucket,
        prefix=config.location,
        paths=collected["collected"]["paths"],
        objects={n: StaticObject(**o) for n, o in collected["collected"]["objects"].items()},
    )
    output.info(
        f"Collected {len(cache.objects)} files ({output.human_bytes(cache.total_bytes)}) "
        f"from {inspected['sources']} sources"
    )
    report_missing_references(collected["collected"]["missing_references"])
    uploaded = upload_missing(client, config, cache, inventory, os.path.join(workdir, "collected"))
    since = timings.add("upload", since)
    if uploaded:
        check_public(config, cache, uploaded)
        since = timings.add("public check", since)
    static_cache.write(cache, os.path.dirname(cache_file))
    output.info(f"Wrote {os.path.relpath(cache_file, build.build_dir)} into the slug")
    output.info("Refresh the committed cache so the next build skips collectstatic:")
    output.info(
        "  python manage.py publish_static && git add "
        f"{os.path.relpath(os.path.dirname(cache_file), build.build_dir)}"
    )
    return config


def _import_boto3() -> None:
    try:
        import boto3.session  # noqa: F401
        import botocore.config  # noqa: F401
    except ImportError:
        pass  # make_client() reports it


def fast_path_problem(
    cache_file: str, fingerprint: str, config: Config, inventory: dict[str, RemoteObject]
) -> str | None:
    """Why the committed cache cannot be used as it is, or None when it can."""
    try:
        cache = static_cache.load(cache_file)
    except static_cache.CacheError as exc:
        return str(exc)
    if cache.fingerprint != fingerprint:
        return "the static sources changed since the committed cache was published"
    if (cache.bucket, cache.prefix) != (config.bucket, config.location):
        return (
            f"the committed cache was published to {cache.bucket}/{cache.prefix}, "
            f"not {config.bucket}/{config.location}"
        )
    diffs = differences(cache.objects, inventory, config.key)
    return describe(diffs) if diffs else None


def upload_missing(
    client, config: Config, cache: StaticCache, inventory: dict[str, RemoteObject], root: str
) -> list[str]:
    """Upload what the bucket lacks; fail the build (before the slug is written) on any failure."""
    from . import s3

    immutable = immutable_names(cache.paths)
    diffs = differences(cache.objects, inventory, config.key)
    conflicts = [d for d in diffs if d.name in immutable and d.reason != "missing"]
    if conflicts:
        raise conflict_error(config, conflicts)
    jobs = [
        s3.UploadJob(
            d.name,
            os.path.join(root, d.name),
            cache.objects[d.name].size,
            cache.objects[d.name].md5,
            d.name in immutable,
        )
        for d in diffs
    ]
    present = len(cache.objects) - len(jobs)
    if not jobs:
        output.info(f"Uploading: nothing, all {present} objects are already in the bucket")
        return []
    total = sum(job.size for job in jobs)
    output.info(
        f"Uploading {len(jobs)} objects ({output.human_bytes(total)}); {present} already "
        f"in the bucket"
    )

    def progress(done: int, count: int, sent: int, seconds: float) -> None:
        output.info(output.progress_line(done, count, sent, seconds))

    result = s3.upload(
        client,
        config,
        jobs,
        lambda job: HASHED_CACHE_CONTROL if job.immutable else ORIGINAL_CACHE_CONTROL,
        progress,
    )
    if result.failed:
        first = result.failed[0][1]
        raise BuildError(
            f"{len(result.failed)} of {len(jobs)} uploads failed; first: {result.failed[0][0]}",
            first.title,
            *first.details,
            "Nothing was released: no slug refers to the missing objects. Run the build again:",
            "it uploads only what is still missing.",
        )
    meanwhile = len(result.already_there)
    output.info(
        f"Uploaded {len(result.uploaded)} objects, "
        + output.transfer_summary(result.bytes, result.seconds)
        + (f"; {meanwhile} written meanwhile by another build" if meanwhile else "")
    )
    return result.uploaded


def conflict_error(config: Config, conflicts: list[Difference]) -> BuildError:
    names = ", ".join(config.key(d.name) for d in conflicts[:3])
    return BuildError(
        f"{len(conflicts)} hashed objects in the bucket differ from the built files ({names}).",
        "Hashed names are immutable: the build never overwrites them, because running releases",
        "may use them. Something else wrote those keys; delete them from the bucket if they are",
        "not in use, then build again.",
    )


def check_public(config: Config, cache: StaticCache, uploaded: list[str]) -> None:
    """Fetch one uploaded object as a browser would; fail with the policy to add if refused."""
    from . import s3

    if config.skip_public_check:
        output.info("Public access check skipped (DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK)")
        return
    immutable = immutable_names(cache.paths)
    candidates = sorted(
        (n for n in uploaded if n in immutable), key=lambda n: cache.objects[n].size
    )
    name = (candidates or sorted(uploaded))[0]
    url = config.public_base_url + urllib.parse.quote(name)
    problem = s3.fetch_public(url)
    if problem is None:
        output.info(f"Public access checked: {url} answers 200 without credentials")
        return
    raise BuildError(
        f"Browsers cannot read the static files: {url} answered {problem}.",
        "Visitors fetch them without credentials, so the bucket (or the CDN in front of it) must",
        "allow public reads of the static prefix. Add this bucket policy:",
        "",
        s3.public_read_policy(config),
        "",
        "(On AWS also turn off 'Block public access' for bucket policies.) If a CDN or another",
        "check covers it, skip this one: heroku config:set DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK=1",
    )


def report_missing_references(missing: list[dict[str, str]]) -> None:
    if not missing:
        return
    output.warn(
        f"{len(missing)} url() references point at files that do not exist; left as written:",
        [f"  {ref['file']}: {ref['url']}" for ref in missing[:20]]
        + ([f"  ... and {len(missing) - 20} more"] if len(missing) > 20 else [])
        + ["Set DJANGO_S3_STATIC_STRICT_REFERENCES=1 to make this an error."],
    )


def install_dyno_pieces(build: Build, config: Config) -> None:
    """Copy this package into the slug and write .profile.d; no config var is written anywhere."""
    target = os.path.join(build.build_dir, SLUG_LIB, "django_s3_static")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(PACKAGE_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    app_rel = os.path.relpath(build.app_dir, build.build_dir)
    cache_rel = os.path.normpath(os.path.join(app_rel, config.cache_dir))
    script = PROFILE_TEMPLATE.format(
        lib=shlex.quote(SLUG_LIB),
        cache=shlex.quote(cache_rel),
        settings=shlex.quote(build.settings),
    )
    profile = os.path.join(build.build_dir, PROFILE_SCRIPT)
    os.makedirs(os.path.dirname(profile), exist_ok=True)
    with open(profile, "w", encoding="utf-8") as handle:
        handle.write(script)
    output.info(f"Installed the dyno settings snippet ({PROFILE_SCRIPT})")


PROFILE_TEMPLATE = """\
# django-s3-static: render {{% static %}} as hashed S3 URLs from the slug's static cache.
export PYTHONPATH="$HOME"/{lib}"${{PYTHONPATH:+:$PYTHONPATH}}"
export DJANGO_S3_STATIC_CACHE_PATH="${{DJANGO_S3_STATIC_CACHE_PATH:-$HOME/{cache}}}"
if [ "${{DJANGO_S3_STATIC_WRAP_SETTINGS:-1}}" != "0" ] \\
  && [ "${{DJANGO_SETTINGS_MODULE:-}}" != "django_s3_static.dyno_settings" ]; then
  export DJANGO_S3_STATIC_APP_SETTINGS="${{DJANGO_SETTINGS_MODULE:-{settings}}}"
  export DJANGO_SETTINGS_MODULE="django_s3_static.dyno_settings"
fi
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m django_s3_static.build BUILD_DIR CACHE_DIR ENV_DIR")
        return 2
    try:
        return compile_app(*(os.path.abspath(a) for a in args))
    except BuildError as exc:
        if not exc.reported:
            output.error(exc.title, exc.details)
        return exc.exit_code or 1
    except Exception:
        for line in traceback.format_exc().splitlines():
            output.raw(line)
        output.error(
            "django-s3-static failed unexpectedly (traceback above).",
            ["Please report it with the traceback; secrets in it have been redacted."],
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
