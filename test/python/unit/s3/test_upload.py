"""Upload limits and the transport's proxy choice (pure)."""

import pytest

from django_s3_static.s3.transport import proxy_for
from django_s3_static.s3.upload import MAX_PUT_BYTES, UploadJob, oversized


def test_files_one_put_cannot_store_are_found_before_uploading():
    small = UploadJob("a.css", "/a", 10, "0" * 32, True, "x")
    huge = UploadJob("video.mp4", "/v", MAX_PUT_BYTES + 1, "0" * 32, False, "x")
    assert oversized([small, huge]) == [huge]
    assert MAX_PUT_BYTES == 5 * 1024**3


@pytest.mark.parametrize(
    "environ, origin, proxy",
    [
        ({}, "https://b.s3.amazonaws.com", None),
        ({"HTTPS_PROXY": "http://p:3128"}, "https://b.s3.amazonaws.com", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128"}, "http://127.0.0.1:9000", None),
        ({"HTTP_PROXY": "http://p:3128"}, "http://minio:9000", "http://p:3128"),
        (
            {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": ".amazonaws.com"},
            "https://b.s3.amazonaws.com",
            None,
        ),
    ],
)
def test_the_environment_names_the_proxy(monkeypatch, environ, origin, proxy):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert proxy_for(origin) == proxy
