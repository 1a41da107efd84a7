"""Moving in from what Django apps on Heroku run today: each README guide, applied and proven.

For each starting point (WhiteNoise removed or kept for ``WHITENOISE_ROOT``, django-storages'
``S3ManifestStaticStorage``, Collectfasta, a hand-written ``aws s3 sync`` script) the example app
gets that tool's settings with the README's changes applied (``support.moving_in``), is built with
bin/compile against the local S3 server, and runs as Heroku runs it: the web dyno, a worker and a
one-off command log no warning at all, and every asset of the pages answers 200 from the bucket.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, replace

import pytest

from conftest import deploy_config
from support.dyno import AssetCheck, Result, Slug, check_assets
from support.moving_in import ROBOTS, VARIANTS, Variant, apply
from support.s3server import allow_any_origin

#: What a warning looks like in any of the logs: Python's ``warnings`` (``UserWarning: No
#: directory at: ...``), gunicorn's and Django's ``[WARNING]``/``WARNINGS:``, the build's ``!``.
WARNING = re.compile(r"warn|No directory at|^\s*!", re.IGNORECASE | re.MULTILINE)


@dataclass
class Deployed:
    """One variant built and run: what each process logged, and the pages' assets."""

    variant: Variant
    slug: Slug
    bucket_url: str
    build: Result
    web_log: str
    pages: dict[str, tuple[int, str]]
    assets: list[AssetCheck]
    worker_log: str
    one_off: Result


def wait_for(dyno, text: str, timeout: float = 20) -> str:
    """The dyno's log once it holds ``text`` (the worker prints it after its first render)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = dyno.log()
        if text in log or dyno.process.poll() is not None:
            return log
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} in the log:\n{dyno.log()}")


def deploy(name: str, root: str, python_home: str, s3server) -> Deployed:
    """Build one variant (in its own bucket), then run its web dyno, a worker and a one-off."""
    variant = VARIANTS[name]
    bucket = s3server.bucket()
    # A new bucket has no CORS rule; the example app has web fonts, so the guide's first steps
    # (Installing) include the rule the build prints for them.
    allow_any_origin(s3server.client(), bucket)
    slug = Slug(root, python_home).prepare()
    apply(variant, slug.build_dir)
    slug.set_config(**deploy_config(s3server, bucket, **variant.config))
    build = slug.compile()
    assert build.returncode == 0, build.output
    web = slug.start("web")
    try:
        pages = {path: web.get(path) for path in ("/", "/admin/login/", *variant.root_files)}
        assets = [
            check
            for path in ("/", "/admin/login/")
            for check in check_assets(pages[path][1], web.url + path)
        ]
    finally:
        web.stop()
    worker = slug.start("worker", env={"WORKER_SECONDS": "0"})
    try:
        worker_log = wait_for(worker, "worker rendered")
    finally:
        worker.stop()
    return Deployed(
        variant=variant,
        slug=slug,
        bucket_url=f"{s3server.endpoint}/{bucket}/{variant.prefix}/",
        build=build,
        web_log=web.log(),
        pages=pages,
        assets=assets,
        worker_log=worker_log,
        one_off=slug.run("python manage.py check"),
    )


@pytest.fixture(scope="module")
def deployments(tmp_path_factory, app_python_home, s3server) -> dict[str, Deployed]:
    """Each variant deployed once, on first use, for all the module's tests."""

    class Deployments(dict):
        def __missing__(self, name: str) -> Deployed:
            root = str(tmp_path_factory.mktemp(name))
            self[name] = deploy(name, root, app_python_home, s3server)
            return self[name]

    return Deployments()


NAMES = sorted(VARIANTS)


def warnings_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if WARNING.search(line)]


@pytest.mark.parametrize("name", NAMES)
def test_the_build_prints_no_warning(deployments, name):
    """The guide's config vars are complete (DISABLE_COLLECTSTATIC among them), and the bucket
    is set up as Installing says (the fonts' CORS rule, which the build checks)."""
    build = deployments[name].build
    assert build.stderr == ""
    assert warnings_in(build.stdout) == []
    assert "CORS checked: the bucket lets any site (*) load the fonts" in build.stdout


@pytest.mark.parametrize("name", NAMES)
def test_every_asset_of_the_pages_answers_200_from_the_bucket(deployments, name):
    deployed = deployments[name]
    for path in ("/", "/admin/login/"):
        assert deployed.pages[path][0] == 200, deployed.web_log
    assert len(deployed.assets) >= 20  # the page, the admin login, their stylesheets' url()s
    for check in deployed.assets:
        assert check.url.startswith(deployed.bucket_url), check.url
        assert check.status == 200, check.url


@pytest.mark.parametrize("name", NAMES)
def test_the_web_dyno_logs_no_warning(deployments, name):
    log = deployments[name].web_log
    assert "Booting worker" in log  # gunicorn's log, its workers started and served the pages
    assert warnings_in(log) == []


@pytest.mark.parametrize("name", NAMES)
def test_a_worker_and_a_one_off_command_log_no_warning(deployments, name):
    deployed = deployments[name]
    assert "worker rendered 200" in deployed.worker_log
    assert warnings_in(deployed.worker_log) == []
    assert deployed.one_off.returncode == 0, deployed.one_off.output
    assert deployed.one_off.stderr == ""
    assert "System check identified no issues" in deployed.one_off.stdout


def test_whitenoise_kept_still_serves_the_files_at_the_sites_root(deployments):
    """``WHITENOISE_ROOT`` (robots.txt) keeps working where the guide keeps the middleware."""
    deployed = deployments["whitenoise-kept"]
    assert deployed.variant.root_files == ("/robots.txt",)
    assert deployed.pages["/robots.txt"] == (200, ROBOTS)


def test_without_the_snippet_whitenoise_warns_on_the_same_slug(deployments):
    """The warning the tests above look for is real: the same worker on the same slug, with the
    settings left unwrapped (``DJANGO_S3_STATIC_WRAP_SETTINGS=0``), gets WhiteNoise's own."""
    slug = deployments["whitenoise-kept"].slug
    unwrapped = {"DJANGO_S3_STATIC_WRAP_SETTINGS": "0", "WORKER_SECONDS": "0"}
    result = slug.run("python -m exampleapp.worker", env=unwrapped)
    assert "UserWarning: No directory at: " in result.stderr
    assert warnings_in(result.stderr)


def test_collectfasta_left_in_installed_apps_is_turned_off_for_the_build(
    tmp_path, app_python_home, s3server
):
    """Collectfasta replaces collectstatic, which the build runs into a folder of its own; its
    strategy expects a django-storages storage there (``'...' object has no attribute
    'entries'``). The build's collect turns it off with the switch Collectfasta documents."""
    kept = replace(
        VARIANTS["collectfasta"],
        settings=VARIANTS["collectfasta"].settings
        + 'INSTALLED_APPS.insert(0, "collectfasta")\n'
        + 'COLLECTFASTA_STRATEGY = "collectfasta.strategies.boto3.Boto3Strategy"\n',
    )
    slug = Slug(str(tmp_path), app_python_home).prepare()
    apply(kept, slug.build_dir)
    bucket = s3server.bucket()
    slug.set_config(**deploy_config(s3server, bucket, **kept.config))
    build = slug.compile()
    assert build.returncode == 0, build.output
    assert (
        "collectfasta is in INSTALLED_APPS: the build's collectstatic runs with "
        "COLLECTFASTA_ENABLED=False (it uploads afterwards, only what the bucket lacks); you "
        "can remove it"
    ) in build.stdout
    assert "has no attribute 'entries'" not in build.output
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        cache = json.load(handle)
    assert "css/site.css" in cache["paths"]
    assert f"Uploaded {len(cache['objects'])} objects" in build.stdout
