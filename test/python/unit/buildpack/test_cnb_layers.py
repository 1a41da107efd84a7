"""This buildpack's CNB layers (``buildpack.cnb_layers``): when the cached layer is emptied, what
the runtime layer's ``env.launch`` holds, and when the previous image's runtime layer is kept."""

from __future__ import annotations

import os

import pytest

from django_s3_static.buildpack import cnb_layers, layers
from django_s3_static.buildpack.cnb_layers import Launch
from django_s3_static.publish.release import APP_ID_FILE

KEY = {"python": "3.13.0", "requirements": "0123456789abcdef"}


def test_the_cache_key_follows_the_python_and_the_pinned_requirements(tmp_path):
    (tmp_path / "urllib3.txt").write_text("urllib3==2.5.0 --hash=sha256:aa\n")
    first = cnb_layers.cache_key("3.13.0", str(tmp_path))
    assert first == cnb_layers.cache_key("3.13.0", str(tmp_path))
    assert cnb_layers.cache_key("3.13.1", str(tmp_path))["requirements"] == first["requirements"]
    (tmp_path / "urllib3.txt").write_text("urllib3==2.6.0 --hash=sha256:bb\n")
    assert cnb_layers.cache_key("3.13.0", str(tmp_path))["requirements"] != first["requirements"]
    assert cnb_layers.cache_key()["python"].count(".") == 2  # this Python, X.Y.Z


def test_every_reason_to_empty_the_cache_is_named():
    assert cnb_layers.cache_changes(KEY, dict(KEY)) == []
    changed = {"python": "3.14.0", "requirements": "fedcba9876543210"}
    assert cnb_layers.cache_changes(KEY, changed) == [
        "the Python changed from 3.13.0 to 3.14.0",
        "the build helper's pinned requirements changed",
    ]
    assert cnb_layers.cache_changes(None, KEY) == ["it has no metadata this buildpack can read"]


def restore(layers_dir, name: str) -> None:
    """What the lifecycle leaves before a rebuild: the metadata without ``[types]``."""
    metadata = layers.read_metadata(str(layers_dir), name)
    with open(layers_dir / f"{name}.toml", "w") as handle:
        handle.write("[metadata]\n" + "".join(f'{k} = "{v}"\n' for k, v in metadata.items()))


def test_a_restored_cache_of_the_same_key_is_kept(tmp_path, capsys):
    folder = cnb_layers.prepare_cache(str(tmp_path), KEY)
    os.makedirs(os.path.join(folder, "django-s3-static", "urllib3-py3.13-abc"))
    restore(tmp_path, cnb_layers.CACHE_LAYER)
    assert cnb_layers.prepare_cache(str(tmp_path), KEY) == folder
    assert os.listdir(os.path.join(folder, "django-s3-static")) == ["urllib3-py3.13-abc"]
    assert "Emptied" not in capsys.readouterr().out
    text = (tmp_path / "build-cache.toml").read_text()
    assert text.startswith("[types]\nlaunch = false\nbuild = false\ncache = true\n")


def test_a_cache_of_another_python_is_emptied_but_the_apps_label(tmp_path, capsys):
    folder = cnb_layers.prepare_cache(str(tmp_path), KEY)
    os.makedirs(os.path.join(folder, "django-s3-static", "bytecode", "k"))
    with open(os.path.join(folder, APP_ID_FILE), "w") as handle:
        handle.write("0a1b2c3d\n")
    restore(tmp_path, cnb_layers.CACHE_LAYER)
    cnb_layers.prepare_cache(str(tmp_path), {**KEY, "python": "3.14.0"})
    assert os.listdir(folder) == [APP_ID_FILE]
    said = capsys.readouterr().out
    assert "Emptied the build cache layer: the Python changed from 3.13.0 to 3.14.0" in said
    assert layers.read_metadata(str(tmp_path), cnb_layers.CACHE_LAYER)["python"] == "3.14.0"


def test_restored_contents_without_readable_metadata_are_not_trusted(tmp_path):
    folder = tmp_path / cnb_layers.CACHE_LAYER
    (folder / "django-s3-static").mkdir(parents=True)
    (tmp_path / "build-cache.toml").write_text("[metadata\n")
    cnb_layers.prepare_cache(str(tmp_path), KEY)
    assert os.listdir(folder) == []


def launch(**fields) -> Launch:
    values = dict(
        layer_dir="/layers/dss/runtime",
        own_lib=True,
        cache_path="/workspace/static_cache",
        settings="mysite.settings",
        promotes=False,
    )
    return Launch(**{**values, **fields})


def test_the_launch_environment_is_profile_ds_as_files():
    assert cnb_layers.launch_env(launch()) == {
        "PYTHONPATH.prepend": "/layers/dss/runtime/site",
        "PYTHONPATH.append": "/layers/dss/runtime/lib",
        "PYTHONPATH.delim": ":",
        "DJANGO_S3_STATIC_CACHE_PATH.default": "/workspace/static_cache",
        "DJANGO_S3_STATIC_BUILD_SETTINGS.override": "mysite.settings",
    }


def test_an_apps_own_installation_gets_no_runtime_on_the_path_and_promotion_is_said():
    files = cnb_layers.launch_env(launch(own_lib=False, promotes=True))
    assert "PYTHONPATH.append" not in files
    assert files["DJANGO_S3_STATIC_RELEASE_PROMOTES.override"] == "1"


@pytest.mark.parametrize("settings", ["a b", "$(touch pwned)", "x'y"])
def test_values_are_written_as_they_are(settings):
    """No shell reads these files (the spec: contents are never evaluated)."""
    files = cnb_layers.launch_env(launch(settings=settings))
    assert files["DJANGO_S3_STATIC_BUILD_SETTINGS.override"] == settings


def test_the_runtime_layer_is_written_then_kept_when_unchanged(tmp_path):
    args = ("/workspace/static_cache", "mysite.settings", False, str(tmp_path / "cache"))
    assert cnb_layers.install_runtime_layer(str(tmp_path), *args) is False
    runtime = tmp_path / cnb_layers.RUNTIME_LAYER
    assert (runtime / "site" / "sitecustomize.py").is_file()  # a layer: no .pth can reach it
    assert (runtime / "env.launch" / "PYTHONPATH.prepend").read_text() == f"{runtime}/site"
    digest = layers.read_metadata(str(tmp_path), cnb_layers.RUNTIME_LAYER)["digest"]
    assert digest == layers.tree_digest(str(runtime))
    restore(tmp_path, cnb_layers.RUNTIME_LAYER)
    assert cnb_layers.install_runtime_layer(str(tmp_path), *args) is True
    assert not runtime.exists()  # the lifecycle keeps the previous image's layer
    assert (tmp_path / "runtime.toml").read_text().startswith("[types]\nlaunch = true\n")
    # Another settings module: another layer.
    other = ("/workspace/static_cache", "mysite.prod", False, str(tmp_path / "cache"))
    assert cnb_layers.install_runtime_layer(str(tmp_path), *other) is False
    assert (runtime / "env.launch" / "DJANGO_S3_STATIC_BUILD_SETTINGS.override").is_file()
