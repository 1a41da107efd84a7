"""An S3 endpoint behind a private CA: the build trusts exactly the bundle it is given."""

from __future__ import annotations

import pytest

from conftest import deploy_config
from support.tls import TLSFront, make_certificate


@pytest.fixture
def front(s3server, tmp_path):
    cert, key = make_certificate(tmp_path)
    with TLSFront(s3server.endpoint, cert, key) as proxy:
        proxy.cert = cert
        yield proxy


def build(make_slug, s3server, bucket, front, **extra):
    slug = make_slug()
    slug.set_config(
        **deploy_config(s3server, bucket, AWS_LOCATION="static", AWS_S3_ENDPOINT_URL=front.url),
        **extra,
    )
    return slug.compile()


def test_the_ca_bundle_config_var_is_trusted(make_slug, s3server, bucket, front):
    result = build(make_slug, s3server, bucket, front, AWS_CA_BUNDLE=str(front.cert))
    assert result.returncode == 0, result.output
    assert f"Public access checked: {front.url}/{bucket}/static/" in result.stdout
    assert front.connections > 0


def test_an_unknown_certificate_is_refused_with_the_setting_to_fix(
    make_slug, s3server, bucket, front
):
    result = build(make_slug, s3server, bucket, front, DJANGO_S3_STATIC_MAX_ATTEMPTS="1")
    assert result.returncode == 1
    assert f"Cannot reach {front.url}" in result.stdout
    assert "SSLError" in result.stdout


def test_verification_can_be_turned_off(make_slug, s3server, bucket, front):
    result = build(make_slug, s3server, bucket, front, AWS_S3_VERIFY="False")
    assert result.returncode == 0, result.output
