"""``buildpack.toml`` serves both generations: the classic registry's fields and a Cloud Native
Buildpack's, each as its specification says (Buildpack API 0.10, "buildpack.toml (TOML)":
https://github.com/buildpacks/spec/blob/buildpack/v0.10/buildpack.md#buildpacktoml-toml)."""

from __future__ import annotations

import os
import re

import pytest
import tomllib

from django_s3_static import __version__
from support.dyno import ROOT


@pytest.fixture(scope="module")
def descriptor() -> dict:
    with open(os.path.join(ROOT, "buildpack.toml"), "rb") as handle:
        return tomllib.load(handle)


def test_it_declares_the_buildpack_api_heroku_pythons_cnb_declares(descriptor):
    # "MUST be in form <major>.<minor> or <major>": 0.10, as heroku/python and heroku/procfile.
    assert re.fullmatch(r"\d+(\.\d+)?", descriptor["api"])
    assert descriptor["api"] == "0.10"


def test_the_id_follows_the_spec_and_is_namespaced(descriptor):
    buildpack_id = descriptor["buildpack"]["id"]
    # "MUST only contain numbers, letters, and the characters ., /, and -."
    assert re.fullmatch(r"[A-Za-z0-9./-]+", buildpack_id)
    # "MUST NOT be app, config, generated, or sbom."
    assert buildpack_id not in {"app", "config", "generated", "sbom"}
    # "MUST NOT be identical to any other buildpack ID when using a case-insensitive comparison":
    # not one of the group it runs in.
    assert buildpack_id.lower() not in {"heroku/python", "heroku/procfile"}
    namespace, _, name = buildpack_id.partition("/")
    assert namespace and name and "/" not in name


def test_the_version_is_the_packages(descriptor):
    version = descriptor["buildpack"]["version"]
    # "MUST be in the form <X>.<Y>.<Z> ... non-negative integers ... must not contain leading zeros"
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", version)
    assert version == __version__
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        assert tomllib.load(handle)["project"]["version"] == version


def test_config_vars_stay_out_of_the_build_environment(descriptor):
    """The helper reads them from $CNB_PLATFORM_DIR/env/, as Cedar's ENV_DIR."""
    assert descriptor["buildpack"]["clear-env"] is True


def test_the_targets_are_fir_and_pack_on_both_architectures(descriptor):
    targets = descriptor["targets"]
    assert {target["arch"] for target in targets} == {"amd64", "arm64"}
    for target in targets:
        assert target["os"] == "linux"
        # OCI identifiers (lower case; the image config's "os" and "architecture" values).
        assert re.fullmatch(r"[a-z0-9]+", target["arch"])
        assert {(d["name"], d["version"]) for d in target["distros"]} == {
            ("ubuntu", "22.04"),
            ("ubuntu", "24.04"),
        }


def test_it_is_a_component_buildpack_and_the_classic_fields_stay(descriptor):
    """A component buildpack has bin/detect and bin/build and no [[order]]; the classic registry
    still reads [buildpack] name and [publish.Ignore]."""
    assert "order" not in descriptor
    for script in ("detect", "build", "compile", "release", "test-compile"):
        assert os.access(os.path.join(ROOT, "bin", script), os.X_OK), script
    assert descriptor["buildpack"]["name"] == "django-s3-static"
    ignored = descriptor["publish"]["Ignore"]["files"]
    assert {"test/", "docs/", ".ci/"} <= set(ignored)
    assert not any(path.startswith(("bin", "lib", "vendor")) for path in ignored)
