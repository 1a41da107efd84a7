"""ChainedCache as a Django backend: keys made once, async methods, configuration errors."""

from __future__ import annotations

import asyncio
import uuid
import warnings
from typing import Any

import pytest
from django.core.cache import CacheKeyWarning, InvalidCacheBackendError, caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_s3_static.cache import ChainedCache
from support import cache_chain
from support.cache_chain import CHAIN, LOCMEM, RECORDING, calls, stores

django_configured = cache_chain.django_configured
use_chain = cache_chain.use_chain


# -- keys --------------------------------------------------------------------------------


def custom_key(key: str, prefix: str, version: int) -> str:
    return f"custom|{prefix}|{version}|{key}"


def test_keys_are_made_and_validated_once_by_the_chain() -> None:
    tag = uuid.uuid4().hex[:8]
    setting = {
        "default": {"BACKEND": LOCMEM},
        "chain": {
            "BACKEND": CHAIN,
            "KEY_PREFIX": "chainprefix",
            "VERSION": 3,
            "KEY_FUNCTION": custom_key,
            "OPTIONS": {"CACHES": ["mem", "deep"]},
        },
        # The level aliases' own key settings must not apply to keys written via the chain.
        "mem": {"BACKEND": RECORDING, "LOCATION": f"mem-{tag}", "KEY_PREFIX": "ignored"},
        "deep": {"BACKEND": RECORDING, "LOCATION": f"deep-{tag}", "VERSION": 9},
    }
    with override_settings(CACHES=setting):
        chain = caches["chain"]
        chain.set("k", "v")
        assert set(stores[f"mem-{tag}"]) == {"custom|chainprefix|3|k"}
        assert set(stores[f"deep-{tag}"]) == {"custom|chainprefix|3|k"}
        assert chain.get("k", version=4) is None
        assert ("get", "custom|chainprefix|4|k") in calls[f"deep-{tag}"]

        bad_key = "key with spaces"
        for operation in (chain.get, chain.has_key, chain.delete):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                operation(bad_key)
            assert [w.category for w in caught] == [CacheKeyWarning], operation


# -- async methods -------------------------------------------------------------------------


def test_async_methods(use_chain) -> None:
    c = use_chain("locmem")
    chain = c["chain"]

    async def scenario() -> None:
        await chain.aset("a", 1)
        assert await chain.aget("a") == 1
        assert await chain.aadd("a", 2) is False
        assert await chain.aadd("b", None) is True
        assert await chain.aget("b", "default") is None
        assert await chain.ahas_key("b") is True
        assert await chain.aincr("a", 5) == 6
        assert await chain.adecr("a") == 5
        assert await chain.aset_many({"c": 3, "d": 4}) == []
        assert await chain.aget_many(["a", "c", "d", "z"]) == {"a": 5, "c": 3, "d": 4}
        assert await chain.atouch("c", 10) is True
        assert await chain.aget_or_set("e", lambda: "made") == "made"
        assert await chain.aincr_version("e") == 2
        assert await chain.aget("e", version=2) == "made"
        assert await chain.adecr_version("e", version=2) == 1
        assert await chain.adelete("a") is True
        await chain.adelete_many(["c", "d"])
        assert await chain.aget_many(["a", "c", "d"]) == {}
        await chain.aclear()
        assert await chain.aget("b", "gone") == "gone"
        await chain.aclose()

    asyncio.run(scenario())
    assert c["mem_only"].get("e") is None


# -- configuration errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, ImproperlyConfigured),
        ({"CACHES": []}, ImproperlyConfigured),
        ({"CACHES": "mem"}, ImproperlyConfigured),
        ({"CACHES": ["mem", "mem"]}, ImproperlyConfigured),
        ({"CACHES": ["nope"]}, InvalidCacheBackendError),
        ({"CACHES": ["chain"]}, ImproperlyConfigured),
        ({"CACHES": ["mem"], "MAX_ENTRIES": 3}, ImproperlyConfigured),
        ({"CACHES": ["mem"], "MAX_MEMORY_TIMEOUT": -1}, ImproperlyConfigured),
        ({"CACHES": ["mem"], "FILL_TIMEOUT": None}, ImproperlyConfigured),
    ],
)
def test_configuration_errors(options: dict[str, Any], error: type[Exception]) -> None:
    setting = {
        "default": {"BACKEND": LOCMEM},
        "mem": {"BACKEND": LOCMEM},
        "chain": {"BACKEND": CHAIN, "OPTIONS": {"CACHES": ["mem"]}},
        "bad": {"BACKEND": CHAIN, "OPTIONS": options},
    }
    with override_settings(CACHES=setting), pytest.raises(error):
        caches["bad"]


def test_is_a_plain_django_backend(use_chain) -> None:
    c = use_chain("locmem")
    assert isinstance(c["chain"], ChainedCache) and isinstance(c["chain"], BaseCache)
