"""Micro-benchmark of ChainedCache's read path (timeit; prints a table, asserts nothing).

    python test/bench/cache_bench.py [--number N] [--repeat R]

Rows:

* memory-level hit: ``chain.get`` served by the top LocMemCache, against a plain
  ``LocMemCache.get`` of the same value (the target is at most 1.3x).
* deeper-level hit, per deep backend: ``chain.get`` that misses memory, reads the deep level
  (with the entry's remaining lifetime) and fills memory, against what a hand-written
  two-level lookup costs: the deep ``get`` plus one memory ``set``. Both loops first drop the
  key from memory with the same ``delete``, so that every iteration is a deep hit.

The redis row starts its own redis-server on 127.0.0.1 (skipped if the binary is missing).
Times are the best of ``repeat`` runs, per call.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path[:0] = [str(HERE.parents[2] / "lib"), str(HERE.parents[1] / "python")]

import django  # noqa: E402
from django.conf import settings  # noqa: E402

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
VALUE = {"css/app.css": "css/app.3f2a1b9c8d7e.css", "js/app.js": "js/app.0a1b2c3d4e5f.js"}
KEY = "staticfiles:manifest:css/app.css"


def best(stmt: Callable[[], object], number: int, repeat: int) -> float:
    """Best time per call, in microseconds."""
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e6


def deep_levels(tmp: Path, redis_url: str | None) -> dict[str, dict]:
    levels: dict[str, dict] = {
        "locmem": {"BACKEND": LOCMEM, "LOCATION": "bench-deep"},
        "filebased": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp / "filebased"),
        },
    }
    if redis_url:
        levels["redis"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from support.redis_server import RedisServer

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        server: RedisServer | None = None
        try:
            server = RedisServer(tmp / "redis").start()
        except FileNotFoundError as exc:
            print(f"(no redis row: {exc})")
        try:
            run(tmp, server.url if server else None, args.number, args.repeat)
        finally:
            if server:
                server.stop()


def run(tmp: Path, redis_url: str | None, number: int, repeat: int) -> None:
    deep = deep_levels(tmp, redis_url)
    caches_setting: dict[str, dict] = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "bench-plain"},
        "mem": {"BACKEND": LOCMEM, "LOCATION": "bench-mem"},
    }
    for kind, params in deep.items():
        caches_setting[f"deep-{kind}"] = params
        caches_setting[f"chain-{kind}"] = {
            "BACKEND": "django_s3_static.cache.ChainedCache",
            "OPTIONS": {"CACHES": ["mem", f"deep-{kind}"]},
        }
    settings.configure(CACHES=caches_setting, INSTALLED_APPS=[])
    django.setup()
    from django.core.cache import caches

    rows: list[tuple[str, str, float, str, float]] = []

    plain = caches["default"]
    plain.set(KEY, VALUE)
    chain = caches["chain-locmem"]
    chain.set(KEY, VALUE)
    assert chain.get(KEY) == plain.get(KEY) == VALUE
    rows.append(
        (
            "memory-level hit",
            "chain.get",
            best(lambda: chain.get(KEY), number, repeat),
            "LocMemCache.get",
            best(lambda: plain.get(KEY), number, repeat),
        )
    )

    mem = caches["mem"]
    for kind in deep:
        chain = caches[f"chain-{kind}"]
        level = caches[f"deep-{kind}"]
        chain.set(KEY, VALUE)
        made = chain.make_key(KEY)
        # The plain backends below are given the chain's made key, so the baseline reads and
        # writes exactly the entries the chain does.
        level.key_func = mem.key_func = lambda key, prefix, version: key
        n = max(number // (20 if kind != "locmem" else 2), 500)

        def via_chain(chain=chain, made=made) -> object:
            mem.delete(made)
            return chain.get(KEY)

        def by_hand(level=level, made=made) -> object:
            mem.delete(made)
            value = level.get(made)
            mem.set(made, value, 300)
            return value

        assert via_chain() == by_hand() == VALUE
        rows.append(
            (
                f"{kind}-level hit (fill)",
                "chain.get",
                best(via_chain, n, repeat),
                f"{kind} get + mem set",
                best(by_hand, n, repeat),
            )
        )
        chain.clear()

    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}")
    header = ("case", "ChainedCache", "µs/call", "baseline", "µs/call", "ratio")
    widths = (26, 12, 8, 24, 8, 6)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for case, what, took, base_what, base_took in rows:
        cells = (
            case,
            what,
            f"{took:.2f}",
            base_what,
            f"{base_took:.2f}",
            f"{took / base_took:.2f}x",
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
