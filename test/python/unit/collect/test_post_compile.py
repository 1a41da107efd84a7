"""``bin/post_compile`` running collectstatic: read from the script's text, shell comments
ignored, and said as a fact with its cost and what to change (``collect.post_compile``)."""

from __future__ import annotations

import os

import pytest

from django_s3_static.collect import heroku_collectstatic, post_compile

#: cookiecutter-django's, as it ships for Heroku.
COOKIECUTTER = """#!/usr/bin/env bash

compress_enabled() {
python << END
import sys
sys.exit(0)
END
}

python manage.py collectstatic --noinput
python manage.py compilemessages -i site-packages
"""


@pytest.mark.parametrize(
    "line",
    [
        "python manage.py collectstatic --noinput",
        "./manage.py collectstatic --noinput --clear",
        "python src/manage.py collectstatic -v 0",
        '"$PYTHON" manage.py collectstatic --noinput  # Collectfasta uploads',
        "django-admin collectstatic --noinput --settings=config.settings.production",
        "python -m django collectstatic --noinput",
        "uv run python manage.py collectstatic --noinput && echo done",
        "cd app; python manage.py collectstatic",
    ],
)
def test_every_spelling_of_a_collectstatic_run_is_found(line):
    command = post_compile.without_comment(line).strip()
    assert post_compile.collectstatic_lines(f"#!/bin/bash\n{line}\n") == [(2, command)]


@pytest.mark.parametrize(
    "line",
    [
        "# python manage.py collectstatic --noinput",
        "   #python manage.py collectstatic",
        "python manage.py compilemessages  # collectstatic runs in the buildpack now",
        "echo 'not running collectstatic'",
        "rm -f .heroku/collectstatic_disabled",
        "export DISABLE_COLLECTSTATIC=1",
    ],
)
def test_comments_echoes_and_other_words_are_not_runs(line):
    assert post_compile.collectstatic_lines(line + "\n") == []


def test_a_hash_inside_quotes_or_a_word_starts_no_comment():
    assert post_compile.without_comment("echo '#not' a#b # c") == "echo '#not' a#b "
    assert post_compile.without_comment('x="a # b" # c') == 'x="a # b" '


def write_hook(build_dir, text: str) -> None:
    os.makedirs(build_dir / "bin", exist_ok=True)
    (build_dir / "bin" / "post_compile").write_text(text)


def lines_of(capsys) -> list[str]:
    return [line.strip() for line in capsys.readouterr().out.splitlines()]


def test_cookiecutters_hook_is_said_with_collectfastas_cost_and_the_line_to_delete(
    tmp_path, capsys
):
    write_hook(tmp_path, COOKIECUTTER)
    facts = {
        "static_root": None,
        "staticfiles_backend": "storages.backends.s3.S3Storage",
        "uploading_collectstatic": "collectfasta",
    }
    post_compile.report(str(tmp_path), facts)
    said = lines_of(capsys)
    assert said[0] == (
        "bin/post_compile runs collectstatic (line 10: python manage.py collectstatic --noinput);"
        " heroku/python runs it before this buildpack, in every build."
    )
    assert said[1].startswith(
        "It sends the static files to S3 itself, through collectfasta, with "
        "STORAGES['staticfiles'] storages.backends.s3.S3Storage"
    )
    assert said[-1] == (
        "Delete the collectstatic line from bin/post_compile and keep its other commands "
        "(compilemessages, say)."
    )
    assert not any(line.startswith("!") for line in said)  # a fact, not a warning


def test_a_hook_that_only_collects_is_to_be_deleted_and_its_leftovers_counted(tmp_path, capsys):
    write_hook(tmp_path, "#!/bin/sh\nset -e\n# upload\npython manage.py collectstatic --noinput\n")
    os.makedirs(tmp_path / "staticfiles")
    (tmp_path / "staticfiles" / "a.css").write_text("a{}")
    facts = heroku_collectstatic.settings_facts(
        type("S", (), {"STATIC_ROOT": "staticfiles", "STORAGES": {}, "INSTALLED_APPS": []})
    )
    post_compile.report(str(tmp_path), facts)
    said = lines_of(capsys)
    assert any(line.startswith("It left 1 file (") for line in said), said
    assert said[-1] == "It does nothing else: delete bin/post_compile."


def test_no_hook_or_a_hook_without_collectstatic_says_nothing(tmp_path, capsys):
    post_compile.report(str(tmp_path), {})
    write_hook(tmp_path, "#!/bin/sh\npython manage.py compilemessages\n")
    post_compile.report(str(tmp_path), {})
    assert capsys.readouterr().out == ""


def test_the_settings_name_the_app_that_uploads_in_collectstatic():
    settings = type("S", (), {"INSTALLED_APPS": ["collectfasta", "django.contrib.staticfiles"]})
    assert heroku_collectstatic.settings_facts(settings)["uploading_collectstatic"] == (
        "collectfasta"
    )
