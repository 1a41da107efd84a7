"""Known answers: the hand-written SigV4 signer gives exactly botocore's signature.

botocore is the reference implementation of Signature Version 4 for S3; each row of the table is
one request the buildpack can send (keys that need percent-encoding, listing queries, the CORS
subresource, a session token, virtual-host, dotted-bucket and custom endpoints), signed by both
at the same instant with the same credentials.
"""

from __future__ import annotations

import datetime
import time

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from django_s3_static.config import Config
from django_s3_static.s3.signing import UNSIGNED_PAYLOAD, Endpoint, Signer, canonical_query

NOW = datetime.datetime(2026, 11, 30, 8, 15, 42, tzinfo=datetime.UTC)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

ENDPOINTS = {
    "virtual host": {"AWS_STORAGE_BUCKET_NAME": "my-bucket", "AWS_S3_REGION_NAME": "eu-west-1"},
    "dotted bucket": {"AWS_STORAGE_BUCKET_NAME": "static.example.com"},
    "custom endpoint": {
        "AWS_STORAGE_BUCKET_NAME": "my-bucket",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000/base",
    },
    "custom endpoint, virtual": {
        "AWS_STORAGE_BUCKET_NAME": "my-bucket",
        "AWS_S3_ENDPOINT_URL": "https://r2.example.com",
        "AWS_S3_ADDRESSING_STYLE": "virtual",
        "AWS_S3_REGION_NAME": "auto",
    },
}
REQUESTS = {
    "PUT a hashed file": ("PUT", "static/css/site.0123456789ab.css", None, UNSIGNED_PAYLOAD),
    "PUT a key to encode": ("PUT", "static/a b/ç+%20&<>'\"~!*().js", None, UNSIGNED_PAYLOAD),
    "PUT at the bucket root": ("PUT", "robots.txt", None, UNSIGNED_PAYLOAD),
    "first listing page": (
        "GET",
        "",
        {"list-type": "2", "prefix": "static/", "max-keys": "1000", "encoding-type": "url"},
        EMPTY_SHA256,
    ),
    "next listing page": (
        "GET",
        "",
        {"list-type": "2", "prefix": "a b+ç/", "continuation-token": "1x/y+z=="},
        EMPTY_SHA256,
    ),
    "CORS subresource": ("GET", "", {"cors": ""}, EMPTY_SHA256),
}
TOKENS = {"keys": None, "session token": "FwoGZXIvYXdzEJr//////////token+/="}


def botocore_authorization(config, method, url, payload, token) -> str:
    class GivenPayload(S3SigV4Auth):
        """botocore's S3 signer, told the payload hash (it chooses one by its own rules)."""

        def payload(self, request):
            return payload

    request = AWSRequest(method=method, url=url)
    credentials = Credentials(config.access_key, config.secret_key, token)
    GivenPayload(credentials, "s3", config.region or "us-east-1").add_auth(request)
    return request.headers["Authorization"]


@pytest.mark.parametrize("token", TOKENS.values(), ids=TOKENS.keys())
@pytest.mark.parametrize("request_name", REQUESTS)
@pytest.mark.parametrize("endpoint_name", ENDPOINTS)
def test_signature_matches_botocore(monkeypatch, endpoint_name, request_name, token):
    values = {
        **ENDPOINTS[endpoint_name],
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        **({"AWS_SESSION_TOKEN": token} if token else {}),
    }
    config = Config.from_values(values)
    method, key, query, payload = REQUESTS[request_name]
    endpoint = Endpoint(config)
    target = endpoint.target(key)
    ours = Signer(config).headers(
        method, endpoint.host, target, query, payload, now=NOW.utctimetuple()
    )
    url = endpoint.origin + target + (f"?{canonical_query(query)}" if query else "")
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: NOW.replace(tzinfo=None))
    assert ours["Authorization"] == botocore_authorization(config, method, url, payload, token)
    assert ours["x-amz-date"] == time.strftime("%Y%m%dT%H%M%SZ", NOW.utctimetuple())
    assert ours.get("x-amz-security-token") == token


def test_endpoints_address_the_bucket_as_s3_documents():
    """Virtual-hosted style on AWS, path style for dotted names and custom endpoints:
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html"""

    def where(name):
        endpoint = Endpoint(Config.from_values(ENDPOINTS[name]))
        return endpoint.origin, endpoint.target("a b.css")

    assert where("virtual host") == ("https://my-bucket.s3.eu-west-1.amazonaws.com", "/a%20b.css")
    assert where("dotted bucket") == (
        "https://s3.us-east-1.amazonaws.com",
        "/static.example.com/a%20b.css",
    )
    assert where("custom endpoint") == ("http://127.0.0.1:9000", "/base/my-bucket/a%20b.css")
    assert where("custom endpoint, virtual") == ("https://my-bucket.r2.example.com", "/a%20b.css")


def test_canonical_query_is_sorted_and_percent_encoded():
    query = {"prefix": "static/a b+ç", "list-type": "2", "continuation-token": "x/y=="}
    assert canonical_query(query) == (
        "continuation-token=x%2Fy%3D%3D&list-type=2&prefix=static%2Fa%20b%2B%C3%A7"
    )
