"""What the build's own process takes from the config vars (pure)."""

from django_s3_static.publish.environment import export_for_sdk


def test_only_the_credential_chain_and_network_settings_are_exported():
    env = {
        "AWS_PROFILE": "deploy",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token",
        "HTTPS_PROXY": "http://proxy.internal:3128",
        "AWS_SECRET_ACCESS_KEY": "never-exported",
        "SECRET_KEY": "never-exported",
        "PATH": "/evil",
        "AWS_CA_BUNDLE": "",
    }
    environ: dict[str, str] = {}
    names = export_for_sdk(env, environ)
    assert names == ["AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "HTTPS_PROXY"]
    assert environ == {k: env[k] for k in names}
