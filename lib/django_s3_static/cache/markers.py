"""Sentinels shared by the chain and its levels, apart so neither module imports the other."""

from __future__ import annotations

from typing import Any


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# Returned by a level for a key it does not hold. A cached None is a hit, so a level is always
# asked with this object as the default, never with None.
_MISSING: Any = _Sentinel("<missing>")
# "The level cannot tell when this entry expires": the fill gets FILL_TIMEOUT.
_UNKNOWN: Any = _Sentinel("<unknown expiry>")
# An expiry in the past: the entry vanished between the read and the expiry lookup; no fill.
_GONE = 0.0

# An entry's expiry as a level reports it: an absolute time.time() value, None for "never",
# or _UNKNOWN.
Expiry = Any
