"""Which place a dyno's pages link to when the slug was published elsewhere (pure)."""

from __future__ import annotations

from django_s3_static.config import Config
from django_s3_static.format.location import (
    Location,
    configured,
    normalize_endpoint,
    public_config,
    recorded,
    serving,
)
from django_s3_static.format.static_cache import StaticCache

A = Location("staging-static", "static", "")
B = Location("prod-static", "static", "")


def test_endpoints_compare_by_scheme_and_host_case_insensitively():
    assert normalize_endpoint("HTTPS://S3.Example.COM/") == "https://s3.example.com"
    assert normalize_endpoint("https://minio.example.com:9000/Tenant") == (
        "https://minio.example.com:9000/Tenant"
    )
    assert normalize_endpoint(None) == ""


def test_same_place_needs_bucket_prefix_and_a_known_endpoint_to_match():
    assert A.same_place(Location("staging-static", "static", ""))
    assert not A.same_place(Location("staging-static", "assets", ""))
    assert not A.same_place(Location("staging-static", "static", "https://r2.example.com"))
    assert A.same_place(Location("staging-static", "static", None))  # an older cache: unknown


def test_the_configured_place_when_published_there():
    assert serving(A, A, release_promotes=False) == serving(A, A, True)
    assert serving(A, A, False).location == A and serving(A, A, False).problem is None


def test_the_configured_place_when_the_release_phase_promotes():
    decision = serving(A, B, release_promotes=True)
    assert decision.location == B and decision.problem is None


def test_the_published_place_and_why_when_nothing_promotes():
    decision = serving(A, B, release_promotes=False)
    assert decision.location == A
    assert "published to s3://staging-static/static/" in decision.problem
    assert "the settings name s3://prod-static/static/" in decision.problem
    assert "release: python manage.py promote_static" in decision.problem


def test_unknown_published_place_trusts_the_settings():
    assert serving(None, B, False) == serving(B, B, False)


def test_urls_to_the_published_place_skip_the_custom_domain():
    config = Config(bucket="prod-static", location="static", custom_domain="cdn.example.com")
    assert public_config(config, configured(config)) is config
    assert public_config(config, A).public_base_url == (
        "https://staging-static.s3.amazonaws.com/static/"
    )
    on_minio = Location("staging", "", "https://minio.example.com")
    assert public_config(config, on_minio).public_base_url == "https://minio.example.com/staging/"


def test_an_older_cache_keeps_the_configured_endpoint():
    config = Config(bucket="b", endpoint_url="https://minio.example.com")
    assert public_config(config, Location("a", "", None)).public_base_url == (
        "https://minio.example.com/a/"
    )


def test_recorded_reads_the_cache():
    cache = StaticCache("sha256:x", "b", "p", endpoint="https://s3.example.com")
    assert recorded(cache) == Location("b", "p", "https://s3.example.com")
