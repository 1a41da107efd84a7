"""A proxy that requires credentials: ``HTTP_PROXY=http://user:password@host:port``.

curl, pip, boto3 and Python's urllib send the URL's credentials to the proxy as a
``Proxy-Authorization`` header; http.client, which the build's signed requests use, does not
unless told. Both builds go through ``support.auth_proxy.AuthProxy`` in front of the local S3
server: one with the right password (with characters a URL must percent-encode), one with a wrong
one. The password is never printed, in either form.
"""

from __future__ import annotations

import urllib.parse
import uuid

from conftest import deploy_config
from support.auth_proxy import AuthProxy

USER = "builder"


def stored(s3server, bucket) -> int:
    listing = s3server.client().list_objects_v2(Bucket=bucket)
    return listing.get("KeyCount", 0)


def test_the_build_sends_the_proxy_its_credentials(make_slug, s3server, bucket):
    password = f"p@ss:w/rd %-{uuid.uuid4().hex}"
    with AuthProxy(USER, password) as proxy:
        slug = make_slug()
        slug.set_config(
            **deploy_config(s3server, bucket, HTTP_PROXY=proxy.url_with(USER, password))
        )
        result = slug.compile()
        assert result.returncode == 0, result.output
        assert dict(proxy.refused) == {}  # never a 407: the credentials went with every request
        objects = stored(s3server, bucket)
        assert objects > 100
        assert proxy.accepted["PUT"] >= objects  # every upload went through the proxy
        assert proxy.accepted["GET"] >= 1  # the listing, and the public check
    for form in (password, urllib.parse.quote(password, safe="")):
        assert form not in result.output


def test_a_wrong_proxy_password_fails_the_build_saying_so(make_slug, s3server, bucket):
    wrong = f"wrong-{uuid.uuid4().hex}"
    with AuthProxy(USER, f"right-{uuid.uuid4().hex}") as proxy:
        slug = make_slug()
        slug.set_config(**deploy_config(s3server, bucket, HTTP_PROXY=proxy.url_with(USER, wrong)))
        result = slug.compile()
    assert result.returncode == 1, result.output
    assert "The proxy refused its credentials (407 Proxy Authentication Required)" in result.stdout
    assert "Check the user and password in HTTPS_PROXY or HTTP_PROXY" in result.stdout
    assert wrong not in result.output
    assert proxy.refused and not proxy.accepted
    assert stored(s3server, bucket) == 0
