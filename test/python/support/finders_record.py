"""Finders records for tests: a valid one, and one broken at a given place."""

from __future__ import annotations

from django_s3_static.format.finders_record import APP_DIRECTORIES_FINDER, FILE_SYSTEM_FINDER


def valid_record() -> dict:
    return {
        "apps": [
            {"config": "shop.apps", "name": "shop", "sha256": "a" * 64},
            {"config": "django.apps.config", "name": "news", "sha256": "b" * 64},
            {"config": "blog.apps", "name": "blog", "sha256": "c" * 64},
        ],
        "ignore_patterns": ["*~", ".*", "CVS"],
        "installed_apps": ["shop.apps.ShopConfig", "news", "blog"],
        "staticfiles_finders": [FILE_SYSTEM_FINDER, APP_DIRECTORIES_FINDER],
    }


def broken(path: str, value) -> dict:
    record = valid_record()
    target = record
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is KeyError:
        del target[last]
    else:
        target[last] = value
    return record
