"""ChainedCache's levels: fill lifetimes, the deepest level's decisions, None, shared aliases."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from support import cache_chain
from support import redis_server as rs
from support.cache_chain import (
    DEEP_KINDS,
    RECORDING,
    calls,
    chain_setting,
    deep_level,
    failing_keys,
    mem_expiry,
)

django_configured = cache_chain.django_configured
use_chain = cache_chain.use_chain
redis_server = rs.redis_server


# -- fill lifetimes --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_fill_never_outlives_the_deep_entry(use_chain, kind: str) -> None:
    c = use_chain(kind)
    c["deep_only"].set("k", "deep value", timeout=2)
    assert c["mem_only"].get("k") is None

    assert c["chain"].get("k") == "deep value"
    assert 1.5 < mem_expiry(c["mem"], c["chain"], "k") - time.time() <= 2.0
    assert c["mem_only"].get("k") == "deep value"  # filled

    time.sleep(2.1)
    assert c["deep_only"].get("k") is None
    assert c["mem_only"].get("k") is None
    assert c["chain"].get("k", "gone") == "gone"


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_fill_of_a_non_expiring_entry_is_capped(use_chain, kind: str) -> None:
    c = use_chain(kind, MAX_MEMORY_TIMEOUT=30)
    c["deep_only"].set("k", "forever", timeout=None)
    before = time.time()
    assert c["chain"].get("k") == "forever"
    assert before < mem_expiry(c["mem"], c["chain"], "k") <= time.time() + 30


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_get_many_fills_with_each_entry_lifetime(use_chain, kind: str) -> None:
    c = use_chain(kind)
    c["deep_only"].set("short", 1, timeout=2)
    c["deep_only"].set("long", 2, timeout=20)
    assert c["chain"].get_many(["short", "long", "none"]) == {"short": 1, "long": 2}
    assert 1.5 < mem_expiry(c["mem"], c["chain"], "short") - time.time() <= 2.0
    assert 15 < mem_expiry(c["mem"], c["chain"], "long") - time.time() <= 20.0


def test_fill_from_a_level_that_cannot_tell_the_lifetime_uses_fill_timeout(use_chain) -> None:
    c = use_chain("recording", FILL_TIMEOUT=7)
    c["deep_only"].set("k", "v", timeout=3600)
    now = time.time()
    assert c["chain"].get("k") == "v"
    assert now + 6 < mem_expiry(c["mem"], c["chain"], "k") <= time.time() + 7


def test_set_caps_the_memory_copy_and_not_the_deep_entry(use_chain) -> None:
    c = use_chain("locmem", MAX_MEMORY_TIMEOUT=5)
    now = time.time()
    c["chain"].set("k", "v", timeout=None)
    assert now < mem_expiry(c["mem"], c["chain"], "k") <= time.time() + 5
    deep = caches["deep"]
    assert deep._expire_info[c["chain"].make_key("k")] is None
    c["chain"].set("short", "v", timeout=2)
    assert mem_expiry(c["mem"], c["chain"], "short") <= time.time() + 2


def test_cross_process_staleness_is_bounded_by_max_memory_timeout(use_chain) -> None:
    c = use_chain("locmem", MAX_MEMORY_TIMEOUT=1)
    c["chain"].set("k", "old", timeout=60)
    # Another process writes the shared level; this process's memory does not hear of it.
    c["deep_only"].set("k", "new", timeout=60)
    assert c["chain"].get("k") == "old"
    time.sleep(1.1)
    assert c["chain"].get("k") == "new"


# -- decisions of the deepest level ---------------------------------------------------------


def test_add_incr_decr_touch_are_decided_by_the_deepest_level(use_chain) -> None:
    c = use_chain("locmem")
    chain, mem, deep = c["chain"], c["mem_only"], c["deep_only"]

    deep.set("taken", "deep")  # e.g. added by another process
    assert chain.add("taken", "mine") is False
    assert chain.get("taken") == "deep"

    mem.set("stale", "left over")  # the shared entry is gone, a memory copy is not
    assert chain.add("stale", "fresh") is True
    assert (mem.get("stale"), deep.get("stale")) == ("fresh", "fresh")

    mem.set("counter", 100)
    with pytest.raises(ValueError):
        chain.incr("counter")
    assert mem.get("counter") is None  # the stale copy is dropped

    deep.set("n", 5, timeout=3)
    mem.set("n", 1)
    assert chain.incr("n", 10) == 15
    assert chain.decr("n", 3) == 12
    assert mem_expiry(c["mem"], chain, "n") - time.time() <= 3.0  # the deep entry's lifetime
    assert (mem.get("n"), deep.get("n"), chain.get("n")) == (12, 12, 12)

    mem.set("ghost", "x")
    assert chain.touch("ghost", 10) is False
    assert mem.get("ghost") is None
    chain.set("t", "v", timeout=2)
    assert chain.touch("t", None) is True
    assert deep.get("t") == "v" and caches["deep"]._expire_info[chain.make_key("t")] is None


def test_delete_and_has_key_see_every_level(use_chain) -> None:
    c = use_chain("locmem")
    chain, mem, deep = c["chain"], c["mem_only"], c["deep_only"]
    deep.set("d", 1)
    mem.set("m", 2)
    assert chain.has_key("d") and chain.has_key("m") and not chain.has_key("x")
    assert mem.get("d") is None  # has_key copies nothing upwards
    assert chain.delete("d") is True and chain.delete("m") is True
    assert chain.delete("d") is False
    chain.set_many({"a": 1, "b": 2, "c": 3})
    chain.delete_many(["a", "b"])
    assert mem.get_many(["a", "b", "c"]) == deep.get_many(["a", "b", "c"]) == {"c": 3}
    chain.clear()
    assert not mem.has_key("c") and not deep.has_key("c")


def test_set_many_returns_the_keys_any_level_failed(use_chain) -> None:
    setting = chain_setting(deep_level("recording", Path()))
    setting["mem"] = {"BACKEND": RECORDING, "LOCATION": f"rec-mem-{uuid.uuid4().hex[:8]}"}
    with override_settings(CACHES=setting):
        chain, mem, deep = caches["chain"], caches["mem_only"], caches["deep_only"]
        failing_keys[setting["deep"]["LOCATION"]] = {chain.make_key("a")}
        failing_keys[setting["mem"]["LOCATION"]] = {chain.make_key("b")}
        mem.set("a", "old a")
        mem.set("b", "old b")
        assert chain.set_many({"a": 1, "b": 2, "c": 3}) == ["a", "b"]
        # No level keeps an older value than the one the caller failed to store.
        assert mem.get_many(["a", "b", "c"]) == {"c": 3}
        assert deep.get_many(["a", "b", "c"]) == {"b": 2, "c": 3}
        assert chain.get("b") == 2


# -- None is a value ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_cached_none_is_a_hit(use_chain, kind: str) -> None:
    c = use_chain(kind)
    chain, mem = c["chain"], c["mem_only"]
    chain.set("n", None)
    assert chain.get("n", "default") is None
    assert chain.get_many(["n"]) == {"n": None}
    assert chain.has_key("n")

    c["deep_only"].set("deep_none", None)
    assert chain.get("deep_none", "default") is None
    assert mem.has_key("deep_none")  # filled: a None from the deep level is a hit too
    assert chain.get_or_set("deep_none", "other") is None
    mem.delete("deep_none")
    assert chain.get_many(["deep_none", "missing"]) == {"deep_none": None}


# -- get_many asks each level only for what is still missing -------------------------------


def test_get_many_asks_each_level_only_for_the_missing_keys() -> None:
    tag = uuid.uuid4().hex[:8]
    setting = chain_setting({"BACKEND": RECORDING, "LOCATION": f"deep-{tag}"})
    setting["mem"] = {"BACKEND": RECORDING, "LOCATION": f"mem-{tag}"}
    with override_settings(CACHES=setting):
        chain, deep_only = caches["chain"], caches["deep_only"]
        chain.set_many({"a": 1, "b": 2})
        deep_only.set("c", 3)
        mem_calls, deep_calls = calls[f"mem-{tag}"], calls[f"deep-{tag}"]
        mem_calls.clear()
        deep_calls.clear()
        k = chain.make_key

        assert chain.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": 2, "c": 3}
        assert [c for c in mem_calls if c[0] == "get_many"] == [
            ("get_many", [k("a"), k("b"), k("c"), k("d")])
        ]
        assert [c for c in deep_calls if c[0] == "get_many"] == [("get_many", [k("c"), k("d")])]
        assert ("set", (k("c"), 60)) in mem_calls  # filled for FILL_TIMEOUT (default 60 s)

        deep_calls.clear()
        assert chain.get_many(["a", "c", "d"]) == {"a": 1, "c": 3}
        assert deep_calls == [("get_many", [k("d")])]

        deep_calls.clear()
        assert chain.get_many(["a", "b"]) == {"a": 1, "b": 2}
        assert deep_calls == []  # all found above: the deep level is not asked at all


# -- aliases sharing levels -----------------------------------------------------------------


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_aliases_sharing_levels_see_each_others_writes(use_chain, kind: str) -> None:
    c = use_chain(kind)
    one, two = c["chain"], c["other"]
    assert one is not two
    one.set("k", 1)
    assert two.get("k") == 1
    two.set("k", 2)
    assert one.get("k") == 2
    assert one.incr("k") == 3 and two.get("k") == 3
    assert two.add("k", 99) is False and one.get("k") == 3
    two.delete("k")
    assert one.get("k") is None
    one.set_many({"x": 1, "y": 2})
    assert two.get_many(["x", "y"]) == {"x": 1, "y": 2}
    two.clear()
    assert one.get_many(["x", "y"]) == {}
