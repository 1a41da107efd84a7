"""Credentials from boto3's own chain, named by config vars: Heroku does not put config vars in
a buildpack's environment, so the build hands the chain's variables to its own process."""

from __future__ import annotations

from conftest import deploy_config

NO_KEYS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}


def test_a_shared_credentials_file_named_by_a_config_var(make_slug, s3server, bucket, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[deploy]\naws_access_key_id = {s3server.access_key}\n"
        f"aws_secret_access_key = {s3server.secret_key}\n"
    )
    slug = make_slug()
    slug.set_config(
        **deploy_config(s3server, bucket, AWS_LOCATION="static", **NO_KEYS),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_PROFILE="deploy",
    )
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert "Uploaded " in result.stdout
    assert s3server.secret_key not in result.output

    slug.set_config(AWS_PROFILE="nobody")  # a profile the file does not have: no credentials
    failed = slug.compile()
    assert failed.returncode == 1
    assert "The config profile (nobody) could not be found: AWS_PROFILE names no profile" in (
        failed.stdout
    )
    assert "Set AWS_PROFILE to one of their profiles" in failed.stdout
