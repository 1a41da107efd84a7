"""A multi-level ("chained") Django cache backend: ``ChainedCache``.

A per-process level (usually ``LocMemCache``) in front of a shared one, named by alias in
``OPTIONS["CACHES"]``, top first; the options are described in the README. Unlike the old two-level
recipe, which refilled memory with a fresh default timeout and so kept expired or replaced values
alive:

* a hit in a deeper level fills the levels above for no longer than the deeper entry has left;
* writes go to every level, deepest first; ``add``, ``incr``, ``decr`` and ``touch`` are decided
  by the deepest level, and a failed write drops the key from the levels above;
* every entry above the deepest level is capped at ``MAX_MEMORY_TIMEOUT``: another process's
  write never reaches this process's memory, so the cap bounds cross-process staleness;
* with ``IGNORE_LEVEL_ERRORS``, a level that fails while reading is a miss; writes always raise,
  since a write that missed the shared level would leave other processes serving the old value.

The chain's own ``TIMEOUT``, ``KEY_PREFIX``, ``VERSION`` and ``KEY_FUNCTION`` apply, not the
levels'. The package imports nothing else of django_s3_static, so it can be used on its own.
"""

from .chain import ChainedCache

__all__ = ["ChainedCache"]
