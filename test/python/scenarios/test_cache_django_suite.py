"""Django's own cache backend tests (``BaseCacheTests``) against ChainedCache chains.

Django's ``tests/cache`` folder is taken from the source release matching the installed
Django (downloaded once into ``test/.cache/django-sdist/``) and each chain's run happens in a
child process with its own settings; see ``support/django_suite.py``. The chains' runs are
started together (they mostly sleep, in Django's expiry tests) and each test waits for its
own. Every test of the suite must pass except those in ``SKIPPED_TESTS``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import redis_server as rs
from support.django_suite import (
    CHAINS,
    SKIPPED_TESTS,
    finish_chain_suite,
    prepare_cache_tests,
    start_chain_suite,
)

redis_server = rs.redis_server

Runs = dict[str, tuple[subprocess.Popen[bytes], Path]]


@pytest.fixture(scope="module")
def chain_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    """Start the child run of every chain selected in this session, all at once."""
    selected = [
        item.callspec.params["chain"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    ]
    tests_root = prepare_cache_tests(tmp_path_factory.mktemp("django-tests"))
    workdir = tmp_path_factory.mktemp("django-cache-suite")
    runs: Runs = {}
    redis_db = 0
    try:
        for chain in selected:
            redis_url = None
            if CHAINS[chain][0] == "redis":
                redis_db += 1  # a database of its own: the suite's tearDown flushes it
                redis_url = request.getfixturevalue("redis_server").url_for(redis_db)
            runs[chain] = start_chain_suite(chain, tests_root, workdir / chain, redis_url)
        yield runs
    finally:
        for process, _ in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.parametrize("chain", list(CHAINS))
def test_django_base_cache_tests(
    chain: str, chain_runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    result = finish_chain_suite(chain, *chain_runs[chain])
    with capsys.disabled():
        print(f"\n{result.summary()}")
    assert result.ok, f"{result.summary()}\n{result.log_tail()}"
    assert set(result.counts["skipped_tests"]) <= set(SKIPPED_TESTS), result.counts
    assert result.counts["passed"] >= 45, "Django's suite ran far fewer tests than expected"
