"""pip and Pipenv apps on the Python heroku/python leaves: pip installed for pip apps only,
``PYTHONHOME`` and heroku/python's ``.profile.d`` scripts on the dyno (uv and Poetry:
``test_heroku_python_managers``, whose description this file follows).
Each manager: the cold build and fast path, and the dynos, as there.
"""

from __future__ import annotations

import pytest

from support.heroku_apps import Builds, check_cold_build, check_dynos, check_fast_path

MANAGERS = ["pip", "pipenv"]


@pytest.fixture(scope="module")
def builds(s3server, tmp_path_factory) -> Builds:
    return Builds(s3server, tmp_path_factory)


@pytest.mark.parametrize("manager", MANAGERS)
def test_the_cold_build_installs_nothing_for_itself(builds, manager):
    check_cold_build(builds(manager))


@pytest.mark.parametrize("manager", MANAGERS)
def test_the_second_push_takes_the_committed_caches_fast_path(builds, manager):
    check_fast_path(builds(manager))


@pytest.mark.parametrize("order", ["ours-first", "ours-last"])
@pytest.mark.parametrize("manager", MANAGERS)
def test_web_one_off_and_worker_dynos_render_bucket_urls_in_either_order(builds, manager, order):
    check_dynos(builds(manager), order)
