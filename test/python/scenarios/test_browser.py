"""What a visitor's browser sees: the built example apps, served from their slugs, in Chromium.

``test_end_to_end`` proves every static URL answers 200; this proves the page works in a browser:
no failed request and no console error, every stylesheet, script, image and font fetched from the
local S3 server, the web fonts actually used (a font is read cross-origin, so the bucket's CORS
answer decides), and the scripts run. The example app's home page is checked on both local S3
servers (SeaweedFS and Ceph RGW), the rest on SeaweedFS. Each page is saved as a full-page
screenshot in test/.cache/screenshots/ to look at.

Needs Debian's ``chromium`` and PyPI's ``playwright`` (no browser download); a missing one fails
the tests with what to install, it never skips them.
"""

from __future__ import annotations

import re
import uuid

import pytest

from conftest import deploy_config
from django_s3_static.build import cors
from django_s3_static.config import Config
from support.browser import BrowserMissing, Chromium, PageVisit, screenshot_path
from support.dyno import Slug

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

    def __init__(self, s3server, root: str, python_home: str, fixture: str, location: str) -> None:
        self.s3server = s3server
        self.bucket = s3server.bucket()
        self.prefix = f"{s3server.endpoint}/{self.bucket}/{location}/"
        self.slug = Slug(root, python_home).prepare(fixture)
        self.slug.set_config(**deploy_config(s3server, self.bucket, AWS_LOCATION=location))
        result = self.slug.compile()
        assert result.returncode == 0, result.output
        # The dyno holds no S3 credentials: visitors' browsers read the bucket anonymously.
        self.dyno = self.slug.start_web(env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})

    def stop(self) -> None:
        self.dyno.stop()


@pytest.fixture(scope="module")
def site_factory(s3server, app_python_home, tmp_path_factory):
    sites: list[Site] = []

    def make(fixture: str, location: str, server=None) -> Site:
        """The site built and served; its bucket on ``server`` (SeaweedFS unless given)."""
        root = tmp_path_factory.mktemp(f"browser-{fixture}") / f"slug-{uuid.uuid4().hex[:8]}"
        sites.append(Site(server or s3server, str(root), app_python_home, fixture, location))
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


def site_favicon_404(site: Site) -> str:
    """The one console error a page without <link rel="icon"> gets: Chromium then asks the site
    (not the bucket) for /favicon.ico, and neither Django's admin nor the pipeline app declares an
    icon or serves that URL. It concerns no static file, so it is the only error let through."""
    return (
        "Failed to load resource: the server responded with a status of 404 (Not Found) "
        f"({site.dyno.url}/favicon.ico)"
    )


def assert_visitor_sees_a_working_page(visit: PageVisit, site: Site, types=ASSET_TYPES) -> None:
    detail = visit.summary()
    assert visit.status == 200, detail
    assert visit.failed == [], detail
    assert [e for e in visit.console_errors if e != site_favicon_404(site)] == [], detail
    assert visit.page_errors == [], detail
    # Everything but the page itself comes from the bucket: stylesheets, scripts, images, fonts,
    # and the icon (Playwright's type "other").
    assert visit.requests[0].url == visit.url, detail
    for fetched in visit.requests[1:]:
        assert fetched.url.startswith(site.prefix), f"not from the bucket: {fetched.url}\n{detail}"
        assert fetched.status == 200, detail
    seen = {fetched.resource_type for fetched in visit.requests[1:]}
    assert set(types) <= seen, f"expected {types}, the page fetched {sorted(seen)}\n{detail}"


def test_example_app_home_page(chromium, any_example_site):
    example_site = any_example_site
    on_ceph = example_site.s3server.name == "ceph"
    visit = chromium.visit(
        example_site.dyno.url + "/",
        screenshot=screenshot_path("example_app_ceph" if on_ceph else "example_app"),
        fonts=("Example Mono",),
        dataset=("appLoaded",),
    )
    assert_visitor_sees_a_working_page(visit, example_site)
    # The @font-face of css/site.css was fetched from the bucket, accepted and used.
    assert visit.font_faces.get("Example Mono") == "loaded", visit.summary()
    assert visit.font_checks == {"Example Mono": True}, visit.summary()
    (font,) = visit.of_type("font")
    assert "/fonts/example-mono." in font.url and font.url.endswith(".ttf")
    # css/site.css @imports base.css and draws img/logo.png; every name is the hashed one.
    urls = [fetched.url for fetched in visit.requests[1:]]
    assert any("/css/base." in url for url in urls), visit.summary()
    assert any("/img/logo." in url for url in urls), visit.summary()
    assert all(re.search(r"\.[0-9a-f]{12}\.[a-z0-9]+$", url) for url in urls), visit.summary()
    assert visit.dataset == {"appLoaded": "yes"}  # js/app.js ran


def test_example_app_admin_login_page(chromium, example_site):
    visit = chromium.visit(
        example_site.dyno.url + "/admin/login/",
        screenshot=screenshot_path("example_app_admin_login"),
    )
    assert_visitor_sees_a_working_page(visit, example_site, types=("stylesheet", "script"))
    urls = [fetched.url for fetched in visit.requests]
    assert any("/admin/css/login." in url for url in urls), visit.summary()


def test_pipeline_app_home_page(chromium, pipeline_site):
    visit = chromium.visit(
        pipeline_site.dyno.url + "/",
        screenshot=screenshot_path("pipeline_app"),
        fonts=("Pipeline Mono",),
        dataset=("bundleLoaded",),
    )
    assert_visitor_sees_a_working_page(visit, pipeline_site)
    assert visit.font_faces.get("Pipeline Mono") == "loaded", visit.summary()
    assert visit.font_checks == {"Pipeline Mono": True}, visit.summary()
    scripts = [fetched.url for fetched in visit.of_type("script")]
    assert any("/js/bundle." in url for url in scripts), visit.summary()
    assert any("/js/vendor." in url for url in scripts), visit.summary()
    assert visit.dataset == {"bundleLoaded": "yes"}  # the combined, minified bundle ran


def test_a_cors_rule_without_the_sites_origin_blocks_only_the_fonts(chromium, example_site):
    """The font check above can fail: a bucket rule for another origin loses the web font.

    SeaweedFS (like AWS once a bucket has a configuration) then sends no Access-Control-Allow-Origin
    for the site, and Chromium drops the font while stylesheets, scripts and images still load.
    cors.add_rule() with the site's origin brings it back.
    """
    client = example_site.s3server.client()
    bucket = example_site.bucket
    origin = example_site.dyno.url  # what Chromium sends as Origin: http://127.0.0.1:PORT
    client.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": ["https://elsewhere.example"], "AllowedMethods": ["GET"]}
            ]
        },
    )
    try:
        blocked = chromium.visit(
            origin + "/",
            screenshot=screenshot_path("example_app_fonts_blocked"),
            fonts=("Example Mono",),
            dataset=("appLoaded",),
        )
        assert blocked.font_faces.get("Example Mono") == "error", blocked.summary()
        assert blocked.font_checks == {"Example Mono": False}
        (font,) = blocked.of_type("font")
        assert font.failure, blocked.summary()  # net::ERR_FAILED: refused by the CORS check
        assert any("CORS" in error for error in blocked.console_errors), blocked.summary()
        # Only the font is lost: stylesheets, scripts and images are not read in CORS mode.
        assert [f.resource_type for f in blocked.requests if f.failure or f.status != 200] == [
            "font"
        ], blocked.summary()
        assert blocked.dataset == {"appLoaded": "yes"}

        config = Config.from_values(deploy_config(example_site.s3server, bucket))
        assert not cors.allows(cors.read_rules(config), origin)
        cors.add_rule(config, [origin])
        assert cors.allows(cors.read_rules(config), origin)
        fixed = chromium.visit(origin + "/", fonts=("Example Mono",))
        assert fixed.failed == [] and fixed.console_errors == [], fixed.summary()
        assert fixed.font_faces.get("Example Mono") == "loaded", fixed.summary()
    finally:
        client.delete_bucket_cors(Bucket=bucket)
