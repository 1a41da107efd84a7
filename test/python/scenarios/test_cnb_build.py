"""Heroku Fir end to end, through the Cloud Native Buildpacks lifecycle harness (``support.cnb``):
heroku/python (faked as its CNB writes its layers), this repository, heroku/procfile, on the
example app as a uv project, against the test S3 server and a new bucket (no CORS rule, as users
create them).

Four builds: the cold one; the same checkout with the static cache it left committed (the fast
path); Heroku CI's, in the ``test`` execution environment, with that cache, then with an edited
one. Then the second image's processes, as Fir's dynos run them: web (gunicorn, through
heroku/procfile), a one-off, the release phase, and the release phase of the same image promoted
to an app with another bucket. What the Cedar scenarios check the same way (test_end_to_end,
test_heroku_python_managers, test_promotion) is checked by the same ``support.heroku_apps``
helpers. The faults: test_cnb_faults.py.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import delta
from django_s3_static.format import dyno_form
from support.cnb import BuildResult, Lifecycle
from support.fault_builds import django_secret
from support.fir_apps import (
    ID,
    PROCFILE,
    committed,
    files_holding,
    fir_config,
    fir_group,
    our_output,
    uv_app,
)
from support.heroku_apps import (
    RENDER,
    assert_all_from_bucket,
    check_compiled,
    check_fast_path_output,
    check_nothing_installed,
    check_promoted,
    served_assets,
    static_url_line,
)

PREFIX = "static"
#: A worker wrapped by OpenTelemetry's agent: the build says what it needs on Fir.
OTEL_WORKER = "worker: opentelemetry-instrument celery -A exampleapp worker\n"
CI_CONFIG = {"SECRET_KEY": "django-secret-for-ci"}
ID_DIR = ID.replace("/", "_")  # the buildpack's folder in <layers> and in the cache


def runtime_layer(lc: Lifecycle) -> str:
    """The runtime layer where processes see it (``<layers>``, as the build wrote it)."""
    return os.path.join(lc.layers_dir, ID_DIR, "runtime")


def manifest(folder: str) -> dict:
    with open(os.path.join(folder, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def fir(s3server, tmp_path_factory):
    """A Fir app's lifecycle, after its cold build (``lc.cold``)."""
    source = uv_app(tmp_path_factory.mktemp("source") / "app", PROCFILE + OTEL_WORKER)
    config = fir_config(
        s3server, s3server.bucket(), AWS_LOCATION=PREFIX, SECRET_KEY=django_secret()
    )
    with Lifecycle(tmp_path_factory.mktemp("fir"), fir_group(), source, platform_env=config) as lc:
        lc.bucket = config["AWS_STORAGE_BUCKET_NAME"]
        lc.prefix = f"{s3server.endpoint}/{lc.bucket}/{PREFIX}/"
        lc.cold = lc.build().check()
        yield lc


@dataclass
class Fast:
    built: BuildResult
    requests: dict[str, int]  # of the bucket, during the build
    checkout: str


@pytest.fixture(scope="module")
def fast(fir, s3server, tmp_path_factory) -> Fast:
    """The second push: the checkout with the committed static cache."""
    checkout = committed(fir.app_source, fir.cold.image, tmp_path_factory.mktemp("c") / "app")
    before = s3server.request_counts(fir.bucket)
    built = fir.build(app_source=checkout).check()
    return Fast(built, delta(before, s3server.request_counts(fir.bucket)), checkout)


def test_a_cold_build_uploads_and_writes_a_cached_and_a_launch_layer(fir):
    built, image = fir.cold, fir.cold.image
    assert [bp.id for bp in built.detect.group] == ["heroku/python", ID, "heroku/procfile"]
    assert (built.detect.run_of(ID).output, built.detect.run_of(ID).plan) == ("", {})
    assert "Collecting: no committed static cache" in built.output
    assert "Uploaded 268 objects" in built.output
    venv = glob.glob(image.layer_path("heroku/python", "venv") + "/lib/python*/site-packages")
    check_nothing_installed(built.output, f"{fir.cache_dir}/{ID_DIR}/build-cache", venv[0])
    assert "Wrote static_cache/manifest.json into the image" in built.output
    cache, runtime = fir.cache[(ID, "build-cache")], image.layers[(ID, "runtime")]
    assert (cache.types.build, cache.types.launch, cache.types.cache) == (False, False, True)
    assert set(cache.metadata) == {"python", "requirements"}
    assert (runtime.types.build, runtime.types.launch, runtime.types.cache) == (False, True, False)
    assert (ID, "build-cache") not in image.layers and (ID, "runtime") not in fir.cache
    folder = image.layer_path(ID, "runtime")
    assert sorted(os.listdir(os.path.join(folder, "site"))) == [
        *("__pycache__", "_django_s3_static_hook.py", "sitecustomize.py")
    ]
    version = image.layers[("heroku/python", "python")].metadata["python_version"]
    check_compiled(folder, ".".join(version.split(".")[:2]))  # the export reset the file times
    layer = runtime_layer(fir)
    env_launch = Path(folder, "env.launch")
    assert {path.name: path.read_text() for path in env_launch.iterdir()} == {
        "PYTHONPATH.prepend": f"{layer}/site",
        "PYTHONPATH.append": f"{layer}/lib",
        "PYTHONPATH.delim": ":",
        "DJANGO_S3_STATIC_CACHE_PATH.default": f"{fir.app_dir}/static_cache",
        "DJANGO_S3_STATIC_BUILD_SETTINGS.override": "exampleapp.settings",
        "DJANGO_S3_STATIC_RELEASE_PROMOTES.override": "1",
    }
    # The static cache stays in the app's directory, for the developer to commit.
    assert manifest(image.app)["paths"]["css/site.css"].startswith("css/site.")


def test_heroku_pythons_collectstatic_folder_is_removed_from_the_image_and_said(fir):
    assert "Running 'manage.py collectstatic'" in fir.cold.output  # heroku/python's, before us
    assert "Removed staticfiles/ (STATIC_ROOT, 134 files (" in fir.cold.output
    assert not os.path.exists(os.path.join(fir.cold.image.app, "staticfiles"))


def test_no_secret_in_a_layer_the_cache_the_image_or_the_log(fir, fast):
    """The AWS secret and Django's SECRET_KEY are config vars: in ``<platform>/env`` (the
    platform's) and the processes' environment, nowhere a build writes or prints."""
    secrets = [fir.platform_env["AWS_SECRET_ACCESS_KEY"], fir.platform_env["SECRET_KEY"]]
    for built in (fir.cold, fast.built):
        assert not [s for s in secrets if s in built.output]
    assert sorted(files_holding(fir.root, secrets)) == [
        os.path.join(fir.platform_dir, "env", name)
        for name in ("AWS_SECRET_ACCESS_KEY", "SECRET_KEY")
    ]


def test_the_committed_cache_takes_the_fast_path_and_the_runtime_layer_is_reused(fir, fast):
    built, requests = fast.built, fast.requests
    check_fast_path_output(our_output(built.output))
    assert "Static files unchanged, 268 objects verified" in built.output
    assert requests == {"LIST": 1, "PUT": 1}  # the listing, this release's record
    # The cached layer came back with its contents: nothing installed, the app's label kept.
    assert "Emptied the build cache layer" not in built.output
    label = re.compile(r"-(cache-[0-9a-f]{8})\.json")
    assert label.findall(built.output) == label.findall(fir.cold.output) != []
    # Launch-only: its metadata came back, not its files; the same digest, the old layer.
    assert 'Restoring metadata for "django-s3-static/django-s3-static:runtime"' in built.output
    assert "the runtime layer is unchanged, the image keeps it" in built.output
    assert f"Reusing layer '{ID}:runtime'" in built.output
    assert (
        built.image.layers[(ID, "runtime")].metadata
        == fir.cold.image.layers[(ID, "runtime")].metadata
    )


def test_the_web_process_serves_pages_whose_every_asset_is_the_buckets(fir, fast):
    web = fir.serve("web", env={"GUNICORN_CMD_ARGS": "--workers 2"})
    try:
        assert_all_from_bucket(served_assets(web.url, web.log), fir.prefix)
    finally:
        web.stop()


def test_a_one_off_process_renders_hashed_bucket_urls(fir, fast):
    done = fir.run(RENDER)
    assert done.returncode == 0, done.stderr
    url = static_url_line(done.stdout)
    assert url.startswith(fir.prefix + "css/site.") and url != fir.prefix + "css/site.css"


def test_the_image_holds_the_dyno_form_of_its_static_cache(fast):
    """The dyno reads the names from the form the build wrote beside the static cache."""
    cache_file = os.path.join(fast.built.image.app, "static_cache", "manifest.json")
    assert os.path.isfile(os.path.join(os.path.dirname(cache_file), dyno_form.NAMES_FILE))
    assert dyno_form.belongs(cache_file) is None


def test_the_release_process_runs_promote_static(fir, fast):
    assert fir.process_env("release")["DJANGO_S3_STATIC_RELEASE_PROMOTES"] == "1"
    release = fir.launch("release")
    assert release.wait(timeout=120) == 0, release.log()
    assert f"All 268 objects of this slug are in s3://{fir.bucket}/{PREFIX}/" in release.log()


def test_the_image_promoted_to_another_bucket_copies_then_serves_from_it(fir, fast, s3server):
    """A pipeline promotion: the same image, the production app's config vars."""
    production = {"AWS_STORAGE_BUCKET_NAME": s3server.bucket()}
    release = fir.launch("release", env=production)
    assert release.wait(timeout=120) == 0, release.log()
    cache = manifest(fast.built.image.app)
    check_promoted(
        release.log(), cache, fir.bucket, production["AWS_STORAGE_BUCKET_NAME"], s3server.client()
    )
    web = fir.serve("web", env=production)
    try:
        prefix = f"{s3server.endpoint}/{production['AWS_STORAGE_BUCKET_NAME']}/{PREFIX}/"
        assert_all_from_bucket(served_assets(web.url, web.log), prefix)
    finally:
        web.stop()


def test_a_process_under_opentelemetry_instrument_is_named_with_the_fix(fir):
    """A virtualenv reads no user site folder: heroku/python's site-packages is the only place
    a ``.pth`` is read, and it is not this buildpack's layer."""
    site = fir.run('python -c "import site; print(site.ENABLE_USER_SITE, site.getsitepackages())"')
    venv = os.path.join(fir.layers_dir, "heroku_python", "venv")
    assert site.stdout.split(" ", 1)[0] == "False" and venv in site.stdout, site
    warning = fir.cold.output.split(" !     Warning: The Procfile's ", 1)[1]
    assert warning.startswith(
        "worker (opentelemetry-instrument) would render the settings' own STATIC_URL"
    )
    assert "End the settings module (exampleapp/settings.py) with the snippet" in warning


@pytest.fixture(scope="module")
def ci(fast, tmp_path_factory):
    """Heroku CI's lifecycle for the committed checkout: a test app with no bucket, built in the
    ``test`` execution environment, which the platform passes to this API 0.10 buildpack too
    (``exec_env_for_every_api``; the spec's lifecycle passes it from API 0.12 only)."""
    root = tmp_path_factory.mktemp("ci")
    with Lifecycle(
        root,
        fir_group(),
        fast.checkout,
        platform_env=CI_CONFIG,
        exec_env="test",
        exec_env_for_every_api=True,
    ) as lc:
        yield lc


def test_heroku_ci_checks_the_committed_cache_with_no_bucket_and_writes_no_layer(ci):
    built = ci.build().check()
    assert "(django-s3-static): Heroku CI, nothing uploaded" in built.output
    assert "Static cache fresh: static_cache/manifest.json matches the 134 static sources" in (
        built.output
    )
    assert "No S3 request, nothing uploaded" in built.output
    assert [name for bp, name in [*built.image.layers, *ci.cache] if bp == ID] == []


def test_heroku_ci_refuses_an_edited_static_cache_as_cedar_does(ci, fast, tmp_path):
    """js/app.js pointed at a name its content does not give: the build fails, saying so."""
    edited = str(tmp_path / "app")
    shutil.copytree(fast.checkout, edited)
    document = manifest(edited)
    true_name, edit = document["paths"]["js/app.js"], "js/app.0123456789ab.js"
    document["paths"]["js/app.js"] = edit
    document["objects"][edit] = document["objects"][true_name]
    with open(os.path.join(edited, "static_cache", "manifest.json"), "w") as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
    failed = ci.build(app_source=edited)
    assert failed.returncode == 51, failed.output  # the buildpack failed
    assert (
        " !     Error: The committed static cache static_cache/manifest.json cannot be trusted: "
        f"1 hashed name not of today's sources (js/app.js is recorded as {edit}, but its "
        f"content gives {true_name}): the static cache was edited, or merged by hand"
    ) in failed.output
    assert "ERROR: failed to build: exit status 1" in failed.output
