"""bin/release keeps heroku/python's answer: the last buildpack's release output is the one the
platform uses, and heroku/python asks for heroku-postgresql for a Django app with psycopg2
(``BUILD_DIR/manage.py``, and its Python finds ``django`` and ``psycopg2``: heroku/python v351's
bin/release). The apps are laid out as heroku/python leaves them (``support.heroku_slug``)."""

from __future__ import annotations

import os
import shutil

from support.heroku_python import app_python
from support.heroku_slug import heroku_slug

POSTGRES = "---\naddons:\n  - heroku-postgresql\ndefault_process_types: {}\n"
NONE = "---\naddons: []\ndefault_process_types: {}\n"


def test_a_django_app_with_psycopg2_keeps_heroku_pythons_postgres_request(tmp_path):
    slug = heroku_slug(str(tmp_path / "pg"), app_python("uv-postgres"))
    released = slug.release()
    assert (released.returncode, released.stdout, released.stderr) == (0, POSTGRES, "")


def test_heroku_pythons_rule_wants_manage_py_at_the_root(tmp_path):
    slug = heroku_slug(str(tmp_path / "nested"), app_python("uv-postgres"))
    nested = os.path.join(slug.build_dir, "src")
    os.makedirs(nested)
    shutil.move(os.path.join(slug.build_dir, "manage.py"), nested)
    assert slug.release().stdout == NONE


def test_without_psycopg2_no_add_on_is_asked_for(tmp_path):
    slug = heroku_slug(str(tmp_path / "plain"), app_python("uv"))
    released = slug.release()
    assert (released.returncode, released.stdout) == (0, NONE)
