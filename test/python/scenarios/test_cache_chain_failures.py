"""ChainedCache with a level that fails: a Redis stopped, a broken top level."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import override_settings

from support import cache_chain
from support import redis_server as rs
from support.cache_chain import CHAIN, REDIS, chain_setting

django_configured = cache_chain.django_configured
use_chain = cache_chain.use_chain


# -- a deep level that fails ------------------------------------------------------------------


def test_redis_outage(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = rs.start_or_fail(tmp_path / "redis")
    try:
        tag = uuid.uuid4().hex[:8]
        redis_level = {"BACKEND": REDIS, "LOCATION": server.url}
        setting = chain_setting(redis_level, IGNORE_LEVEL_ERRORS=True)
        setting["strict"] = {"BACKEND": CHAIN, "OPTIONS": {"CACHES": ["mem", "deep"]}}
        setting["mem"]["LOCATION"] = f"outage-mem-{tag}"
        with override_settings(CACHES=setting):
            tolerant, strict = caches["chain"], caches["strict"]
            tolerant.set("in-memory", "still here")
            caches["deep_only"].set("only-in-redis", "lost")
            server.stop()

            with caplog.at_level(logging.WARNING, logger="django_s3_static.cache"):
                assert tolerant.get("in-memory") == "still here"
                assert not caplog.records
                assert tolerant.get("only-in-redis", "default") == "default"
                assert tolerant.get_many(["in-memory", "only-in-redis"]) == {
                    "in-memory": "still here"
                }
                assert tolerant.has_key("only-in-redis") is False
            messages = [r.getMessage() for r in caplog.records]
            assert len(messages) == 3 and all("'deep'" in m for m in messages), messages
            assert "ConnectionError" in messages[0]

            import redis

            with pytest.raises(redis.ConnectionError):
                strict.get("only-in-redis")
            assert strict.get("in-memory") == "still here"  # the top level still answers
            with pytest.raises(redis.ConnectionError):
                tolerant.set("in-memory", "new")  # writes always raise ...
            assert caches["mem_only"].get("in-memory") is None  # ... and drop the old copy
    finally:
        server.stop()


def test_a_missing_redis_binary_fails_with_a_clear_message(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(rs.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="redis-server not found.*apt-get install"):
        rs.start_or_fail(tmp_path)


def test_failing_top_level_is_skipped_when_errors_are_ignored(use_chain, caplog) -> None:
    c = use_chain("locmem", IGNORE_LEVEL_ERRORS=True)
    chain = c["chain"]
    chain.set("k", "v")
    with (
        pytest.MonkeyPatch.context() as patch,
        caplog.at_level(logging.WARNING, logger="django_s3_static.cache"),
    ):
        top = chain._levels[0].backend

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise OSError("memory level broken")

        patch.setattr(top, "get", broken)
        patch.setattr(top, "set", broken)
        assert chain.get("k") == "v"  # from the deep level; the fill skips the broken level
    assert len(caplog.records) == 1 and "'mem'" in caplog.records[0].getMessage()
