"""Heroku Fir's faults, through the lifecycle harness (``support.cnb``): what the build says, how it
exits, and what the lifecycle makes of it (``platform/exit.go``: 20 no group passed detection,
51 a buildpack failed).

Two builds run heroku/python (wrong credentials, a missing bucket): a failed build leaves no
image and no cache, so each is a first build. The others stop before heroku/python builds. The
Cedar scenarios check the same messages (test_secrets, test_s3_client); an edited static cache
is refused in test_cnb_build.py's Heroku CI build.
"""

from __future__ import annotations

import os
import shutil

import pytest

from support.cnb import Lifecycle, fake_heroku_python, fake_procfile
from support.dyno import ROOT
from support.fault_builds import django_secret
from support.fir_apps import ID, fir_config, fir_group, our_output, uv_app

NO_PYTHON = (
    " !     Error: no Python from heroku/python for the build (VIRTUAL_ENV names no Python).\n"
    " !     This buildpack runs on the Python and packages heroku/python installs into its "
    "virtual\n"
    " !     environment, which exists only when heroku/python builds before it. Add "
    "heroku/python\n"
    " !     before this buildpack in project.toml's [[io.buildpacks.group]] entries.\n"
    "ERROR: failed to build: exit status 1\n"
)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> str:
    return uv_app(tmp_path_factory.mktemp("source") / "app")


def lifecycle(tmp_path, source: str, config: dict[str, str], group=None) -> Lifecycle:
    return Lifecycle(tmp_path / "fir", group or fir_group(), source, platform_env=config)


def test_without_manage_py_detection_fails_with_100_and_so_does_the_group(tmp_path, source):
    app = str(tmp_path / "app")
    shutil.copytree(source, app)
    os.remove(os.path.join(app, "manage.py"))
    with lifecycle(tmp_path, app, {}) as lc:
        built = lc.build()
    assert (built.returncode, built.image) == (20, None)
    assert built.detect.run_of(ID).code == 100
    assert [run.code for run in built.detect.runs] == [0, 100, 0]
    assert "django-s3-static: no manage.py within three levels of the app" in built.output
    assert "ERROR: No buildpack groups passed detection." in built.output


@pytest.mark.parametrize(
    "group",
    [
        pytest.param(lambda: [ROOT, fake_procfile()], id="without"),
        pytest.param(lambda: [ROOT, fake_heroku_python(), fake_procfile()], id="after"),
    ],
)
def test_without_heroku_python_before_it_the_build_fails_saying_what_to_add(
    tmp_path, source, s3server, group
):
    config = fir_config(s3server, s3server.bucket())
    with lifecycle(tmp_path, source, config, group()) as lc:
        built = lc.build()
    assert (built.returncode, built.image) == (51, None), built.output
    assert built.output.split("===> BUILDING\n", 1)[1].lstrip("\n") == NO_PYTHON
    assert config["AWS_SECRET_ACCESS_KEY"] not in built.output


FAILURES = {
    "wrong credentials": (
        {"AWS_SECRET_ACCESS_KEY": "wrong-secret-0123456789abcdef"},
        [
            "S3 refused the credentials (SignatureDoesNotMatch) when trying to list the objects "
            "in bucket '{bucket}'",
            " !     Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if ",
        ],
    ),
    "missing bucket": (
        {"AWS_STORAGE_BUCKET_NAME": "no-such-bucket-for-fir"},
        [
            "The bucket 'no-such-bucket-for-fir' at {endpoint} does not exist.",
            " !     Create it, or fix AWS_STORAGE_BUCKET_NAME",
        ],
    ),
}


@pytest.mark.parametrize("fault", FAILURES)
def test_an_s3_fault_fails_the_build_saying_what_why_and_what_to_do(
    tmp_path, source, s3server, fault
):
    change, said = FAILURES[fault]
    config = {**fir_config(s3server, s3server.bucket(), SECRET_KEY=django_secret()), **change}
    with lifecycle(tmp_path, source, config) as lc:
        built = lc.build()
    assert (built.returncode, built.image) == (51, None), built.output
    ours = our_output(built.output)
    error = ours.split(" !     Error: ", 1)[1]
    values = {"bucket": config["AWS_STORAGE_BUCKET_NAME"], "endpoint": s3server.endpoint}
    assert error.startswith(said[0].format(**values)), ours
    assert said[1] in error
    assert built.output.rstrip("\n").endswith("ERROR: failed to build: exit status 1")
    secrets = (config["AWS_SECRET_ACCESS_KEY"], s3server.secret_key, config["SECRET_KEY"])
    assert [secret for secret in secrets if secret in built.output] == []
    assert not os.path.exists(os.path.join(lc.app_dir, "static_cache"))
