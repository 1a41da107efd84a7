"""Build, export, rebuild and launch through the harness with two small Bash buildpacks
(Buildpack API 0.10: "Build", "Layer Types", "Phase #6: Export", "Launch", "Exec.d", and the
platform spec's launcher)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from support.cnb import NORMALIZED_TIME, BuildpackRef, LaunchError, Lifecycle, write_buildpack
from support.cnb.launcher import process_command
from support.cnb.layers import Process

#: One: a launch + build + cache layer ``tool`` (bin/, env files, exec.d, profile.d), a
#: launch-only layer ``runtime``, an untyped layer ``scratch``, a process, a store.toml. On the
#: second build (the app's ``phase`` file) it reports what came back and re-declares ``runtime``
#: launch-only without a folder, so the export reuses the previous image's.
ONE = r"""
L="$CNB_LAYERS_DIR"
if [[ "$(cat phase)" == second ]]; then
    echo "tool back: $(cat "$L/tool/marker" 2>/dev/null || echo none)"
    echo "tool toml: $(tr '\n' ' ' < "$L/tool.toml" 2>/dev/null || echo none)"
    echo "runtime toml: $(tr '\n' ' ' < "$L/runtime.toml" 2>/dev/null || echo none)"
    echo "runtime folder: $([[ -d $L/runtime ]] && echo yes || echo no)"
    echo "store: $(tr '\n' ' ' < "$L/store.toml" 2>/dev/null || echo none)"
    printf '[types]\nlaunch = true\n' > "$L/runtime.toml"
    printf '[types]\nlaunch = true\nbuild = true\ncache = true\n' > "$L/tool.toml"
    exit 0
fi
mkdir -p "$L/tool/bin" "$L/tool/env.launch/web" "$L/tool/env.build" "$L/tool/env"
mkdir -p "$L/tool/exec.d/web" "$L/tool/profile.d" "$L/runtime" "$L/scratch"
echo first > "$L/tool/marker"
printf '#!/bin/sh\necho tool-ran\n' > "$L/tool/bin/tool"
printf 'launch-value' > "$L/tool/env.launch/ONLY_LAUNCH"
printf 'web-value' > "$L/tool/env.launch/web/ONLY_WEB"
printf 'build-value' > "$L/tool/env.build/ONLY_BUILD"
printf 'default' > "$L/tool/env/BOTH.default"
printf '#!/bin/sh\necho "FROM_EXEC_D = \\"$BOTH\\"" >&3\n' > "$L/tool/exec.d/set"
printf '#!/bin/sh\necho "WEB_EXEC_D = \\"yes\\"" >&3\n' > "$L/tool/exec.d/web/set"
printf 'export FROM_PROFILE_D=sourced\n' > "$L/tool/profile.d/a.sh"
chmod +x "$L/tool/bin/tool" "$L/tool/exec.d/set" "$L/tool/exec.d/web/set"
echo runtime-file > "$L/runtime/file"
printf '[types]\nlaunch = true\nbuild = true\ncache = true\n[metadata]\nv = "1"\n' > "$L/tool.toml"
printf '[types]\nlaunch = true\n[metadata]\nkind = "runtime"\n' > "$L/runtime.toml"
printf '[metadata]\nunused = true\n' > "$L/scratch.toml"
printf '[metadata]\nbuilds = 1\n' > "$L/store.toml"
cat > "$L/launch.toml" <<'EOF'
[[processes]]
type = "web"
command = ["bash", "-c"]
args = ["echo \"web in $PWD\"; env | sort"]
default = true
EOF
"""
#: Two: what the build environment holds after one's layers.
TWO = r"""
echo "two: ONLY_BUILD=${ONLY_BUILD:-unset} ONLY_LAUNCH=${ONLY_LAUNCH:-unset} BOTH=${BOTH:-unset}"
echo "two: $(tool) scratch=$(ls "$CNB_LAYERS_DIR/../test_one" | tr '\n' ' ')"
"""


@pytest.fixture
def app(tmp_path):
    folder = tmp_path / "app"
    (folder / ".profile.d").mkdir(parents=True)
    (folder / ".profile.d" / "x.sh").write_text("export FROM_APP_PROFILE_D=sourced\n")
    (folder / ".profile").write_text("export FROM_APP_PROFILE=sourced\n")
    (folder / "phase").write_text("first")
    return folder


@pytest.fixture
def lc(tmp_path, app):
    one = write_buildpack(tmp_path / "one", "test/one", build=ONE)
    two = write_buildpack(tmp_path / "two", "test/two", build=TWO)
    with Lifecycle(tmp_path / "root", [one, two], app, platform_env={"SECRET": "s3"}) as lc:
        yield lc


def test_build_layers_reach_the_next_buildpack_and_ignored_layers_are_renamed(lc):
    built = lc.build().check()
    assert "two: ONLY_BUILD=build-value ONLY_LAUNCH=unset BOTH=default" in built.output
    assert "two: tool-ran" in built.output
    assert "scratch.ignore" in built.output and " scratch " not in built.output
    assert set(built.image.layers) == {("test/one", "tool"), ("test/one", "runtime")}


def test_the_launched_process_gets_the_launch_environment(lc):
    lc.build().check()
    web = lc.launch()
    assert web.wait(timeout=30) == 0
    log = web.log()
    env = dict(re.findall(r"^([A-Z_]+)=(.*)$", log, re.M))
    assert f"web in {lc.app_dir}" in log
    assert env["ONLY_LAUNCH"] == "launch-value"
    assert env["ONLY_WEB"] == "web-value"
    assert env["BOTH"] == "default"
    assert env["FROM_EXEC_D"] == "default"
    assert env["WEB_EXEC_D"] == "yes"
    assert env["SECRET"] == "s3"
    assert env["PATH"].startswith(f"{lc.layers_dir}/test_one/tool/bin:/usr/local/sbin")
    for absent in ("ONLY_BUILD", "CNB_APP_DIR", "CNB_LAYERS_DIR", "FROM_PROFILE_D"):
        assert absent not in env
    assert "FROM_APP_PROFILE" not in env  # neither .profile.d nor .profile for a process


def test_a_one_off_command_sources_profile_d_and_dot_profile_but_not_dot_profile_d(lc):
    lc.build().check()
    done = lc.run("echo $FROM_PROFILE_D $FROM_APP_PROFILE ${FROM_APP_PROFILE_D:-no}; tool; pwd")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["sourced sourced no", "tool-ran", lc.app_dir]
    assert "ONLY_WEB" not in lc.process_env(None) and "ONLY_WEB" in lc.process_env("web")


@pytest.mark.parametrize(
    ("command", "args", "user", "api", "argv"),
    [
        (["bash", "-c"], ["serve"], None, "0.10", ["bash", "-c", "serve"]),
        (["bash", "-c"], ["serve"], ["other"], "0.10", ["bash", "-c", "other"]),
        (["gunicorn"], ["app"], ["--workers", "2"], "0.10", ["gunicorn", "--workers", "2"]),
        (["gunicorn"], ["app"], ["--workers", "2"], "0.8", ["gunicorn", "app", "--workers", "2"]),
    ],
)
def test_process_command_lines(command, args, user, api, argv):
    assert process_command(Process("web", command, args), user, api) == argv


def test_process_arguments_replace_the_buildpacks(lc):
    lc.build().check()
    process = lc.launch("web", args=["echo replaced"])
    assert process.wait(timeout=30) == 0
    assert process.log().strip().endswith("replaced")


def test_export_resets_every_file_time(lc):
    image = lc.build().check().image
    lc.process_env()  # mounts the image at <app> and <layers>
    for top in (image.app, image.layers_dir, lc.app_dir):
        for folder, dirs, files in os.walk(top):
            for name in dirs + files:
                path = os.path.join(folder, name)
                assert os.lstat(path).st_mtime == NORMALIZED_TIME, path


def test_a_rebuild_restores_the_cache_and_reuses_a_launch_only_layer(lc, app):
    lc.build().check()
    (app / "phase").write_text("second")
    rebuilt = lc.build(app_source=app).check()
    assert "tool back: first" in rebuilt.output
    assert 'tool toml: [metadata] v = "1"' in rebuilt.output
    assert 'runtime toml: [metadata] kind = "runtime"' in rebuilt.output
    assert "runtime folder: no" in rebuilt.output
    assert "store: [metadata] builds = 1" in rebuilt.output
    assert "Reusing layer 'test/one:runtime'" in rebuilt.output
    runtime = rebuilt.image.layer_path("test/one", "runtime")
    assert Path(runtime, "file").read_text() == "runtime-file\n"
    assert lc.run(f"cat {lc.layers_dir}/test_one/runtime/file").stdout == "runtime-file\n"


def test_without_the_cache_cached_layers_and_their_metadata_stay_away(lc, app):
    lc.build().check()
    lc.clear_cache()
    (app / "phase").write_text("second")
    rebuilt = lc.build(app_source=app).check()
    assert "tool back: none" in rebuilt.output
    assert "tool toml: none" in rebuilt.output  # cached and launch: neither comes back
    assert 'runtime toml: [metadata] kind = "runtime"' in rebuilt.output


def test_another_execution_environment_restores_nothing(lc, app):
    lc.build().check()
    lc.exec_env = "test"
    (app / "phase").write_text("second")
    rebuilt = lc.build(app_source=app)
    assert "runtime toml: none" in rebuilt.output and "tool back: none" in rebuilt.output
    # The buildpack declares runtime launch = true with no folder and nothing to reuse.
    assert rebuilt.returncode == 62
    assert "previous image has no such layer" in rebuilt.output


def test_a_failed_build_leaves_the_last_image(tmp_path, lc, app):
    first = lc.build().check().image
    failing = write_buildpack(tmp_path / "failing", "test/failing", build="echo broken; exit 3")
    lc.refs.append(BuildpackRef(failing))
    failed = lc.build()
    assert failed.returncode == 51 and failed.image is None
    assert "broken\nERROR: failed to build: exit status 3" in failed.output
    assert lc.image is first


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("printf 'launch = true\\n' > \"$CNB_LAYERS_DIR/x.toml\"", "types table"),
        ('mkdir "$CNB_LAYERS_DIR/launch"', "may not be named"),
        ('printf \'[[processes]]\\ncommand = "x"\\n\' > "$CNB_LAYERS_DIR/launch.toml"', "type"),
        ('printf \'[[unmet]]\\nname = "x"\\n\' > "$CNB_LAYERS_DIR/build.toml"', "must match"),
    ],
)
def test_refused_outputs_fail_the_build(tmp_path, app, script, message):
    bp = write_buildpack(tmp_path / "bp", "test/bad", build=script)
    with Lifecycle(tmp_path / "root", [bp], app) as lc:
        built = lc.build()
    assert built.returncode == 52
    assert message in built.output


def test_launch_errors_and_the_running_guard(lc):
    with pytest.raises(LaunchError, match="build first"):
        lc.launch("web")
    lc.build().check()
    with pytest.raises(LaunchError, match="worker was not found"):
        lc.launch("worker")
    web = lc.launch("web", args=["sleep 30"])
    with pytest.raises(RuntimeError, match="stop them"):
        lc.build()
    web.stop()
    lc.build().check()


def test_a_build_past_its_timeout_is_killed(tmp_path, app):
    bp = write_buildpack(tmp_path / "bp", "test/slow", build="sleep 30 & sleep 30")
    with Lifecycle(tmp_path / "root", [bp], app, build_timeout=1) as lc:
        built = lc.build()
    assert built.returncode == 51
    assert "ran longer than 1 s" in built.output
