"""The committed cache's finders section, checked strictly (pure)."""

from __future__ import annotations

import pytest

from django_s3_static.format import finders_record
from support.finders_record import broken, valid_record


@pytest.mark.parametrize(
    "record",
    [
        [],
        broken("apps", KeyError),
        broken("extra", 1),
        broken("setup_keeps_settings", False),  # written only when true
        broken("setup_keeps_settings", "yes"),
        broken("apps", {"not": "a list"}),
        broken("installed_apps", ["shop.apps.ShopConfig", "news"]),
        broken("staticfiles_finders", ["pipeline.finders.PipelineFinder"]),
        broken("ignore_patterns", [1]),
        broken("ignore_patterns", ["x" * 300]),
        broken("apps.0.sha256", "A" * 64),
        broken("apps.0.sha256", "a" * 63),
        broken("apps.0.name", "../shop"),
        broken("apps.0.config", "other.apps"),  # not where ShopConfig's entry points
        broken("apps.1.config", "news.models"),
        broken("apps.1.extra", "x"),
        broken("installed_apps.1", "news\n"),
        broken("installed_apps.1", 7),
        broken("apps", [{"config": "x", "name": "x", "sha256": "a" * 64}] * 1001),
    ],
)
def test_a_malformed_record_is_refused(record):
    with pytest.raises(finders_record.RecordError):
        finders_record.check(record)


def test_consistent_follows_how_django_resolves_an_entry():
    assert finders_record.consistent("blog", {"name": "blog", "config": "blog.apps"})
    assert finders_record.consistent("blog", {"name": "blog", "config": "django.apps.config"})
    assert not finders_record.consistent("blog", {"name": "blog", "config": "blog.other"})
    assert finders_record.consistent(
        "shop.apps.ShopConfig", {"name": "shop", "config": "shop.apps"}
    )
    assert not finders_record.consistent(
        "shop.apps.ShopConfig", {"name": "shop", "config": "x.apps"}
    )


def test_a_record_may_say_that_setup_kept_the_settings():
    record = {**valid_record(), "setup_keeps_settings": True}
    assert finders_record.check(record) == record
    assert finders_record.check(valid_record()) == valid_record()  # written before it was kept
