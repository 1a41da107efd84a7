"""The built example apps served from their slugs, for Chromium to visit, and WhiteNoise serving
the same apps to compare. Needs Debian's ``chromium`` and PyPI's ``playwright`` (no browser
download); a missing one fails the tests with what to install, it never skips them.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.publish import cors
from support.browser import BrowserMissing, Chromium, PageVisit
from support.dyno import Slug
from support.s3server import allow_any_origin as s3server_rule
from support.whitenoise_site import WhiteNoiseSite

ASSET_TYPES = ("stylesheet", "script", "image", "font")


@pytest.fixture(scope="module")
def chromium():
    try:
        with Chromium() as browser:
            yield browser
    except BrowserMissing as exc:
        pytest.fail(str(exc), pytrace=False)


class Site:
    """A fixture app built by bin/compile into its own bucket, served by gunicorn from the slug."""

    def __init__(
        self, s3server, root: str, python_home: str, fixture: str, location: str, **config: str
    ) -> None:
        self.s3server = s3server
        self.bucket = s3server.bucket()
        # The fonts' rule, applied as the build's warning asks (a new bucket has none).
        s3server_rule(s3server.client(), self.bucket)
        self.location = location
        self.prefix = f"{s3server.endpoint}/{self.bucket}/{location}/"
        self.slug = Slug(root, python_home).prepare(fixture)
        self.slug.set_config(
            **deploy_config(s3server, self.bucket, AWS_LOCATION=location, **config)
        )
        result = self.slug.compile()
        assert result.returncode == 0, result.output
        self.dynos = [self.start_dyno()]

    @property
    def dyno(self):
        return self.dynos[0]

    def start_dyno(self, **env: str):
        """A web dyno; it holds no S3 credentials: browsers read the bucket anonymously."""
        return self.slug.start_web(
            env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", **env}
        )

    def cache(self) -> dict:
        with open(os.path.join(self.slug.build_dir, "static_cache", "manifest.json")) as handle:
            return json.load(handle)

    def stop(self) -> None:
        for dyno in self.dynos:
            dyno.stop()


@pytest.fixture(scope="module")
def site_factory(s3server, app_python_home, tmp_path_factory):
    sites: list[Site] = []

    def make(fixture: str, location: str, server=None, **config: str) -> Site:
        """The site built and served; its bucket on ``server`` (SeaweedFS unless given)."""
        root = tmp_path_factory.mktemp(f"browser-{fixture}") / f"slug-{uuid.uuid4().hex[:8]}"
        sites.append(
            Site(server or s3server, str(root), app_python_home, fixture, location, **config)
        )
        return sites[-1]

    yield make
    for site in sites:
        site.stop()


@pytest.fixture(scope="module")
def example_site(site_factory) -> Site:
    return site_factory("example_app", "static")


@pytest.fixture(scope="module")
def ceph_example_site(site_factory, cephserver) -> Site:
    return site_factory("example_app", "static", cephserver)


@pytest.fixture
def any_example_site(anys3, request) -> Site:
    """The example app with its bucket on the test's server (``[seaweedfs]``, ``[ceph]``)."""
    return request.getfixturevalue("ceph_example_site" if anys3.name == "ceph" else "example_site")


@pytest.fixture(scope="module")
def pipeline_site(site_factory) -> Site:
    return site_factory("pipeline_app", "assets")


def site_favicon_404(site: Site, url: str | None = None) -> str:
    """The one console error a page without <link rel="icon"> gets: Chromium then asks the site
    (not the bucket) for /favicon.ico, and neither Django's admin nor the pipeline app declares an
    icon or serves that URL. It concerns no static file, so it is the only error let through."""
    return (
        "Failed to load resource: the server responded with a status of 404 (Not Found) "
        f"({url or site.dyno.url}/favicon.ico)"
    )


def assert_visitor_sees_a_working_page(visit: PageVisit, site: Site, types=ASSET_TYPES) -> None:
    detail = visit.summary()
    assert visit.status == 200, detail
    assert visit.failed == [], detail
    allowed = {site_favicon_404(site, dyno.url) for dyno in site.dynos}
    assert [e for e in visit.console_errors if e not in allowed] == [], detail
    assert visit.page_errors == [], detail
    # Everything but the page itself comes from the bucket: stylesheets, scripts, images, fonts,
    # and the icon (Playwright's type "other").
    assert visit.requests[0].url == visit.url, detail
    for fetched in visit.requests[1:]:
        assert fetched.url.startswith(site.prefix), f"not from the bucket: {fetched.url}\n{detail}"
        assert fetched.status == 200, detail
    seen = {fetched.resource_type for fetched in visit.requests[1:]}
    assert set(types) <= seen, f"expected {types}, the page fetched {sorted(seen)}\n{detail}"


@pytest.fixture(scope="module")
def example_site_as_collected(site_factory) -> Site:
    return site_factory("example_app", "static", DJANGO_S3_STATIC_COMPRESS="off")


@pytest.fixture(scope="module")
def pipeline_site_as_collected(site_factory) -> Site:
    return site_factory("pipeline_app", "assets", DJANGO_S3_STATIC_COMPRESS="off")


@pytest.fixture(scope="module")
def whitenoise_sites(tmp_path_factory):
    sites = {}
    try:
        for fixture, app in (("example_app", "exampleapp"), ("pipeline_app", "pipelineapp")):
            root = tmp_path_factory.mktemp(f"whitenoise-{fixture}")
            sites[fixture] = WhiteNoiseSite.start(str(root), fixture, app)
        yield sites
    finally:
        for site in sites.values():
            site.stop()


def allow_any_origin(*sites: Site) -> None:
    """The CORS rule the build prints (or adds with DJANGO_S3_STATIC_SET_CORS=1): fonts and
    integrity-checked files are CORS reads. Set explicitly, as another browser test replaces
    the bucket's rules."""
    for site in sites:
        cors.add_rule(Config.from_values(deploy_config(site.s3server, site.bucket)), ["*"])
