"""The harness's environment rules against libcnb.rs's own test vectors and the spec's ordering
rules (Buildpack API 0.10, "Environment Variable Modification Rules", "Layer Paths").

The vectors are ported as data from heroku/libcnb.rs ``libcnb/src/layer_env.rs`` at commit
65e42badcb4a9a6d3862a49cb5beab0723af68ea (its tests, which port buildpacks/lifecycle
``env/env_test.go`` at a7428a55, and its doc examples). Where libcnb and the lifecycle differ,
the harness follows the lifecycle, which is what runs on the platform: a ``.default`` applies when
the variable is empty (libcnb: when it is unset), and a file's ``.delim`` is the one in its own
folder.
"""

from __future__ import annotations

import os

import pytest

from support.cnb.env_files import (
    add_root_dirs,
    apply_files,
    build_base_env,
    launch_base_env,
    read_env_dir,
    with_build_layer,
    with_launch_layers,
    with_platform_env,
)


def write_layer(folder, files: dict[str, str], dirs: tuple[str, ...] = ()) -> str:
    """A layer folder: ``files`` by relative path, then empty ``dirs``."""
    for relative, text in files.items():
        path = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
    for relative in dirs:
        os.makedirs(os.path.join(folder, relative), exist_ok=True)
    return str(folder)


def _in_scope(scope: str, layer: str) -> dict[str, str]:
    return (
        with_build_layer({}, layer) if scope == "build" else with_launch_layers({}, [layer], None)
    )


# reference_impl_env_files_have_a_suffix_it_performs_the_matching_action
SUFFIX_FILES = {
    "VAR_APPEND.append": "value-append",
    "VAR_APPEND_NEW.append": "value-append",
    "VAR_APPEND_DELIM.append": "value-append-delim",
    "VAR_APPEND_DELIM_NEW.append": "value-append-delim",
    "VAR_APPEND_DELIM.delim": "[]",
    "VAR_APPEND_DELIM_NEW.delim": "[]",
    "VAR_PREPEND.prepend": "value-prepend",
    "VAR_PREPEND_NEW.prepend": "value-prepend",
    "VAR_PREPEND_DELIM.prepend": "value-prepend-delim",
    "VAR_PREPEND_DELIM_NEW.prepend": "value-prepend-delim",
    "VAR_PREPEND_DELIM.delim": "[]",
    "VAR_PREPEND_DELIM_NEW.delim": "[]",
    "VAR_DEFAULT.default": "value-default",
    "VAR_DEFAULT_NEW.default": "value-default",
    "VAR_OVERRIDE.override": "value-override",
    "VAR_OVERRIDE_NEW.override": "value-override",
    "VAR_IGNORE.ignore": "value-ignore",
}
SUFFIX_BEFORE = {
    "VAR_APPEND": "value-append-orig",
    "VAR_APPEND_DELIM": "value-append-delim-orig",
    "VAR_PREPEND": "value-prepend-orig",
    "VAR_PREPEND_DELIM": "value-prepend-delim-orig",
    "VAR_DEFAULT": "value-default-orig",
    "VAR_OVERRIDE": "value-override-orig",
}
SUFFIX_AFTER = {
    "VAR_APPEND": "value-append-origvalue-append",
    "VAR_APPEND_DELIM": "value-append-delim-orig[]value-append-delim",
    "VAR_APPEND_DELIM_NEW": "value-append-delim",
    "VAR_APPEND_NEW": "value-append",
    "VAR_DEFAULT": "value-default-orig",
    "VAR_DEFAULT_NEW": "value-default",
    "VAR_OVERRIDE": "value-override",
    "VAR_OVERRIDE_NEW": "value-override",
    "VAR_PREPEND": "value-prependvalue-prepend-orig",
    "VAR_PREPEND_DELIM": "value-prepend-delim[]value-prepend-delim-orig",
    "VAR_PREPEND_DELIM_NEW": "value-prepend-delim",
    "VAR_PREPEND_NEW": "value-prepend",
}
# reference_impl_env_files_have_no_suffix_default_action_is_override
NO_SUFFIX_FILES = {
    "VAR_NORMAL": "value-normal",
    "VAR_NORMAL_NEW": "value-normal",
    "VAR_NORMAL_DELIM": "value-normal-delim",
    "VAR_NORMAL_DELIM_NEW": "value-normal-delim",
    "VAR_NORMAL_DELIM.delim": "[]",
    "VAR_NORMAL_DELIM_NEW.delim": "[]",
}
NO_SUFFIX_BEFORE = {
    "VAR_NORMAL": "value-normal-orig",
    "VAR_NORMAL_DELIM": "value-normal-delim-orig",
}
NO_SUFFIX_AFTER = {
    "VAR_NORMAL": "value-normal",
    "VAR_NORMAL_DELIM": "value-normal-delim",
    "VAR_NORMAL_DELIM_NEW": "value-normal-delim",
    "VAR_NORMAL_NEW": "value-normal",
}


@pytest.mark.parametrize(
    ("files", "before", "after"),
    [
        (SUFFIX_FILES, SUFFIX_BEFORE, SUFFIX_AFTER),
        (NO_SUFFIX_FILES, NO_SUFFIX_BEFORE, NO_SUFFIX_AFTER),
        # The module doc's example: append to "foo", a default over "previous-value".
        (
            {"VAR.append": "bar", "VAR2.default": "default"},
            {"VAR": "foo", "VAR2": "previous-value"},
            {"VAR": "foobar", "VAR2": "previous-value"},
        ),
    ],
    ids=["suffixes", "no suffix is override", "doc example"],
)
def test_libcnb_env_dir_vectors(tmp_path, files, before, after):
    folder = write_layer(tmp_path / "env", files)
    assert apply_files(before, read_env_dir(folder)) == after


def test_libcnb_root_dirs_are_prepended_for_build(tmp_path):
    """reference_impl_add_root_dir_should_append_posix_directories."""
    layer = write_layer(tmp_path / "layer", {}, ("bin", "lib"))
    before = {"PATH": "some", "LD_LIBRARY_PATH": "some-ld", "LIBRARY_PATH": "some-library"}
    assert with_build_layer(before, layer) == {
        "LD_LIBRARY_PATH": f"{layer}/lib:some-ld",
        "LIBRARY_PATH": f"{layer}/lib:some-library",
        "PATH": f"{layer}/bin:some",
    }


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("launch", {"PATH": "bin", "LD_LIBRARY_PATH": "lib"}),
        (
            "build",
            {
                "PATH": "bin",
                "LD_LIBRARY_PATH": "lib",
                "LIBRARY_PATH": "lib",
                "CPATH": "include",
                "PKG_CONFIG_PATH": "pkgconfig",
            },
        ),
    ],
)
def test_libcnb_layer_paths_by_scope(tmp_path, scope, expected):
    """read_from_layer_dir_layer_paths_launch / _build."""
    layer = write_layer(tmp_path / "layer", {}, ("bin", "lib", "include", "pkgconfig"))
    env = _in_scope(scope, layer)
    assert env == {name: f"{layer}/{child}" for name, child in expected.items()}


@pytest.mark.parametrize(
    ("child", "name", "scope"),
    [("bin", "PATH", "build"), ("bin", "PATH", "launch"), ("lib", "LIBRARY_PATH", "build")],
)
def test_libcnb_layer_paths_come_before_manually_added_paths(tmp_path, child, name, scope):
    """layer_paths_come_before_manually_added_paths (libcnb.rs issue 900): the layer's own
    folder is added first, so a ``.prepend`` file (no ``.delim``) goes in front, unseparated."""
    folder = "env.build" if scope == "build" else "env.launch"
    layer = write_layer(tmp_path / "layer", {f"{folder}/{name}.prepend": "test-value"}, (child,))
    env = _in_scope(scope, layer)
    assert env[name] == f"test-value{layer}/{child}"


def test_libcnb_scopes_of_one_layer(tmp_path):
    """layer_env_insert: build sees ``env/`` then ``env.build/``, never ``env.launch/``; and at
    launch an ``.append`` without ``.delim`` concatenates (the spec's Append)."""
    layer = write_layer(
        tmp_path / "layer",
        {
            "env.build/MAVEN_OPTS.append": "-Dskip.tests=true",
            "env/JAVA_TOOL_OPTIONS.override": "-Xmx1G",
            "env.build/JAVA_TOOL_OPTIONS.override": "-Xmx2G",
            "env.launch/JAVA_TOOL_OPTIONS.append": "-XX:+UseSerialGC",
        },
    )
    assert with_build_layer({}, layer) == {
        "JAVA_TOOL_OPTIONS": "-Xmx2G",
        "MAVEN_OPTS": "-Dskip.tests=true",
    }
    assert with_launch_layers({}, [layer], None) == {"JAVA_TOOL_OPTIONS": "-Xmx1G-XX:+UseSerialGC"}


def test_libcnb_default_and_bin_at_launch(tmp_path):
    """The ``read_from_layer_dir`` doc example."""
    layer = write_layer(
        tmp_path / "layer", {"env/ZERO_WING.default": "ALL_YOUR_BASE_ARE_BELONG_TO_US"}, ("bin",)
    )
    assert with_launch_layers({}, [layer], None) == {
        "PATH": f"{layer}/bin",
        "ZERO_WING": "ALL_YOUR_BASE_ARE_BELONG_TO_US",
    }


def test_default_applies_to_an_empty_variable():
    """The spec: "only ... if the environment variable is empty" (the lifecycle's check)."""
    assert apply_files({"X": ""}, [("X.default", "d")]) == {"X": "d"}
    assert apply_files({"X": "set"}, [("X.default", "d")]) == {"X": "set"}


def test_contents_are_raw_never_shell_evaluated(tmp_path):
    text = "$HOME `id` $(id) 'quoted' \"double\"\n\ttrailing space \n"
    folder = write_layer(tmp_path / "env", {"RAW": text, "RAW2.append": " x"})
    assert apply_files({}, read_env_dir(folder)) == {"RAW": text, "RAW2": " x"}


def test_files_apply_in_name_order_and_folders_are_skipped(tmp_path):
    """``X`` (override) sorts before ``X.append``: the append goes onto the file's value."""
    folder = write_layer(tmp_path / "env", {"X.append": "-b", "X": "a", "Y.unknown": "u"}, ("Z",))
    assert apply_files({"X": "old"}, read_env_dir(folder)) == {"X": "a-b"}


def test_a_trailing_dot_prepends_with_the_path_separator():
    """The lifecycle's ActionTypePrependPath: a file named ``NAME.``."""
    assert apply_files({"P": "/old"}, [("P.", "/new")]) == {"P": "/new:/old"}


def _two_buildpacks(tmp_path, first: dict[str, dict], second: dict[str, dict]):
    """Buildpack folders of layer folders: {layer name: files}."""
    result = []
    for index, layers in enumerate((first, second)):
        result.append(
            [
                write_layer(tmp_path / f"bp{index}" / name, files)
                for name, files in sorted(layers.items())
            ]
        )
    return result


def _launch(buildpacks, process=None):
    env: dict[str, str] = {}
    for layers in buildpacks:
        env = with_launch_layers(env, layers, process)
    return env


def test_spec_order_across_buildpacks_and_layers(tmp_path):
    """Append: earlier buildpacks first, a buildpack's layers in name order; prepend: the
    reverse; default: the earliest wins; override: the latest wins."""
    files = {
        "A.append": "{v}",
        "A.delim": ":",
        "P.prepend": "{v}",
        "P.delim": ":",
        "D.default": "{v}",
        "O.override": "{v}",
    }

    def layer(value: str) -> dict[str, str]:
        return {f"env/{name}": text.format(v=value) for name, text in files.items()}

    env = _launch(
        _two_buildpacks(
            tmp_path, {"a": layer("1a"), "b": layer("1b")}, {"a": layer("2a"), "b": layer("2b")}
        )
    )
    assert env == {"A": "1a:1b:2a:2b", "P": "2b:2a:1b:1a", "D": "1a", "O": "2b"}


def test_spec_order_within_a_layer(tmp_path):
    """``env/``, then ``env.launch/``, then ``env.launch/<process>/``; each folder's ``.delim``
    joins that folder's files."""
    files = {}
    for folder, value in (("env", "1"), ("env.launch", "2"), ("env.launch/web", "3")):
        files |= {f"{folder}/A.append": value, f"{folder}/A.delim": ":"}
        files |= {f"{folder}/P.prepend": value, f"{folder}/P.delim": ":"}
        files |= {f"{folder}/D.default": value, f"{folder}/O": value}
    layer = write_layer(tmp_path / "layer", files)
    assert with_launch_layers({}, [layer], "web") == {
        "A": "1:2:3",
        "P": "3:2:1",
        "D": "1",
        "O": "3",
    }
    assert with_launch_layers({}, [layer], "worker") == {"A": "1:2", "P": "2:1", "D": "1", "O": "2"}
    assert with_launch_layers({}, [layer], None)["O"] == "2"


def test_launch_adds_every_layer_path_before_any_env_file(tmp_path):
    """launcher.go doEnv: a buildpack's root folders first, then its layers' env files: a later
    layer's ``bin/`` comes before an earlier layer's prepended ``PATH`` entry."""
    first = write_layer(tmp_path / "a", {"env/PATH.prepend": "/first:"}, ("bin",))
    second = write_layer(tmp_path / "b", {}, ("bin",))
    env = with_launch_layers({"PATH": "/usr/bin"}, [first, second], None)
    assert env["PATH"] == f"/first:{second}/bin:{first}/bin:/usr/bin"


def test_platform_env_overrides_and_prepends_path_variables():
    env = {"PATH": "/layer/bin:/usr/bin", "X": "old", "CPATH": ""}
    platform = {"PATH": "/mine", "X": "new", "CPATH": "/inc", "Y": "y"}
    assert with_platform_env(env, platform) == {
        "PATH": "/mine:/layer/bin:/usr/bin",
        "X": "new",
        "CPATH": "/inc",
        "Y": "y",
    }


def test_base_environments():
    host = {"PATH": "/usr/bin", "HOME": "/h", "LANG": "C.UTF-8", "HTTP_PROXY": "p", "X": "x"}
    assert build_base_env(host) == {"PATH": "/usr/bin", "HOME": "/h", "HTTP_PROXY": "p"}
    launcher = {"PATH": "/cnb/process:/usr/bin", "CNB_APP_DIR": "/w", "CNB_LAYERS_DIR": "/l"}
    assert launch_base_env({**launcher, "X": "x"}) == {"PATH": "/usr/bin", "X": "x"}


def test_a_root_folder_that_is_a_file_counts_as_the_lifecycle_stats_it(tmp_path):
    layer = write_layer(tmp_path / "layer", {"bin": "not a folder"})
    assert add_root_dirs({}, layer, {"bin": ("PATH",)}) == {"PATH": f"{layer}/bin"}
