"""A multi-level ("chained") Django cache backend.

``ChainedCache`` puts a fast, per-process cache (usually ``LocMemCache``) in front of a shared
one (``FileBasedCache``, ``RedisCache``, ...). It is configured like any other cache and names
its levels by alias, top (fastest) first, deepest (the shared one) last::

    CACHES = {
        "staticfiles": {
            "BACKEND": "django_s3_static.cache.ChainedCache",
            "OPTIONS": {"CACHES": ["staticfiles-mem", "staticfiles-files"]},
        },
        "staticfiles-mem": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache", ...
        },
        "staticfiles-files": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", ...
        },
    }

It replaces the old (2012) two-level cache recipe, whose read path copied a value found in the
deep level into memory with a fresh default timeout, so an entry could live on in memory long
after it had expired or been replaced in the shared level. Here:

* A read takes the value from the first level that has it. A hit in a deeper level fills the
  levels above it for no longer than the deeper entry has left to live (the remaining lifetime
  is read from the level where the backend can tell it: ``LocMemCache``'s expiry table, the
  ``FileBasedCache`` file header, Redis ``PTTL``; other backends get ``FILL_TIMEOUT``). The
  fill's timeout is that remaining lifetime computed just before the fill is written, so it
  ends with the deeper entry, give or take the microseconds the level takes to stamp it.
* A write goes to every level, deepest first. ``add``, ``incr``, ``decr`` and ``touch`` are
  decided by the deepest level (the one every process shares) and then reflected upwards. A
  write that fails (or that the deepest level refuses, like ``incr`` of a key it no longer
  has) drops the key from the levels above, so none of them keeps a value the caller meant to
  replace.
* Thread-safe with no global lock: a top-level hit takes no lock of the chain's, writes of
  the same key are serialised by one of 64 striped locks, and a fill is dropped if a write of
  the key from this process came in between (see ``locks._Stripes``).
* Every write into a level that is not the deepest is capped at ``MAX_MEMORY_TIMEOUT``: another
  process's write or delete never reaches this process's memory, so this cap is the bound on
  how long a process can serve a value that the shared level no longer has.

Options (``OPTIONS``):

``CACHES``
    Required. Aliases of the levels, top first. A level may not itself be a ``ChainedCache``.
``MAX_MEMORY_TIMEOUT``
    Default 300 (seconds). Longest lifetime of any entry in a level that is not the deepest,
    hence the bound on cross-process staleness. ``None`` removes the cap; 0 keeps nothing
    above the deepest level.
``FILL_TIMEOUT``
    Default 60 (seconds). Lifetime of a fill copied from a level that cannot tell an entry's
    remaining lifetime (memcached, database or custom backends); also capped by
    ``MAX_MEMORY_TIMEOUT``. 0 disables fills from such levels.
``IGNORE_LEVEL_ERRORS``
    Default ``False``: an exception raised by a level propagates, as with Django's own
    backends. When ``True``, a level that raises while *reading* (``get``, ``get_many``,
    ``has_key`` and the fill that follows a deeper hit) is logged on the
    ``django_s3_static.cache`` logger and treated as a miss, so a Redis outage degrades to the
    levels that still work. Writes always raise: a write or delete that silently missed the
    shared level would leave every other process serving the value it meant to replace.

The chain's own ``TIMEOUT``, ``KEY_PREFIX``, ``VERSION`` and ``KEY_FUNCTION`` apply; those of
the level aliases do not (see ``levels._RawKeyMixin``). ``LOCATION`` is not used.

The package imports nothing else of django_s3_static, so a project can use the backend on its
own.
"""

from .chain import ChainedCache

__all__ = ["ChainedCache"]
