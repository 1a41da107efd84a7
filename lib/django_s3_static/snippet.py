"""Documented import path of the settings snippet.

Add ``from django_s3_static.snippet import install; install(globals())`` at the end of a
settings module.
"""

from .runtime.snippet import CACHE_ALIAS, STORAGE_BACKEND, install, static_caches

__all__ = ["CACHE_ALIAS", "STORAGE_BACKEND", "install", "static_caches"]
