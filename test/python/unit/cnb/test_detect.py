"""Detection through the harness with small Bash buildpacks: exit codes, groups, the environment
and arguments of ``bin/detect``, build plans, and the buildpack.toml rules (Buildpack API 0.10,
"Detection", "Phase #1: Detection", "buildpack.toml (TOML)")."""

from __future__ import annotations

import os
import re

import pytest

from support.cnb import (
    Buildpack,
    DescriptorError,
    Lifecycle,
    optional,
    read_buildpack,
    write_buildpack,
)
from support.cnb.descriptor import Target
from support.cnb.detection import DetectRun, plan_for, resolve


@pytest.fixture
def app(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "manage.py").write_text("")
    return folder


def detect_with(tmp_path, app, codes: list[int | str], **kwargs):
    """A group of buildpacks whose detect exits with each code ("?"-suffixed: optional)."""
    refs = []
    for index, code in enumerate(codes):
        text = str(code)
        folder = write_buildpack(
            tmp_path / f"bp{index}", f"test/bp{index}", detect=f"exit {text.rstrip('?')}"
        )  # noqa: E501
        refs.append(optional(folder) if text.endswith("?") else folder)
    return Lifecycle(tmp_path / "root", refs, app, **kwargs).detect()


@pytest.mark.parametrize(
    ("codes", "passed", "returncode", "group"),
    [
        ([0, 0], True, 0, [0, 1]),
        ([0, 100], False, 20, []),
        ([0, 1], False, 21, []),
        ([0, 101], False, 21, []),
        ([100, 100], False, 20, []),
        (["100?", 0], True, 0, [1]),
        (["1?", 0], True, 0, [1]),  # an optional buildpack's error only shows in the log
        (["100?", "100?"], False, 20, []),  # no buildpack passed
        (["0?", 100], False, 20, []),
        (["0?", 7], False, 21, []),
    ],
)
def test_exit_codes_decide_the_group(tmp_path, app, codes, passed, returncode, group):
    result = detect_with(tmp_path, app, codes)
    assert (result.passed, result.returncode) == (passed, returncode)
    assert [bp.id for bp in result.group] == [f"test/bp{i}" for i in group]


ENV_REPORT = """
echo "ARGS $# $1 $2"
echo "CWD $PWD"
env | sort | sed 's/^/ENV /'
"""


def test_detect_environment_and_arguments(tmp_path, app, monkeypatch):
    """No host variable leaks (the lifecycle passes HOME, PATH and a few); the config vars are
    set unless clear-env; the lifecycle still passes ``<platform> <plan>`` as arguments; API 0.10
    gets the target variables but no CNB_EXEC_ENV, which starts at API 0.12."""
    monkeypatch.setenv("DSS_HOST_ONLY", "leak")
    plain = write_buildpack(tmp_path / "plain", "test/plain", detect=ENV_REPORT)
    clear = write_buildpack(tmp_path / "clear", "test/clear", detect=ENV_REPORT)
    toml = (tmp_path / "clear" / "buildpack.toml").read_text()
    (tmp_path / "clear" / "buildpack.toml").write_text(toml + "clear-env = true\n")
    newer = write_buildpack(tmp_path / "newer", "test/newer", detect=ENV_REPORT, api="0.12")
    lc = Lifecycle(
        tmp_path / "root",
        [plain, clear, newer],
        app,
        platform_env={"SECRET_KEY": "s", "PATH": "/config/bin"},
        exec_env="test",
    )
    result = lc.detect()
    assert result.passed

    def env_of(bp_id: str) -> dict[str, str]:
        output = result.run_of(bp_id).output
        return dict(re.findall(r"^ENV ([^=]+)=(.*)$", output, re.M))

    plain_env, clear_env, newer_env = (
        env_of("test/plain"),
        env_of("test/clear"),
        env_of("test/newer"),
    )
    plan = f"{lc.root}/tmp/detect/test_plain/plan.toml"
    assert f"ARGS 2 {lc.platform_dir} {plan}" in result.run_of("test/plain").output
    assert f"CWD {lc.app_dir}" in result.run_of("test/plain").output
    assert plain_env["CNB_PLATFORM_DIR"] == lc.platform_dir
    assert plain_env["CNB_BUILD_PLAN_PATH"] == plan
    assert plain_env["CNB_BUILDPACK_DIR"] == plain
    assert plain_env["SECRET_KEY"] == "s"
    assert plain_env["PATH"].startswith("/config/bin:/usr/local/sbin")
    assert plain_env["HOME"] == lc.home
    assert plain_env["CNB_TARGET_OS"] == "linux"
    assert plain_env["CNB_TARGET_DISTRO_VERSION"] == "24.04"
    assert "DSS_HOST_ONLY" not in plain_env
    assert "CNB_EXEC_ENV" not in plain_env
    assert "SECRET_KEY" not in clear_env
    assert not clear_env["PATH"].startswith("/config/bin")
    assert os.listdir(os.path.join(lc.platform_dir, "env")) != []
    assert newer_env["CNB_EXEC_ENV"] == "test"


def test_a_platform_may_set_the_execution_environment_for_any_api(tmp_path, app):
    """``exec_env_for_every_api``: the platform itself puts CNB_EXEC_ENV in the environment of an
    API 0.10 buildpack's detect and build, as a classic wrapper around a CNB does."""
    report = 'echo "EXEC_ENV=${CNB_EXEC_ENV:-unset}"'
    older = write_buildpack(tmp_path / "older", "test/older", detect=report, build=report)
    lc = Lifecycle(tmp_path / "root", [older], app, exec_env="test", exec_env_for_every_api=True)
    built = lc.build().check()
    assert built.detect.run_of("test/older").output == "EXEC_ENV=test\n"
    assert "EXEC_ENV=test" in built.output.split("===> BUILDING")[1]
    spec = Lifecycle(tmp_path / "spec", [older], app, exec_env="test").build().check()
    assert "EXEC_ENV=unset" in spec.output.split("===> BUILDING")[1]


def test_the_plan_reaches_the_provider(tmp_path, app):
    provider = write_buildpack(
        tmp_path / "p",
        "test/provider",
        detect='printf \'[[provides]]\\nname = "python"\\n\' > "$CNB_BUILD_PLAN_PATH"',
        build='cat "$CNB_BP_PLAN_PATH"',
    )
    requirer = write_buildpack(
        tmp_path / "r",
        "test/requirer",
        detect=(
            'printf \'[[requires]]\\nname = "python"\\n[requires.metadata]\\nversion = "3.13"\\n\''
            ' > "$CNB_BUILD_PLAN_PATH"'
        ),
        build='echo "requirer plan: $(cat "$CNB_BP_PLAN_PATH")"',
    )
    with Lifecycle(tmp_path / "root", [provider, requirer], app) as lc:
        built = lc.build().check()
    assert '[[entries]]\nname = "python"\n\n[entries.metadata]\nversion = "3.13"' in built.output
    assert "requirer plan: \n" in built.output


def _run(bp_id: str, plan: dict, optional_bp: bool = False) -> DetectRun:
    bp = Buildpack(f"/bp/{bp_id}", "0.10", bp_id, "1.0.0", bp_id, False, (Target("linux"),))
    if optional_bp:
        bp = Buildpack(**{**bp.__dict__, "optional": True})
    return DetectRun(bp, 0, "", plan)


PROVIDES = {"provides": [{"name": "node"}]}
REQUIRES = {"requires": [{"name": "node", "metadata": {"v": "22"}}]}


@pytest.mark.parametrize(
    ("runs", "group", "passed"),
    [
        ([("a", PROVIDES), ("b", REQUIRES)], ["a", "b"], True),
        ([("a", REQUIRES), ("b", PROVIDES)], [], False),  # required before provided
        ([("a", PROVIDES), ("b", {})], [], False),  # provided but never required
        ([("a", {**PROVIDES, **REQUIRES})], ["a"], True),  # the same buildpack both
        ([("a", {"or": [PROVIDES]}), ("b", REQUIRES)], ["a", "b"], True),  # an [[or]] choice
        ([("a", PROVIDES, True), ("b", {})], ["b"], True),  # an optional leaves the trial
        ([("a", {}), ("b", REQUIRES, True)], ["a"], True),
    ],
)
def test_build_plan_trials(runs, group, passed):
    result = resolve([_run(*run) for run in runs])
    assert result.passed == passed
    assert [bp.id for bp in result.group] == group


def test_plan_entries_go_to_the_providers():
    runs = [_run("a", PROVIDES), _run("b", REQUIRES)]
    result = resolve(runs)
    assert plan_for(result.plan, runs[0].buildpack) == [{"name": "node", "metadata": {"v": "22"}}]
    assert plan_for(result.plan, runs[1].buildpack) == []


def test_a_detect_plan_with_a_top_level_version_is_an_error(tmp_path, app):
    detect = 'printf \'[[requires]]\\nname = "x"\\nversion = "1"\\n\' > "$CNB_BUILD_PLAN_PATH"'
    bp = write_buildpack(tmp_path / "bp", "test/version", detect=detect)
    result = Lifecycle(tmp_path / "root", [bp], app).detect()
    assert (result.passed, result.returncode) == (False, 21)
    assert "metadata.version" in result.runs[0].error


def test_a_buildpack_for_another_target_errors(tmp_path, app):
    bp = write_buildpack(
        tmp_path / "bp",
        "test/arm",
        extra_toml='[[targets]]\nos = "linux"\narch = "arm64"\n',
    )
    amd = Target("linux", "amd64", "", (("ubuntu", "24.04"),))
    result = Lifecycle(tmp_path / "root", [bp], app, target=amd).detect()
    assert (result.passed, result.returncode) == (False, 21)
    assert "target" in result.runs[0].error


@pytest.mark.parametrize(
    ("toml", "why"),
    [
        ('[buildpack]\nid = "a"\nversion = "1.0.0"\n', "api"),
        ('api = "0.10"\n[buildpack]\nid = "app"\nversion = "1.0.0"\n', "reserved"),
        ('api = "0.10"\n[buildpack]\nid = "a b"\nversion = "1.0.0"\n', "letters"),
        ('api = "0.10"\n[buildpack]\nid = "a"\nversion = "1.0"\n', "X.Y.Z"),
        ('api = "0.10"\n[buildpack]\nid = "a"\nversion = "01.0.0"\n', "X.Y.Z"),
        ('api = "0.13"\n[buildpack]\nid = "a"\nversion = "1.0.0"\n', "not one the lifecycle"),
        ('api = "0.10"\n', "no \\[buildpack\\]"),
    ],
)
def test_buildpack_toml_rules(tmp_path, toml, why):
    folder = write_buildpack(tmp_path / "bp", "test/x")
    (tmp_path / "bp" / "buildpack.toml").write_text(toml)
    with pytest.raises(DescriptorError, match=why):
        read_buildpack(folder)


def test_bin_programs_must_be_executable(tmp_path):
    folder = write_buildpack(tmp_path / "bp", "test/x")
    os.chmod(tmp_path / "bp" / "bin" / "build", 0o644)
    with pytest.raises(DescriptorError, match="not executable"):
        read_buildpack(folder)
