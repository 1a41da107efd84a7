"""bin/test-compile, as Heroku CI runs it: the committed static cache checked against the sources,
with no S3 request, nothing uploaded and nothing written into the app.

Each test builds the app once with bin/compile against the local S3 server (the deploy that wrote
the committed cache), then runs bin/test-compile on a fresh checkout holding that cache, as a CI
test run gets it. The answer is compared with ``manage.py verify_static --sources-only``'s on the
same tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import delta, deploy_config
from support.checkout import command_env, manage
from support.dyno import Slug

NOT_A_FAILURE = "Not a test failure: the deploy build will collect and upload the static files."


def with_our_app(slug: Slug) -> Slug:
    """The checkout as a developer has it, with django_s3_static installed for its commands."""
    settings = os.path.join(slug.build_dir, "exampleapp", "settings.py")
    with open(settings, "a") as handle:
        handle.write('\nINSTALLED_APPS = [*INSTALLED_APPS, "django_s3_static"]\n')
    return slug


def deploy(make_slug, s3server, bucket, fixture="example_app", ours=True) -> Slug:
    slug = make_slug(fixture)
    if fixture == "example_app" and ours:
        with_our_app(slug)
    slug.set_config(**deploy_config(s3server, bucket))
    built = slug.compile()
    assert built.returncode == 0, built.output
    return slug


def ci_checkout(make_slug, deployed: Slug, fixture="example_app", ours=True, **config: str) -> Slug:
    """A CI test run's copy of the app: the same code and committed cache, the CI's config vars.
    ``ours``: "django_s3_static" in INSTALLED_APPS, as in a checkout that runs its commands."""
    slug = make_slug(fixture)
    if fixture == "example_app" and ours:
        with_our_app(slug)
    shutil.copytree(
        os.path.join(deployed.build_dir, "static_cache"),
        os.path.join(slug.build_dir, "static_cache"),
    )
    slug.set_config(**{"SECRET_KEY": "ci-only-secret-key", **config})
    return slug


def run_test_compile(slug: Slug):
    return slug.script("test-compile", slug.build_dir, slug.cache_dir, slug.env_dir)


def tree(root: str) -> dict[str, tuple[int, float]]:
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            found[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime)
    return found


def verify_sources_only(slug: Slug, bucket: str, s3server) -> subprocess.CompletedProcess:
    python = os.path.join(slug.build_dir, ".heroku", "python", "bin", "python")
    env = command_env(deploy_config(s3server, bucket))
    return manage(slug.build_dir, env, "verify_static", "--sources-only", python=python)


def test_shared_credentials_reach_no_s3_and_nothing_is_written(make_slug, s3server, bucket):
    """The CI's config vars are the app's own (credentials shared): still not one request to the
    bucket, and the checkout and CACHE_DIR come out exactly as they went in."""
    deployed = deploy(make_slug, s3server, bucket)
    slug = ci_checkout(make_slug, deployed, **deploy_config(s3server, bucket))
    before_tree, before_requests = tree(slug.build_dir), s3server.request_counts(bucket)
    result = run_test_compile(slug)
    assert result.returncode == 0, result.output
    assert result.stderr == ""
    assert delta(before_requests, s3server.request_counts(bucket)) == {}
    assert tree(slug.build_dir) == before_tree
    assert os.listdir(slug.cache_dir) == []
    assert "Static cache fresh: static_cache/manifest.json matches the 134 static sources" in (
        result.stdout
    )
    assert "settings only" in result.stdout  # the build's fast check of the sources
    assert "No S3 request, nothing uploaded, nothing written into the app" in result.stdout
    assert s3server.secret_key not in result.stdout


def test_no_s3_config_var_at_all_is_needed(make_slug, s3server, bucket):
    deployed = deploy(make_slug, s3server, bucket)
    result = run_test_compile(ci_checkout(make_slug, deployed))
    assert result.returncode == 0, result.output
    assert "Static cache fresh" in result.stdout
    assert "No bucket configured" not in result.stdout


def _edit_css(app: str) -> None:
    with open(os.path.join(app, "exampleapp", "static", "css", "site.css"), "a") as handle:
        handle.write("\n.ci { color: red; }\n")


def _add_file(app: str) -> None:
    with open(os.path.join(app, "exampleapp", "static", "img", "new.txt"), "w") as handle:
        handle.write("new\n")


def _remove_file(app: str) -> None:
    os.remove(os.path.join(app, "exampleapp", "static", "img", "favicon.png"))


def _drop_the_admin(app: str) -> None:
    """Another INSTALLED_APPS: the settings-only check cannot vouch for it, Django starts."""
    with open(os.path.join(app, "exampleapp", "settings.py"), "a") as handle:
        handle.write('\nINSTALLED_APPS.remove("django.contrib.admin")\n')
    urls = os.path.join(app, "exampleapp", "urls.py")
    with open(urls) as handle:
        kept = [line for line in handle if "admin" not in line]
    with open(urls, "w") as handle:
        handle.writelines(kept)


def _strict_references(app: str) -> None:
    with open(os.path.join(app, "exampleapp", "settings.py"), "a") as handle:
        handle.write("\nDJANGO_S3_STATIC_STRICT_REFERENCES = True\n")


CHANGES = {
    "edited": (_edit_css, "1 changed (css/site.css)"),
    "added": (_add_file, "1 added (img/new.txt)"),
    "removed": (_remove_file, "1 removed (img/favicon.png)"),
    "app removed": (_drop_the_admin, "removed (admin/css/autocomplete.css, admin/css/base.css"),
    "setting": (_strict_references, "no static file changed, was added or removed: Django's"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_stale_cache_is_not_a_failure_and_says_what_changed(make_slug, s3server, bucket, change):
    deployed = deploy(make_slug, s3server, bucket)
    slug = ci_checkout(make_slug, deployed)
    make_change, said = CHANGES[change]
    make_change(slug.build_dir)
    result = run_test_compile(slug)
    assert result.returncode == 0, result.output
    warning = next(line for line in result.stdout.splitlines() if "Warning" in line)
    assert warning.startswith(" !     Warning: static_cache/manifest.json is stale: ")
    assert said in warning
    assert warning.endswith(NOT_A_FAILURE)
    assert "python manage.py publish_static && git add static_cache" in result.stdout
    # The same answer as verify_static --sources-only, on the same tree.
    verified = verify_sources_only(slug, bucket, s3server)
    assert verified.returncode == 1, verified.stderr
    assert "static_cache/manifest.json cannot be trusted:\n  - stale: " in verified.stderr


def test_a_fresh_cache_is_fresh_for_verify_static_too(make_slug, s3server, bucket):
    deployed = deploy(make_slug, s3server, bucket)
    slug = ci_checkout(make_slug, deployed)
    assert "Static cache fresh" in run_test_compile(slug).stdout
    verified = verify_sources_only(slug, bucket, s3server)
    assert verified.returncode == 0, verified.stderr
    assert "is fresh: sources verified" in verified.stdout


def test_another_bucket_in_the_test_environment_is_said_not_failed(make_slug, s3server, bucket):
    deployed = deploy(make_slug, s3server, bucket)
    slug = ci_checkout(make_slug, deployed, AWS_STORAGE_BUCKET_NAME="my-ci-bucket")
    result = run_test_compile(slug)
    assert result.returncode == 0, result.output
    assert (
        f"static_cache/manifest.json: other location: the cache was published to "
        f"s3://{bucket}/ at {s3server.endpoint}, the app uses s3://my-ci-bucket/." in result.stdout
    )


def test_an_unusable_bucket_setting_is_an_error(make_slug, s3server, bucket):
    """What would fail the deploy's settings fails here too, before any test runs."""
    deployed = deploy(make_slug, s3server, bucket)
    slug = ci_checkout(make_slug, deployed, AWS_STORAGE_BUCKET_NAME="not a bucket!")
    result = run_test_compile(slug)
    assert result.returncode == 1
    assert "Error: AWS_STORAGE_BUCKET_NAME='not a bucket!' is not a valid S3 bucket name." in (
        result.stdout
    )


def test_an_unknown_setting_value_is_an_error_as_in_a_deploy(make_slug):
    slug = make_slug("example_app")
    slug.set_config(SECRET_KEY="ci-only-secret-key", DJANGO_S3_STATIC_COMPRESS="zstd")
    result = run_test_compile(slug)
    assert result.returncode == 1
    assert " !     Error: DJANGO_S3_STATIC_COMPRESS='zstd' is not one of auto, gzip, off." in (
        result.stdout
    )


def test_no_committed_cache_is_not_a_failure(make_slug):
    slug = make_slug("example_app")
    slug.set_config(SECRET_KEY="ci-only-secret-key")
    result = run_test_compile(slug)
    assert result.returncode == 0, result.output
    assert f"No committed static cache (static_cache/manifest.json). {NOT_A_FAILURE}" in (
        result.stdout
    )
    assert "Commit one so deploys skip collectstatic: python manage.py publish_static" in (
        result.stdout
    )


@pytest.mark.parametrize(
    "content, reason",
    [
        ("<<<<<<< HEAD\n{}\n", "the static cache is not valid JSON"),
        (
            '{"version": 1, "fingerprint": "sha256:x", "location": {"bucket": "b"},'
            ' "objects": {"../etc/passwd": {"size": 1, "md5": "' + "0" * 32 + '"}}, "paths": {}}',
            "the static cache names a path that has an empty, '.' or '..' segment",
        ),
    ],
)
def test_a_malformed_cache_is_an_error(make_slug, content, reason):
    slug = make_slug("example_app")
    slug.set_config(SECRET_KEY="ci-only-secret-key")
    os.makedirs(os.path.join(slug.build_dir, "static_cache"))
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json"), "w") as handle:
        handle.write(content)
    result = run_test_compile(slug)
    assert result.returncode == 1
    assert result.stderr == ""
    error = " !     Error: The committed static cache static_cache/manifest.json cannot be used"
    assert f"{error}: {reason}" in result.stdout
    assert "Run 'python manage.py publish_static' and commit the result" in result.stdout


def test_settings_that_cannot_load_are_an_error_naming_the_ci_config_vars(make_slug):
    slug = make_slug("example_app")  # no SECRET_KEY, which the settings read
    result = run_test_compile(slug)
    assert result.returncode == 1
    assert result.stderr == ""
    assert "Error: The settings module 'exampleapp.settings' failed to load: KeyError" in (
        result.stdout
    )
    assert "heroku ci:config:set NAME=value" in result.stdout
    assert '"environments": {"test": {"env"' in result.stdout


def test_the_tests_see_the_apps_own_settings(make_slug, s3server, bucket):
    """bin/test and app.json's scripts.test run with every .profile.d script sourced: none of
    this buildpack's is there, so the settings are the app's own, unwrapped."""
    deployed = deploy(make_slug, s3server, bucket, ours=False)
    slug = ci_checkout(make_slug, deployed, ours=False, **deploy_config(s3server, bucket))
    assert run_test_compile(slug).returncode == 0
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SETTINGS_MODULE, settings.STATIC_URL, "
        "settings.STORAGES['staticfiles']['BACKEND'], 'staticfiles' in settings.CACHES)"
    )
    test_dyno = subprocess.run(
        ["bash", "-c", 'for f in .profile.d/*.sh; do [ -e "$f" ] && . "$f"; done; exec "$@"', "-"]
        + [".heroku/python/bin/python", "-c", probe],
        cwd=slug.build_dir,
        env={
            "HOME": slug.build_dir,
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "exampleapp.settings",
            **slug.config,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert test_dyno.returncode == 0, test_dyno.stderr
    assert test_dyno.stdout.split() == [
        "exampleapp.settings",
        "/static/",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
        "False",
    ]


def test_pipeline_packages_are_not_taken_for_changed_sources(make_slug, s3server, bucket):
    """django-pipeline writes the package css/print.css over the source of that name: the cache
    holds the package, which is no sign of a changed source."""
    deployed = deploy(make_slug, s3server, bucket, "pipeline_app")
    slug = ci_checkout(make_slug, deployed, "pipeline_app")
    assert "Static cache fresh" in run_test_compile(slug).stdout
    with open(
        os.path.join(slug.build_dir, "pipelineapp", "static", "scss", "theme.scss"), "a"
    ) as f:
        f.write("\n.ci { color: red; }\n")
    result = run_test_compile(slug)
    assert result.returncode == 0, result.output
    assert "is stale: 1 changed (scss/theme.scss). Not a test failure" in result.stdout
