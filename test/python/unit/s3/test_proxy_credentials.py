"""A proxy URL's ``user:password@`` becomes the ``Proxy-Authorization`` header http.client
needs, and a 407 is explained as the proxy's refusal (no server)."""

from __future__ import annotations

import base64

import pytest

from django_s3_static.config import Config
from django_s3_static.s3.connections import proxy_credentials
from django_s3_static.s3.errors import S3Error, explain


def basic(pair: str) -> dict[str, str]:
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


@pytest.mark.parametrize(
    "proxy, url, headers",
    [
        ("http://p:3128", "http://p:3128", {}),
        ("http://u:pw@p:3128", "http://p:3128", basic("u:pw")),
        ("http://u:p%40ss%3Aw%2Frd@p:3128/", "http://p:3128/", basic("u:p@ss:w/rd")),
        ("u:pw@p:3128", "http://p:3128", basic("u:pw")),
        ("https://user@[::1]:8443", "https://[::1]:8443", basic("user:")),
        ("http://%C3%A9t%C3%A9:pw@p", "http://p", basic("\u00e9t\u00e9:pw")),
    ],
)
def test_credentials_leave_the_url_for_a_header(proxy, url, headers):
    assert proxy_credentials(proxy) == (url, headers)


def test_a_407_is_the_proxy_refusing_its_credentials():
    refused = S3Error("407", "HTTP 407", "ListObjectsV2", 407)
    error = explain(refused, Config(bucket="b"), "list")
    assert "The proxy refused its credentials (407" in error.title
    assert "HTTPS_PROXY or HTTP_PROXY" in error.details[0]
