"""The config vars of a build: read from ENV_DIR, passed on with care, never printed.

https://devcenter.heroku.com/articles/buildpack-api#bin-compile
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping

from ..config import SECRET_SETTINGS

#: Config vars never passed to the app's processes at build time (heroku/python's rule).
UNSAFE_ENV = re.compile(r"^(PATH|GIT_DIR|CPATH|CPPATH|LD_.*|LIBRARY_PATH|PYTHONHOME|PYTHONPATH)$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Config vars whose names say they hold a secret: redacted from the build log too (a settings
#: error may quote the value it choked on).
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|(^|_)KEY$")
#: A value that is a private key is a secret whatever its config var is called (``SAML_PEM``).
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def read_env_dir(path: str) -> dict[str, str]:
    """Heroku's ENV_DIR: one file per config var, the file name is the key."""
    values: dict[str, str] = {}
    if not path or not os.path.isdir(path):
        return values
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if ENV_NAME.match(name) and os.path.isfile(full):
            with open(full, encoding="utf-8", errors="replace") as handle:
                values[name] = handle.read().rstrip("\n")
    return values


def app_env(env_dir_values: Mapping[str, str]) -> dict[str, str]:
    """The config vars the app's own processes may see at build time."""
    return {
        k: v for k, v in env_dir_values.items() if ENV_NAME.match(k) and not UNSAFE_ENV.match(k)
    }


def secret_values(env: Mapping[str, str]) -> list[str]:
    """What the build must never print: secret-named config vars, private keys, and the password
    of any URL."""
    found = []
    for name, value in env.items():
        if name in SECRET_SETTINGS or SECRET_NAME.search(name) or PRIVATE_KEY.search(value):
            found.append(value)
        elif "://" in value:
            try:
                password = urllib.parse.urlsplit(value.strip()).password
            except ValueError:
                password = None
            if password:
                found += [password, urllib.parse.unquote(password)]
    return found


#: Config vars the AWS credential chain and the network read, exported to the helper's own
#: process (https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html).
SDK_ENV = frozenset(
    {
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_CA_BUNDLE",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
        "https_proxy",
        "http_proxy",
        "no_proxy",
    }
)


def export_for_sdk(env: Mapping[str, str], environ: dict[str, str] | None = None) -> list[str]:
    """Put the ``SDK_ENV`` config vars into this process's environment; their names."""
    target = os.environ if environ is None else environ
    names = sorted(name for name in env if name in SDK_ENV and env[name])
    for name in names:
        target[name] = env[name]
    return names
