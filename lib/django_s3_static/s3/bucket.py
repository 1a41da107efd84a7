"""``Bucket``: the one S3 client of the buildpack and its commands, for one bucket and prefix.

The request budget is part of the design: one ``ListObjectsV2`` per 1,000 keys, one ``PutObject``
per missing object, never a HEAD or GET per object.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..config import Config
from . import boto, cors_xml, listing
from .connections import Response
from .errors import S3Error
from .transport import Transport, error_from, xml_or_none
from .types import RemoteObject

DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


class Bucket:
    def __init__(self, config: Config, connections: int = 1) -> None:
        self.config = config
        self.transport = Transport(config, connections)
        self._boto_client: Any = None

    def __enter__(self) -> Bucket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # The calls an ordinary build makes: signed here.

    def list(
        self, under: str = "", expected: Sequence[str] = ()
    ) -> tuple[dict[str, RemoteObject], int]:
        """Every object under the prefix (or ``under``) by key, and the requests it took."""
        prefix = self.config.key_prefix + under
        parts = listing.ranges(expected)
        try:
            if len(parts) == 1:
                self._list_range(prefix, parts[0])
            else:
                with ThreadPoolExecutor(len(parts)) as pool:
                    for future in [pool.submit(self._list_range, prefix, p) for p in parts]:
                        future.result()
        except listing.OutOfOrder:
            whole = listing.RangeListing(None, None)
            self._list_range(prefix, whole)
            return whole.objects, sum(part.requests for part in [*parts, whole])
        inventory: dict[str, RemoteObject] = {}
        for part in parts:
            inventory.update(part.objects)
        return inventory, sum(part.requests for part in parts)

    def _list_range(self, prefix: str, part: listing.RangeListing) -> None:
        query = listing.first_query(prefix)
        if part.last is not None:
            query["start-after"] = part.last
        while True:
            page = self.transport.bucket_call("GET", "ListObjectsV2", query, read=listing.read_page)
            part.requests += 1
            more = part.add(iter(page.objects))
            token = page.token
            if token is None or not more:
                return
            query = {**query, "continuation-token": token}

    def put(self, key: str, body: Any, headers: dict[str, str]) -> int:
        """One try of one PUT; 200, or 412 when ``If-None-Match: *`` finds the key taken."""
        return self.transport.send("PUT", "PutObject", key, body=body, headers=headers).status

    def put_small(self, key: str, body: bytes, content_type: str, cache_control: str) -> None:
        """A small object (a publish record), retried by the policy."""
        headers = {
            "Content-Length": str(len(body)),
            "Content-MD5": content_md5(hashlib.md5(body, usedforsecurity=False).hexdigest()),
            "Content-Type": content_type,
            "Cache-Control": cache_control,
        }
        self.transport.policy.call(lambda: self.put(key, body, headers))

    def copy(
        self, key: str, source_bucket: str, source_key: str, if_match: str | None = None
    ) -> bool:
        """One try of a server-side CopyObject; with ``if_match`` (an MD5), only if the source's
        ETag is that MD5 (False on 412: nothing copied). A failure may come in a 200 answer
        (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
        """
        source = "/" + urllib.parse.quote(f"{source_bucket}/{source_key}", safe="/~")
        amz = {"x-amz-copy-source": source}
        if if_match is not None:
            amz["x-amz-copy-source-if-match"] = f'"{if_match}"'
        response = self.transport.send("PUT", "CopyObject", key, amz=amz)
        if response.status == 412:
            return False
        answer = xml_or_none(response.data)
        if answer is not None and answer.tag.rpartition("}")[2] == "Error":
            raise error_from(response.data, 500, "CopyObject")
        return True

    def open(self, key: str) -> Response:
        """One try of a signed GET whose body, as stored, the caller reads and closes."""
        return self.transport.send("GET", "GetObject", key, stream=True)

    def delete_object(self, key: str) -> None:
        """One object deleted, signed here: ``promote_static`` runs on a dyno without boto3."""
        self.transport.policy.call(lambda: self.transport.send("DELETE", "DeleteObject", key))

    def get_cors(self) -> list[dict] | None:
        """The bucket's CORS rules (boto3's shape), or None when it has no CORS configuration."""
        try:
            answer = self.transport.bucket_call("GET", "GetBucketCors", {"cors": ""})
        except S3Error as exc:
            if exc.code == "NoSuchCORSConfiguration":
                return None
            raise
        return cors_xml.parse_rules(answer)

    def put_cors(self, rules: list[dict]) -> None:
        """Replace the bucket's CORS configuration with ``rules`` (boto3's shape)."""
        body = cors_xml.rules_document(rules)
        headers = {
            "Content-MD5": content_md5(hashlib.md5(body, usedforsecurity=False).hexdigest()),
            "Content-Type": "application/xml",
        }
        self.transport.bucket_call("PUT", "PutBucketCors", {"cors": ""}, body, headers)

    # The calls only prune_static makes: through boto3.

    @property
    def _client(self) -> Any:
        if self._boto_client is None:
            self._boto_client = boto.client(self.config)
        return self._boto_client

    def get(self, key: str) -> bytes:
        def send() -> bytes:
            return self._client.get_object(Bucket=self.config.bucket, Key=key)["Body"].read()

        return boto.call("GetObject", send)

    def delete(self, keys: list[str]) -> list[str]:
        """Delete keys, 1,000 per request; return the keys S3 could not delete."""
        failed: list[str] = []
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            answer = boto.call(
                "DeleteObjects",
                lambda batch=batch: self._client.delete_objects(
                    Bucket=self.config.bucket, Delete={"Objects": batch, "Quiet": True}
                ),
            )
            failed += [error["Key"] for error in answer.get("Errors", [])]
        return failed


def content_md5(md5_hex: str) -> str:
    """The ``Content-MD5`` header of a body whose MD5 is known: S3 rejects a body that differs."""
    return base64.b64encode(bytes.fromhex(md5_hex)).decode()
