"""What the dyno's processes see once every buildpack's .profile.d script has run.

Dynos source ``.profile.d/*.sh`` in alphabetical order, so this buildpack's script runs before
heroku/python's ``python.sh``, which only defaults ``PYTHONPATH`` to ``$HOME``
(https://devcenter.heroku.com/articles/buildpack-api#profile-d-scripts). The app's folder must
stay importable for processes that do not add their working folder to ``sys.path`` themselves
(``django-admin``, a script run by Heroku Scheduler).
"""

from __future__ import annotations

import os

from conftest import deploy_config

#: The lines heroku/python writes into .profile.d/python.sh (v351) that touch the import path.
HEROKU_PYTHON_PROFILE = """\
export PATH="$HOME/.heroku/python/bin:$PATH"
export PYTHONUNBUFFERED=true
export PYTHONPATH=${PYTHONPATH:-${HOME}}
"""


def test_the_app_stays_importable_after_heroku_pythons_profile(make_slug, s3server, bucket):
    slug = make_slug()
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static"))
    result = slug.compile()
    assert result.returncode == 0, result.output
    with open(os.path.join(slug.build_dir, ".profile.d", "python.sh"), "w") as handle:
        handle.write(HEROKU_PYTHON_PROFILE)
    probe = slug.run(
        "cd / && python -c 'import exampleapp.settings, django_s3_static.storage; print(42)'"
        ' && echo "$PYTHONPATH"'
    )
    assert probe.returncode == 0, probe.output
    first, path = probe.stdout.splitlines()
    assert first == "42"
    entries = path.split(":")
    assert entries[0] == slug.build_dir  # $HOME first, as heroku/python would have it
    assert entries[-1] == os.path.join(slug.build_dir, ".heroku", "django-s3-static")
