"""Layer TOMLs, launch.toml and build.toml as the lifecycle reads them, and what a rebuild
restores of each kind of layer: the spec's "Layer Types" table, row by row (Buildpack API 0.10,
https://github.com/buildpacks/spec/blob/buildpack/0.10/buildpack.md#layer-types)."""

from __future__ import annotations

import itertools
import re

import pytest

from support.cnb import Lifecycle, write_buildpack
from support.cnb.layers import (
    LayerError,
    Restore,
    Types,
    merge_processes,
    parse_build_toml,
    parse_launch_toml,
    parse_layer_toml,
    restore_for,
    restored_toml,
)


def test_layer_toml_types_and_metadata():
    layer = parse_layer_toml(
        '[types]\nlaunch = true\ncache = true\n[metadata]\nversion = "3.13"\n', "x.toml"
    )
    assert layer.types == Types(launch=True, build=False, cache=True)
    assert layer.metadata == {"version": "3.13"}
    assert parse_layer_toml("", "x.toml").types.ignored
    # Keys the lifecycle does not know are ignored, as its TOML decoder ignores them.
    assert parse_layer_toml("[types]\nlaunch = true\nshared = 1\n", "x.toml").types.launch


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("launch = true\n", "should be in the types table"),
        ('[types]\nbuild = "yes"\n', "not a boolean"),
        ("types = 1\n", "not a table"),
        ("[types\n", "not TOML"),
    ],
)
def test_layer_toml_refusals(text, refusal):
    with pytest.raises(LayerError, match=refusal):
        parse_layer_toml(text, "x.toml")


def test_restored_metadata_keeps_no_types():
    text = restored_toml({"version": "1", "nested": {"a": [1, 2]}})
    assert "types" not in text
    assert parse_layer_toml(text, "x").metadata == {"version": "1", "nested": {"a": [1, 2]}}
    assert restored_toml(None) == ""


#: The spec's table, (build, cache, launch) -> (metadata restored from, contents restored).
SPEC_TABLE = [
    (True, True, True, "image", True),
    (True, True, False, "cache", True),
    (True, False, True, None, False),
    (True, False, False, None, False),
    (False, True, True, "image", True),
    (False, True, False, "cache", True),
    (False, False, True, "image", False),
    (False, False, False, None, False),
]


@pytest.mark.parametrize(("build", "cache", "launch", "source", "contents"), SPEC_TABLE)
def test_restore_table(build, cache, launch, source, contents):
    assert restore_for(Types(launch, build, cache)) == Restore(source, contents)


def _name(build: bool, cache: bool, launch: bool) -> str:
    return f"b{int(build)}c{int(cache)}l{int(launch)}"


FIRST_BUILD = "\n".join(
    f'mkdir -p "$CNB_LAYERS_DIR/{_name(b, c, lo)}"\n'
    f'echo contents > "$CNB_LAYERS_DIR/{_name(b, c, lo)}/file"\n'
    f"printf '[types]\\nbuild = {str(b).lower()}\\ncache = {str(c).lower()}\\n"
    f'launch = {str(lo).lower()}\\n[metadata]\\nname = "{_name(b, c, lo)}"\\n\' '
    f'> "$CNB_LAYERS_DIR/{_name(b, c, lo)}.toml"'
    for b, c, lo in itertools.product((True, False), repeat=3)
)
# Second build: report what came back, and declare nothing (the layers are then ignored).
REPORT = """
for toml in "$CNB_LAYERS_DIR"/b*.toml; do
    name="$(basename "$toml" .toml)"
    metadata="$(grep -c "name = \\"$name\\"" "$toml")"
    echo "RESTORED $name metadata=$metadata types=$(grep -c types "$toml")"
done
for dir in "$CNB_LAYERS_DIR"/b*/; do echo "CONTENTS $(basename "$dir") $(cat "$dir/file")"; done
"""


def test_a_rebuild_restores_each_row_of_the_table(tmp_path):
    """Through the harness: a buildpack writes one layer per row, with contents and metadata;
    the rebuild's buildpack sees exactly what the spec's table gives back."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "phase").write_text("first")
    build = f'if [[ "$(cat phase)" == first ]]; then\n{FIRST_BUILD}\nelse\n{REPORT}\nfi'
    buildpack = write_buildpack(tmp_path / "bp", "test/layers", build=build)
    with Lifecycle(tmp_path / "root", [buildpack], app) as lc:
        lc.build().check()
        (app / "phase").write_text("second")
        log = lc.build(app_source=app).check().output
    found = re.findall(r'Restoring metadata for "test/layers:(\S+)" from (app image|cache)', log)
    sources = {name: where.removeprefix("app ") for name, where in found}
    assert sources == {_name(b, c, lo): where for b, c, lo, where, _ in SPEC_TABLE if where}
    metadata = set(re.findall(r"RESTORED (\S+) metadata=1 types=0", log))
    contents = set(re.findall(r"CONTENTS (\S+) contents", log))
    expected_metadata = {_name(b, c, lo) for b, c, lo, source, _ in SPEC_TABLE if source}
    expected_contents = {_name(b, c, lo) for b, c, lo, _, restored in SPEC_TABLE if restored}
    assert metadata == expected_metadata
    assert contents == expected_contents
    assert "RESTORED" in log and "types=1" not in log


def test_launch_toml_processes():
    text = """
[[processes]]
type = "web"
command = ["bash", "-c"]
args = ["gunicorn app.wsgi"]
default = true

[[processes]]
type = "release"
command = ["bash", "-c"]
args = ["python manage.py migrate"]
working-dir = "sub"
"""
    web, release = parse_launch_toml(text, "0.10", "launch.toml", "heroku/procfile")
    assert (web.type, web.command, web.args, web.default) == (
        "web",
        ["bash", "-c"],
        ["gunicorn app.wsgi"],
        True,
    )
    assert (release.working_dir, release.default, release.buildpack_id) == (
        "sub",
        False,
        "heroku/procfile",
    )
    assert parse_launch_toml("", "0.10", "launch.toml", "x") == []


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ('[[processes]]\ntype = "web"\ncommand = "gunicorn"\n', "not a list of strings"),
        ('[[processes]]\ntype = "web"\ncommand = ["a"]\ndirect = true\n', "direct"),
        ('[[processes]]\ntype = "a/b"\ncommand = ["a"]\n', "holds one of"),
        ('[[processes]]\ncommand = ["a"]\n', "without a type"),
        (
            '[[processes]]\ntype = "a"\ncommand = ["a"]\ndefault = true\n'
            '[[processes]]\ntype = "b"\ncommand = ["b"]\ndefault = true\n',
            "multiple default",
        ),
    ],
)
def test_launch_toml_refusals(text, refusal):
    with pytest.raises(LayerError, match=refusal):
        parse_launch_toml(text, "0.10", "launch.toml", "x")


def test_launch_toml_before_api_0_9_takes_a_string_command():
    (process,) = parse_launch_toml('[[processes]]\ntype = "w"\ncommand = "go"\n', "0.8", "l", "x")
    assert process.command == ["go"]


def test_processes_merge_as_the_lifecycle_does():
    first = parse_launch_toml(
        '[[processes]]\ntype = "web"\ncommand = ["a"]\ndefault = true\n', "0.10", "l", "one"
    )
    second = parse_launch_toml('[[processes]]\ntype = "web"\ncommand = ["b"]\n', "0.10", "l", "two")
    merged, default, warning = merge_processes({}, "", first)
    assert (default, merged["web"].command) == ("web", ["a"])
    merged, default, warning = merge_processes(merged, default, second)
    assert (default, merged["web"].command) == ("", ["b"])
    assert "redefining the following default process type" in warning


def test_build_toml_unmet_must_name_a_plan_entry():
    assert parse_build_toml('[[unmet]]\nname = "python"\n', "b", ["python"]) == ["python"]
    with pytest.raises(LayerError, match="must match a requested dependency"):
        parse_build_toml('[[unmet]]\nname = "node"\n', "b", ["python"])
    with pytest.raises(LayerError, match="required"):
        parse_build_toml("[[unmet]]\n", "b", ["python"])
