"""What a visitor's browser sees: the built example apps, served from their slugs, in Chromium.

``test_end_to_end`` proves every static URL answers 200; this proves the page works in a browser:
no failed request and no console error, every stylesheet, script, image and font fetched from the
local S3 server, the web fonts actually used (a font is read cross-origin, so the bucket's CORS
answer decides), and the scripts run. The example app's home page is checked on both local S3
servers (SeaweedFS and Ceph RGW), the rest on SeaweedFS. Each page is saved as a full-page
screenshot in test/.cache/screenshots/ to look at.

What the visitor downloads: the bytes of CSS and JavaScript Chromium transferred for the example
app, its admin and the pipeline app, stored gzip-compressed and as collected, next to WhiteNoise
serving the same apps (gzip and Brotli) in the same run, every file decoding to the same bytes;
and Subresource Integrity: every script and stylesheet rendered with a digest loads, and a file
replaced in the bucket is refused.

Needs Debian's ``chromium`` and PyPI's ``playwright`` (no browser download); a missing one fails
the tests with what to install, it never skips them.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import uuid

import pytest

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.publish import cors
from support.browser import BrowserMissing, Chromium, PageVisit, screenshot_path
from support.dyno import ROOT, Slug
from support.s3server import allow_any_origin as apply_cors_rule
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
        apply_cors_rule(s3server.client(), self.bucket)
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


# ---------------------------------------------------------------------------------------------
# What the visitor downloads: compressed bytes, next to WhiteNoise


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


#: Chromium's own Accept-Encoding (gzip, deflate, br, zstd) gets Brotli from WhiteNoise; this
#: one gets its gzip copies.
GZIP_ONLY = {"Accept-Encoding": "gzip, deflate"}
PAGES = (
    ("example app, home page", "example_app", "/", ("appLoaded",)),
    ("example app, admin login page", "example_app", "/admin/login/", ()),
    ("pipeline app, home page", "pipeline_app", "/", ("bundleLoaded",)),
)
VARIANTS = (
    "S3, stored as collected",
    "S3, stored gzip (this buildpack)",
    "WhiteNoise, gzip",
    "WhiteNoise, Brotli",
)
BYTES_TABLE = os.path.join(ROOT, "test", ".cache", "browser-bytes.md")


def allow_any_origin(*sites: Site) -> None:
    """The CORS rule the build prints (or adds with DJANGO_S3_STATIC_SET_CORS=1): fonts and
    integrity-checked files are CORS reads. Set explicitly, as another test of this module
    replaces the bucket's rules."""
    for site in sites:
        cors.add_rule(Config.from_values(deploy_config(site.s3server, site.bucket)), ["*"])


def css_and_js(visit: PageVisit) -> list:
    return [f for f in visit.of_type("stylesheet", "script") if f.status == 200]


def test_the_css_and_javascript_a_visitor_downloads_next_to_whitenoise(
    chromium,
    example_site,
    example_site_as_collected,
    pipeline_site,
    pipeline_site_as_collected,
    whitenoise_sites,
):
    s3_sites = {
        "example_app": (example_site_as_collected, example_site),
        "pipeline_app": (pipeline_site_as_collected, pipeline_site),
    }
    allow_any_origin(*(site for pair in s3_sites.values() for site in pair))
    rows = [["page", "CSS + JS files", "decoded", *VARIANTS]]
    for label, fixture, path, marks in PAGES:
        plain, compressed = s3_sites[fixture]
        whitenoise = whitenoise_sites[fixture]
        visits = [
            chromium.visit(plain.dyno.url + path, dataset=marks, measure=True),
            chromium.visit(compressed.dyno.url + path, dataset=marks, measure=True),
            chromium.visit(whitenoise.url + path, dataset=marks, measure=True, headers=GZIP_ONLY),
            chromium.visit(whitenoise.url + path, dataset=marks, measure=True),
        ]
        for visit, site in zip(visits[:2], (plain, compressed), strict=True):
            assert_visitor_sees_a_working_page(visit, site, types=("stylesheet", "script"))
        for visit in visits[2:]:
            assert visit.status == 200 and visit.failed == [], visit.summary()
            assert visit.page_errors == [], visit.summary()
        for visit in visits:  # the scripts ran, wherever they came from
            assert visit.dataset == dict.fromkeys(marks, "yes"), visit.summary()
        # Every file decodes to the same bytes whoever served it, encoded or not; the S3 ones
        # give the digest the static cache records.
        digests: dict[str, set[str]] = {}
        for visit in visits:
            for fetched in css_and_js(visit):
                digests.setdefault(fetched.url.rsplit("/", 1)[1], set()).add(fetched.digest)
        assert all(len(found) == 1 for found in digests.values()), digests
        recorded = compressed.cache()["objects"]
        for fetched in css_and_js(visits[1]):
            name = fetched.url[len(compressed.prefix) :]
            assert recorded[name].get("integrity") == fetched.digest, name
            assert fetched.encoding == recorded[name].get("encoding"), name
        assert all(f.encoding is None for f in css_and_js(visits[0]))
        assert {f.encoding for f in css_and_js(visits[3]) if f.decoded_bytes > 1024} <= {"br"}
        totals = [sum(f.body_bytes for f in css_and_js(visit)) for visit in visits]
        decoded = sum(f.decoded_bytes for f in css_and_js(visits[0]))
        assert totals[0] == decoded and totals[1] <= totals[0]
        count = len(css_and_js(visits[0]))
        rows.append([label, str(count), f"{decoded:,} B", *(f"{total:,} B" for total in totals)])
    table = render_table(rows)
    os.makedirs(os.path.dirname(BYTES_TABLE), exist_ok=True)
    with open(BYTES_TABLE, "w", encoding="utf-8") as handle:
        handle.write(f"Chromium {chromium.version}; response bodies as transferred\n\n{table}\n")
    print("\n" + table)
    # The admin's CSS and JavaScript are large enough for gzip to matter: at least 2x smaller.
    admin = rows[2]
    assert int(admin[4].replace(",", "")[:-2]) * 2 <= int(admin[3].replace(",", "")[:-2])


def render_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows[1:]])


# ---------------------------------------------------------------------------------------------
# Subresource Integrity

#: Every script and stylesheet of the page: tag, URL, integrity, crossorigin.
TAGS_JS = """[...document.querySelectorAll('script[src], link[rel=stylesheet]')].map(
  (e) => [e.tagName.toLowerCase(), e.src || e.href, e.integrity, e.crossOrigin])"""


def assert_every_tag_carries_its_digest(visit: PageVisit, count: int) -> None:
    (tags,) = visit.evaluated
    assert len(tags) == count, visit.summary()
    by_url = {fetched.url: fetched for fetched in visit.requests}
    for _tag, url, digest, crossorigin in tags:
        assert digest.startswith("sha384-") and crossorigin == "anonymous", tags
        assert by_url[url].status == 200 and by_url[url].digest == digest, visit.summary()


def test_with_integrity_every_script_and_stylesheet_carries_its_digest_and_loads(
    chromium, example_site
):
    allow_any_origin(example_site)
    visit = chromium.visit(
        example_site.dyno.url + "/integrity/",
        screenshot=screenshot_path("example_app_integrity"),
        fonts=("Example Mono",),
        dataset=("appLoaded",),
        evaluate=(TAGS_JS,),
        measure=True,
    )
    assert_visitor_sees_a_working_page(visit, example_site)
    assert_every_tag_carries_its_digest(visit, count=2)
    assert visit.font_faces.get("Example Mono") == "loaded", visit.summary()
    assert visit.dataset == {"appLoaded": "yes"}


def test_pipeline_tags_carry_digests_when_asked(chromium, pipeline_site):
    allow_any_origin(pipeline_site)
    dyno = pipeline_site.start_dyno(DJANGO_S3_STATIC_PIPELINE_INTEGRITY="1")
    pipeline_site.dynos.append(dyno)
    visit = chromium.visit(
        dyno.url + "/", dataset=("bundleLoaded",), evaluate=(TAGS_JS,), measure=True
    )
    assert_visitor_sees_a_working_page(visit, pipeline_site)
    assert_every_tag_carries_its_digest(visit, count=4)  # 2 stylesheets, 2 scripts
    assert visit.dataset == {"bundleLoaded": "yes"}


def test_a_script_replaced_in_the_bucket_is_refused_by_the_browser(chromium, example_site):
    """The same tampered object: the plain page runs it, the page with integrity refuses it."""
    allow_any_origin(example_site)
    client = example_site.s3server.client()
    hashed = example_site.cache()["paths"]["js/app.js"]
    key = f"{example_site.location}/{hashed}"
    original = client.get_object(Bucket=example_site.bucket, Key=key)
    body, encoding = original["Body"].read(), original.get("ContentEncoding")
    decoded = gzip.decompress(body) if encoding == "gzip" else body
    tampered = decoded.replace(b'"yes"', b'"no!"')
    assert tampered != decoded

    def put(data: bytes) -> None:
        extra = {"ContentEncoding": encoding} if encoding else {}
        client.put_object(
            Bucket=example_site.bucket,
            Key=key,
            Body=gzip.compress(data, mtime=0) if encoding == "gzip" else data,
            ContentType=original["ContentType"],
            CacheControl=original["CacheControl"],
            **extra,
        )

    put(tampered)
    try:
        plain = chromium.visit(example_site.dyno.url + "/", dataset=("appLoaded",))
        assert plain.dataset == {"appLoaded": "no!"}  # without integrity, it runs
        checked = chromium.visit(
            example_site.dyno.url + "/integrity/",
            screenshot=screenshot_path("example_app_integrity_blocked"),
            dataset=("appLoaded",),
        )
        assert checked.dataset == {"appLoaded": ""}, checked.summary()  # refused
        assert any("integrity" in error and hashed in error for error in checked.console_errors), (
            checked.summary()
        )
    finally:
        put(decoded)
    restored = chromium.visit(example_site.dyno.url + "/integrity/", dataset=("appLoaded",))
    assert restored.dataset == {"appLoaded": "yes"}
