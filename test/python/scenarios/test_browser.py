"""What a visitor's browser sees of the built apps: working pages, the bytes it downloads, SRI."""

from __future__ import annotations

import gzip
import os
import re

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.publish import cors
from support import browser_sites
from support.browser import PageVisit, screenshot_path
from support.browser_sites import allow_any_origin, assert_visitor_sees_a_working_page
from support.dyno import ROOT

chromium = browser_sites.chromium
site_factory = browser_sites.site_factory
example_site = browser_sites.example_site
ceph_example_site = browser_sites.ceph_example_site
any_example_site = browser_sites.any_example_site
pipeline_site = browser_sites.pipeline_site
example_site_as_collected = browser_sites.example_site_as_collected
pipeline_site_as_collected = browser_sites.pipeline_site_as_collected
whitenoise_sites = browser_sites.whitenoise_sites


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
