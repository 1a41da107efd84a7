import os
from pathlib import Path
from types import SimpleNamespace

from django_s3_static.collect import heroku_collectstatic as hc


def test_the_committed_file_skips_it_even_with_the_config_var_at_0(tmp_path):
    (tmp_path / ".heroku").mkdir()
    (tmp_path / ".heroku" / "collectstatic_disabled").write_text("")
    assert hc.skipped_by(str(tmp_path), {"DISABLE_COLLECTSTATIC": "0"}, {}) == (
        "the file .heroku/collectstatic_disabled"
    )


def test_a_link_to_a_file_counts_a_folder_does_not(tmp_path):
    """heroku/python tests the path with bash's -f: a regular file, following links."""
    (tmp_path / ".heroku").mkdir()
    (tmp_path / "target").write_text("")
    os.symlink(tmp_path / "target", tmp_path / ".heroku" / "collectstatic_disabled")
    assert hc.skipped_by(str(tmp_path), {}, {}) is not None
    os.remove(tmp_path / ".heroku" / "collectstatic_disabled")
    (tmp_path / ".heroku" / "collectstatic_disabled").mkdir()
    assert hc.skipped_by(str(tmp_path), {}, {}) is None


def test_any_config_var_value_but_0_or_empty_skips_it(tmp_path):
    """``"${DISABLE_COLLECTSTATIC:-0}" != "0"``: false, no and a space count as set."""
    for value in ("1", "true", "false", "no", " "):
        assert hc.skipped_by(str(tmp_path), {"DISABLE_COLLECTSTATIC": value}, {}) == (
            f"DISABLE_COLLECTSTATIC={value}"
        )
    for value in ("0", ""):
        assert hc.skipped_by(str(tmp_path), {"DISABLE_COLLECTSTATIC": value}, {}) is None
    assert hc.skipped_by(str(tmp_path), {}, {}) is None


def test_the_config_var_wins_over_the_environment(tmp_path):
    """heroku/python exports ENV_DIR over its environment (export_env)."""
    environ = {"DISABLE_COLLECTSTATIC": "1"}
    assert hc.skipped_by(str(tmp_path), {"DISABLE_COLLECTSTATIC": "0"}, environ) is None
    assert hc.skipped_by(str(tmp_path), {}, environ) == "DISABLE_COLLECTSTATIC=1"


def test_settings_facts_read_static_root_and_the_storage():
    settings = SimpleNamespace(
        STATIC_ROOT=Path("/app/staticfiles"),
        STORAGES={"staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"}},
        STATICFILES_DIRS=[Path("/app/assets"), ("vendor", "/app/vendor/static"), None],
    )
    assert hc.settings_facts(settings) == {
        "static_root": "/app/staticfiles",
        "staticfiles_backend": "storages.backends.s3.S3Storage",
        "uploading_collectstatic": None,
        "staticfiles_dirs": ["/app/assets", "/app/vendor/static"],
    }
    assert hc.settings_facts(SimpleNamespace(STATIC_ROOT=None, STORAGES=None)) == {
        "static_root": None,
        "staticfiles_backend": None,
        "uploading_collectstatic": None,
        "staticfiles_dirs": [],
    }


def test_leftovers_count_files_inside_the_slug_only(tmp_path):
    root = tmp_path / "staticfiles"
    (root / "css").mkdir(parents=True)
    (root / "css" / "a.css").write_bytes(b"x" * 10)
    (root / "b.js").write_bytes(b"y" * 5)
    assert hc.leftovers(str(tmp_path), str(root)) == (2, 15)
    assert hc.leftovers(str(tmp_path), "staticfiles") == (2, 15)  # relative to the app
    assert hc.leftovers(str(tmp_path / "app"), str(root)) is None  # outside the slug
    assert hc.leftovers(str(tmp_path), str(tmp_path / "missing")) is None
    assert hc.leftovers(str(tmp_path), None) is None


def test_the_warning_says_what_it_left_what_it_costs_and_the_fix(tmp_path, capsys):
    root = tmp_path / "staticfiles"
    root.mkdir()
    (root / "a.css").write_bytes(b"x" * 2048)
    facts = {"static_root": str(root), "staticfiles_backend": "storages.backends.s3.S3Storage"}
    hc.warn_if_it_ran(str(tmp_path), {}, facts)
    printed = capsys.readouterr().out
    assert "heroku/python ran its own collectstatic before this buildpack" in printed
    assert "(DISABLE_COLLECTSTATIC is not set)" in printed
    assert "It left 1 file (2.0 KiB) in staticfiles/ (STATIC_ROOT)" in printed
    assert "storages.backends.s3.S3Storage, so it also sent the files to S3" in printed
    assert "a second collectstatic" in printed
    assert " !     Turn it off: heroku config:set DISABLE_COLLECTSTATIC=1" in printed
    assert ".heroku/collectstatic_disabled" in printed


def test_the_warning_shows_a_value_of_0(tmp_path, capsys):
    hc.warn_if_it_ran(str(tmp_path), {"DISABLE_COLLECTSTATIC": "0"}, {})
    printed = capsys.readouterr().out
    assert "(DISABLE_COLLECTSTATIC=0)" in printed
    assert "It left" not in printed


def test_no_warning_when_either_switch_skips_it(tmp_path, capsys):
    hc.warn_if_it_ran(str(tmp_path), {"DISABLE_COLLECTSTATIC": "1"}, {})
    (tmp_path / ".heroku").mkdir()
    (tmp_path / ".heroku" / "collectstatic_disabled").write_text("")
    hc.warn_if_it_ran(str(tmp_path), {}, {})
    assert capsys.readouterr().out == ""
