"""Upload limits, files that cannot be uploaded, and the transport's proxy choice (no server)."""

import gzip
import hashlib

import pytest

from django_s3_static.config import Config
from django_s3_static.s3 import upload
from django_s3_static.s3.connections import proxy_for
from django_s3_static.s3.upload import (
    MAX_PUT_BYTES,
    Stored,
    UnreadableFile,
    Uploader,
    UploadJob,
    oversized,
)


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


def test_a_file_gone_or_changed_before_its_upload_fails_alone_and_names_the_file(tmp_path):
    """No request is sent (the endpoint is a closed port): each file is checked before its PUT,
    and a missing one is not taken for a refusal that holds for every object."""
    kept = tmp_path / "kept.css"
    kept.write_bytes(b"body { color: red }\n" * 20)
    planned = hashlib.md5(kept.read_bytes()).hexdigest()
    kept.write_bytes(b"body { color: blue }\n" * 20)  # changed after planning
    jobs = [
        UploadJob("gone.css", str(tmp_path / "gone.css"), 10, "0" * 32, True, "x", compress=True),
        UploadJob("kept.css", str(kept), 400, planned, True, "x", compress=True),
        UploadJob("gone.png", str(tmp_path / "gone.png"), 10, "0" * 32, True, "x"),
    ]
    config = Config(
        bucket="b",
        endpoint_url="http://127.0.0.1:9",
        access_key="AKIAEXAMPLE",
        secret_key="not-a-secret",
        max_attempts=1,
    )
    result = Uploader(config).run(jobs)
    assert result.uploaded == [] and result.not_sent == 0
    failed = {name: error for name, error in result.failed}
    assert sorted(failed) == ["gone.css", "gone.png", "kept.css"]
    for name in ("gone.css", "gone.png"):
        assert isinstance(failed[name], UnreadableFile)
        assert failed[name].title == (
            f"Cannot upload {name}: {tmp_path / name} cannot be read (No such file or directory)."
        )
    assert failed["kept.css"].title == (
        f"Cannot upload kept.css: {kept} changed after it was collected (420 bytes now)."
    )
    assert failed["kept.css"].details[-1] == "Run the build again."


def test_a_job_in_a_pack_is_read_from_its_range_alone(tmp_path):
    """A full collect's files share one pack: each upload reads its own bytes, no more."""
    css = b"body { color: red }\n" * 20
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(100))
    pack = tmp_path / ".collected.pack"
    pack.write_bytes(png + css + b"the next file")
    md5 = hashlib.md5
    compressed = UploadJob(
        "a.css",
        str(pack),
        len(css),
        md5(css).hexdigest(),
        True,
        "x",
        compress=True,
        offset=len(png),
    )
    body, stored = Uploader._body(compressed)
    assert gzip.decompress(body) == css and stored.encoding == "gzip"
    streamed = UploadJob("b.png", str(pack), len(png), md5(png).hexdigest(), True, "x", offset=0)
    assert Uploader._body(streamed) == (None, Stored(len(png), md5(png).hexdigest(), None))
    with upload._open(streamed) as stream:
        assert stream.read() == png
