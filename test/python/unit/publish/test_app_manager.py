"""Which package manager an app uses, as heroku/python decides it, and the advice that follows."""

from __future__ import annotations

import pytest

from django_s3_static.publish.app_manager import how_to_add, manager_in, manager_of


@pytest.mark.parametrize(
    "files, expected",
    [
        (["uv.lock", "pyproject.toml"], "uv add urllib3"),
        (["poetry.lock", "pyproject.toml"], "poetry add urllib3"),
        (["Pipfile", "Pipfile.lock"], "pipenv install urllib3"),
        (["requirements.txt"], "add urllib3 to requirements.txt"),
        # heroku/python's order: Pipfile.lock, requirements.txt, poetry.lock, uv.lock
        (["requirements.txt", "uv.lock"], "add urllib3 to requirements.txt"),
        (["Pipfile.lock", "requirements.txt"], "pipenv install urllib3"),
    ],
)
def test_the_advice_names_the_apps_own_manager_and_command(tmp_path, files, expected):
    for name in files:
        (tmp_path / name).write_text("")
    assert expected in how_to_add("urllib3", manager_in(str(tmp_path)))


def test_the_manager_is_found_above_a_nested_manage_py_but_not_further(tmp_path):
    (tmp_path / "uv.lock").write_text("")
    nested = tmp_path / "src" / "site"
    nested.mkdir(parents=True)
    assert manager_of(str(nested)).name == "uv"
    too_deep = nested / "one" / "more"
    too_deep.mkdir(parents=True)
    assert manager_of(str(too_deep)) is None


def test_without_a_manager_file_the_advice_lists_the_files_it_looked_for(tmp_path):
    advice = how_to_add("boto3", manager_of(str(tmp_path)))
    assert advice.startswith("Add boto3 to the app's dependencies")
    for name in ("Pipfile.lock", "requirements.txt", "poetry.lock", "uv.lock"):
        assert name in advice
