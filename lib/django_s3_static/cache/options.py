"""A chain's ``OPTIONS``, checked when it is built, so a mistake names the option at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_OPTIONS = frozenset({"CACHES", "MAX_MEMORY_TIMEOUT", "FILL_TIMEOUT", "IGNORE_LEVEL_ERRORS"})
DEFAULT_MAX_MEMORY_TIMEOUT = 300
DEFAULT_FILL_TIMEOUT = 60


class _Options:
    """A plain class: a NamedTuple's creation would cost the first lookup of every process."""

    __slots__ = ("aliases", "fill_timeout", "ignore_level_errors", "max_memory_timeout")

    def __init__(
        self,
        aliases: Sequence[str],
        max_memory_timeout: float | None,
        fill_timeout: float | None,
        ignore_level_errors: bool,
    ) -> None:
        self.aliases = aliases
        self.max_memory_timeout = max_memory_timeout
        self.fill_timeout = fill_timeout
        self.ignore_level_errors = ignore_level_errors


def _timeout_option(options: dict[str, Any], name: str, default: float | None) -> float | None:
    value = options.get(name, default)
    if value is None and name == "MAX_MEMORY_TIMEOUT":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ImproperlyConfigured(f"ChainedCache OPTIONS[{name!r}] must be a number >= 0")
    return value


def _parse_options(params: dict[str, Any]) -> _Options:
    options = dict(params.get("OPTIONS") or {})
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ImproperlyConfigured(f"Unknown ChainedCache OPTIONS: {', '.join(unknown)}")
    aliases = options.get("CACHES")
    if (
        isinstance(aliases, str)
        or not isinstance(aliases, list | tuple)
        or not aliases
        or not all(isinstance(alias, str) for alias in aliases)
    ):
        raise ImproperlyConfigured(
            "ChainedCache OPTIONS['CACHES'] must be a non-empty list of cache aliases"
        )
    if len(set(aliases)) != len(aliases):
        raise ImproperlyConfigured("ChainedCache OPTIONS['CACHES'] lists an alias twice")
    return _Options(
        aliases,
        _timeout_option(options, "MAX_MEMORY_TIMEOUT", DEFAULT_MAX_MEMORY_TIMEOUT),
        _timeout_option(options, "FILL_TIMEOUT", DEFAULT_FILL_TIMEOUT),
        bool(options.get("IGNORE_LEVEL_ERRORS", False)),
    )
