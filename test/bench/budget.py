"""The buildpack's request budget: the LISTs, PUTs and GETs each build may make, checked."""

from __future__ import annotations

import math

from common import FONT_EXTENSIONS, PAGE, PREFIX
from measure import Run
from results import TreeResults, requests_text

from django_s3_static.s3.listing import MAX_RANGES


def _pages(keys: dict[str, str]) -> int:
    """ListObjectsV2 requests a listing of these keys takes: one per 1,000, at least one."""
    return max(1, math.ceil(len(keys) / PAGE))


def listing_budget(keys: dict[str, str]) -> tuple[int, int]:
    """The fewest and most ListObjectsV2 requests a build's listing of these keys may take: one
    per 1,000, and, read in ranges at once (s3.listing.ranges), one more page per range at most
    where the bucket holds keys the committed cache does not (the release records)."""
    pages = _pages(keys)
    return pages, pages + min(MAX_RANGES, pages) - 1


class BudgetChecks:
    """Bench's checks of each build's requests against the budget (mixed into Bench)."""

    def keys(self, bucket: str) -> dict[str, str]:
        """Key -> ETag under the prefix (listed outside the counted window)."""
        found: dict[str, str] = {}
        paginator = self.server.s3.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{PREFIX}/"):
            for item in page.get("Contents", ()):
                found[item["Key"]] = item["ETag"]
        return found

    def check_build(
        self,
        results: TreeResults,
        what: str,
        bucket: str,
        before: dict[str, str],
        run: Run,
        objects: dict[str, dict],
    ) -> None:
        """A build that uploads: its LIST pages, one PUT per key it added or changed, few GETs.

        The PUTs are counted from the bucket itself (keys new or with a new ETag), so the
        publish record the build keeps under .manifests/ counts as the new object it is. GETs:
        the public and records checks, plus one GetBucketCors when the app has web fonts, or
        scripts and stylesheets with integrity on.
        """
        after = self.keys(bucket)
        written = sum(1 for key, etag in after.items() if before.get(key) != etag)
        fonts = any(name.lower().endswith(FONT_EXTENSIONS) for name in objects)
        # With integrity on (the default) scripts and stylesheets are CORS reads too: same GET.
        integrity = self.config.get("DJANGO_S3_STATIC_INTEGRITY", "on").lower() in ("on", "1")
        scripts = integrity and any(name.lower().endswith((".js", ".css")) for name in objects)
        low, high = listing_budget(before)
        gets = 2 + (fonts or scripts)
        got = dict(run.requests)
        listed = got.pop("LIST", 0)
        passed = got.pop("GET", 0) <= gets and low <= listed <= high and got == {"PUT": written}
        wanted = f"LIST {low} to {high}, PUT {written} (keys added or changed), GET <= {gets}" + (
            " (public check, CORS read)" if fonts or scripts else " (public check)"
        )
        self.check(results, what, run.requests, passed, wanted)

    def check(
        self,
        results: TreeResults,
        what: str,
        requests: dict[str, int],
        passed: bool,
        wanted: str,
    ) -> None:
        """Record one request-budget check; a failed one makes the benchmark exit non-zero."""
        results.checks.append((what, passed, f"{requests_text(requests)}; expected {wanted}"))
        if not passed:
            self.failed = True
            print(f"  REQUEST BUDGET EXCEEDED: {what}: {requests}; expected {wanted}")
