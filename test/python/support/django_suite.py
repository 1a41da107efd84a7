"""Django's own cache backend tests, run against ChainedCache chains.

Nothing of Django's test code lives in this repository. The parent side (the pytest test in
``test_cache_django_suite.py``) downloads the source release matching the installed Django
once (``pip download --no-binary :all:``, kept in ``test/.cache/django-sdist/``), extracts
``tests/cache/*.py`` into a temporary folder as the package ``cache`` (the name Django's
tests import themselves by), and runs this module in a child process per chain::

    python -m support.django_suite --chain locmem-redis --tests-root DIR --workdir DIR \
        [--redis-url redis://127.0.0.1:PORT/0]

The child configures its own settings (``INSTALLED_APPS = ["cache"]`` for the ``Poll`` model,
an in-memory SQLite database, the chain as every alias of ``caches_setting_for_tests``), so it
never depends on, nor disturbs, the Django settings of the pytest process. It builds one
``TestCase`` from ``cache.tests.BaseCacheTests``, runs it with Django's ``DiscoverRunner``
machinery and prints one ``DJANGO_CACHE_SUITE {json}`` line with the counts.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
SDIST_CACHE = REPO_ROOT / "test" / ".cache" / "django-sdist"
RESULT_PREFIX = "DJANGO_CACHE_SUITE "
CHAIN_BACKEND = "django_s3_static.cache.ChainedCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DEEP_BACKENDS = {
    "locmem": LOCMEM,
    "filebased": "django.core.cache.backends.filebased.FileBasedCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
}
# name -> (deep level, OPTIONS["MAX_MEMORY_TIMEOUT"] or None for the default). The top level
# is always a LocMemCache. With MAX_MEMORY_TIMEOUT=0 nothing stays in the top level, so
# every read of Django's tests is served by the deep level (its expiry lookup, no fills).
CHAINS: dict[str, tuple[str, int | None]] = {
    "locmem-locmem": ("locmem", None),
    "locmem-filebased": ("filebased", None),
    "locmem-redis": ("redis", None),
    "locmem0-filebased": ("filebased", 0),
    "locmem0-redis": ("redis", 0),
}

# BaseCacheTests that do not apply to a chain, with the reason. Every other test must pass.
SKIPPED_TESTS: dict[str, str] = {
    "test_cull": (
        "culling is a level's own eviction (MAX_ENTRIES of the level aliases); the chain has "
        "no store to cull, and an entry culled from one level is still served by another"
    ),
    "test_zero_cull": "same as test_cull, with CULL_FREQUENCY=0",
    "test_cull_delete_when_store_empty": (
        "reads the backend's private _max_entries, which only a level (not the chain) has"
    ),
}


# -- parent side ------------------------------------------------------------------------


def django_version() -> str:
    return importlib.metadata.version("Django")


def django_sdist(version: str, cache_dir: Path = SDIST_CACHE) -> Path:
    """The Django source release for ``version``, downloaded from PyPI once."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(rf"django-{re.escape(version)}\.tar\.gz", re.IGNORECASE)
    for candidate in cache_dir.iterdir():
        if pattern.fullmatch(candidate.name):
            return candidate
    with tempfile.TemporaryDirectory(dir=cache_dir) as download_dir:
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command = [*pip, "--no-binary", ":all:", f"Django=={version}", "-d", download_dir]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        found = [p for p in Path(download_dir).iterdir() if pattern.fullmatch(p.name)]
        if done.returncode != 0 or not found:
            raise RuntimeError(
                f"could not download the Django {version} sdist with pip:\n"
                f"{done.stdout}{done.stderr}"
            )
        target = cache_dir / found[0].name
        os.replace(found[0], target)
        return target


def extract_cache_tests(sdist: Path, tests_root: Path) -> Path:
    """Extract ``tests/cache/*.py`` as the package ``tests_root/cache``."""
    package = tests_root / "cache"
    package.mkdir(parents=True, exist_ok=True)
    member_re = re.compile(r"[^/]+/tests/cache/([A-Za-z0-9_]+\.py)")
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive:
            match = member_re.fullmatch(member.name)
            if match and member.isfile():
                source = archive.extractfile(member)
                assert source is not None
                (package / match.group(1)).write_bytes(source.read())
    if not (package / "tests.py").exists():
        raise RuntimeError(f"{sdist} has no tests/cache/tests.py")
    (package / "__init__.py").touch()
    return tests_root


def prepare_cache_tests(tests_root: Path) -> Path:
    return extract_cache_tests(django_sdist(django_version()), tests_root)


@dataclass
class SuiteResult:
    chain: str
    returncode: int
    log: Path
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.returncode == 0
            and bool(self.counts)
            and not self.counts["failed"]
            and not self.counts["errors"]
        )

    def summary(self) -> str:
        c = self.counts
        if not c:
            return f"{self.chain}: no result (exit {self.returncode}); see {self.log}"
        skipped = ", ".join(sorted(c["skipped_tests"])) or "none"
        return (
            f"Django {c['django']} BaseCacheTests on {self.chain}: {c['passed']} passed, "
            f"{c['skipped']} skipped, {c['failed']} failed, {c['errors']} errors "
            f"({c['run']} run; skipped as not applicable: {skipped})"
        )

    def log_tail(self, lines: int = 120) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_chain_suite(
    chain: str, tests_root: Path, workdir: Path, redis_url: str | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{chain}.log"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(tests_root), str(REPO_ROOT / "lib"), str(REPO_ROOT / "test" / "python")]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    command = [sys.executable, "-m", "support.django_suite", "--chain", chain]
    command += ["--tests-root", str(tests_root), "--workdir", str(workdir)]
    if redis_url:
        command += ["--redis-url", redis_url]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
        )
    return process, log


def finish_chain_suite(
    chain: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 300
) -> SuiteResult:
    try:
        returncode = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        returncode = process.wait()
    counts: dict[str, Any] = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(RESULT_PREFIX):
            counts = json.loads(line[len(RESULT_PREFIX) :])
    return SuiteResult(chain, returncode, log, counts)


def run_chain_suite(
    chain: str, tests_root: Path, workdir: Path, redis_url: str | None = None
) -> SuiteResult:
    process, log = start_chain_suite(chain, tests_root, workdir, redis_url)
    return finish_chain_suite(chain, process, log)


# -- child side -------------------------------------------------------------------------


def chain_caches(chain: str, base_setting: Any, workdir: Path, redis_url: str | None) -> dict:
    """Django's test aliases, each a chain over the same two levels."""
    deep, max_memory_timeout = CHAINS[chain]
    levels = ["chain-locmem-top", f"chain-{deep}-deep"]
    deep_params: dict[str, Any] = {"BACKEND": DEEP_BACKENDS[deep]}
    if deep == "locmem":
        deep_params["LOCATION"] = levels[1]
    elif deep == "filebased":
        deep_params["LOCATION"] = str(workdir / "filebased-level")
    else:
        if not redis_url:
            raise SystemExit("--redis-url is needed for a redis chain")
        deep_params["LOCATION"] = redis_url
    options: dict[str, Any] = {"CACHES": levels}
    if max_memory_timeout is not None:
        options["MAX_MEMORY_TIMEOUT"] = max_memory_timeout
    setting = base_setting(BACKEND=CHAIN_BACKEND, OPTIONS=options)
    setting[levels[0]] = {"BACKEND": LOCMEM, "LOCATION": levels[0]}
    setting[levels[1]] = deep_params
    return setting


def build_test_case(chain: str, workdir: Path, redis_url: str | None) -> type[unittest.TestCase]:
    from cache import tests as django_tests
    from django.test import TestCase, override_settings

    attrs: dict[str, Any] = {"__module__": __name__}
    for name, reason in SKIPPED_TESTS.items():
        if hasattr(django_tests.BaseCacheTests, name):
            attrs[name] = unittest.skip(reason)(getattr(django_tests.BaseCacheTests, name))
    if CHAINS[chain][0] == "redis":
        import redis

        # As Django's RedisCacheTests: INCRBY on a pickled value is refused by the server.
        attrs["incr_decr_type_error"] = redis.ResponseError
    name = "ChainedCache_" + re.sub(r"\W", "_", chain) + "_Tests"
    test_case = type(name, (django_tests.BaseCacheTests, TestCase), attrs)
    caches = chain_caches(chain, django_tests.caches_setting_for_tests, workdir, redis_url)
    return override_settings(CACHES=caches)(test_case)


def _test_id(test: unittest.TestCase) -> str:
    return getattr(test, "test_case", test).id()  # a failed subTest counts once, as its test


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", required=True, choices=sorted(CHAINS))
    parser.add_argument("--tests-root", required=True, type=Path)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--redis-url")
    args = parser.parse_args(argv)

    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="django-s3-static-cache-suite",
        INSTALLED_APPS=["cache"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        CACHES={"default": {"BACKEND": LOCMEM}},
        MIDDLEWARE=[],
    )
    django.setup()
    from django.test.runner import DiscoverRunner

    test_case = build_test_case(args.chain, args.workdir, args.redis_url)
    suite = unittest.TestLoader().loadTestsFromTestCase(test_case)
    runner = DiscoverRunner(verbosity=2, interactive=False)
    runner.setup_test_environment()
    old_config = runner.setup_databases(aliases=runner.get_databases(suite))
    try:
        result = runner.run_suite(suite)
    finally:
        runner.teardown_databases(old_config)
        runner.teardown_test_environment()
        shutil.rmtree(args.workdir / "filebased-level", ignore_errors=True)

    failed = {_test_id(test) for test, _ in result.failures}
    errors = {_test_id(test) for test, _ in result.errors} - failed
    skipped = {_test_id(test): reason for test, reason in result.skipped}
    expected_failures = len(result.expectedFailures)
    counts = {
        "django": django.get_version(),
        "chain": args.chain,
        "run": result.testsRun,
        "passed": result.testsRun - len(failed | errors) - len(skipped) - expected_failures,
        "skipped": len(skipped),
        "failed": len(failed) + len(result.unexpectedSuccesses),
        "errors": len(errors),
        "skipped_tests": {test_id.rsplit(".", 1)[-1]: r for test_id, r in skipped.items()},
    }
    sys.stderr.flush()
    print(RESULT_PREFIX + json.dumps(counts), flush=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
