"""CNB layers as files (``buildpack.layers``): the layer TOML, what a rebuild restores of it, the
environment file names, and what makes two layers the same."""

from __future__ import annotations

import os

import pytest
import tomllib

from django_s3_static.buildpack import layers
from django_s3_static.buildpack.layers import Types


def test_the_layer_toml_spells_out_every_type_and_the_metadata():
    text = layers.layer_toml(Types(cache=True), {"python": "3.13.0", "requirements": 'ab"c'})
    assert text == (
        "[types]\nlaunch = false\nbuild = false\ncache = true\n\n"
        '[metadata]\npython = "3.13.0"\nrequirements = "ab\\"c"\n'
    )
    assert tomllib.loads(text) == {
        "types": {"launch": False, "build": False, "cache": True},
        "metadata": {"python": "3.13.0", "requirements": 'ab"c'},
    }


def test_a_metadata_key_toml_would_need_to_quote_is_refused():
    with pytest.raises(ValueError):
        layers.layer_toml(Types(), {"a key": "x"})


#: What the lifecycle writes back before a rebuild: the metadata without ``[types]``, in its own
#: TOML encoder's layout (indented keys).
RESTORED = '[metadata]\n  digest = "abc"\n  python = "3.13.0"\n'


@pytest.mark.parametrize("reader", [layers.parse_metadata, layers._flat_metadata])
def test_restored_metadata_is_read_with_or_without_tomllib(reader):
    assert reader(RESTORED) == {"digest": "abc", "python": "3.13.0"}
    written = layers.layer_toml(Types(launch=True), {"digest": "é\\\n"})
    assert reader(written) == {"digest": "é\\\n"}


@pytest.mark.parametrize("reader", [layers.parse_metadata, layers._flat_metadata])
def test_metadata_that_cannot_be_read_is_none_so_the_layer_is_made_again(reader):
    assert reader("[metadata]\ndigest = 12\n") is None
    assert reader('[metadata\ndigest = "x') is None


def test_a_missing_layer_toml_has_no_metadata(tmp_path):
    assert layers.read_metadata(str(tmp_path), "runtime") is None
    layers.write_layer_toml(str(tmp_path), "runtime", Types(launch=True), {"digest": "x"})
    assert layers.read_metadata(str(tmp_path), "runtime") == {"digest": "x"}


def test_the_names_the_spec_reserves_are_refused(tmp_path):
    for name in ("build", "launch", "store"):
        with pytest.raises(ValueError):
            layers.write_layer_toml(str(tmp_path), name, Types(), {})


def test_environment_file_names_are_the_variable_and_a_rule():
    assert layers.env_file_name("PYTHONPATH", "prepend") == "PYTHONPATH.prepend"
    assert layers.env_file_name("X") == "X.override"
    for variable, rule in (("PYTHON.PATH", "prepend"), ("X", "replace"), ("1X", "default")):
        with pytest.raises(ValueError):
            layers.env_file_name(variable, rule)


def test_environment_files_hold_the_value_exactly(tmp_path):
    layers.write_env_dir(str(tmp_path), "env.launch", {"A.override": "x y", "B.delim": ":"})
    layers.write_env_dir(str(tmp_path), "env.launch", {"A.override": "z"})  # replaces
    folder = tmp_path / "env.launch"
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"A.override": "z"}


def test_the_digest_sees_contents_names_and_modes_but_not_times(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.py").write_text("x = 1\n")
    first = layers.tree_digest(str(tmp_path))
    os.utime(tmp_path / "a" / "f.py", (0, 0))  # the lifecycle resets file times
    assert layers.tree_digest(str(tmp_path)) == first
    os.chmod(tmp_path / "a" / "f.py", 0o755)
    assert layers.tree_digest(str(tmp_path)) != first
    os.chmod(tmp_path / "a" / "f.py", 0o644)
    (tmp_path / "a" / "f.py").write_text("x = 2\n")
    assert layers.tree_digest(str(tmp_path)) != first
    (tmp_path / "a" / "f.py").write_text("x = 1\n")
    (tmp_path / "a" / "f.py").rename(tmp_path / "a" / "g.py")
    assert layers.tree_digest(str(tmp_path)) != first
