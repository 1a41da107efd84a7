"""What a visitor's browser gets: one anonymous GET, and the bucket policy that allows it."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

from ..config import Config


def fetch_public(url: str, timeout: float = 10.0, verify: bool | str = True) -> str | None:
    """GET a URL without credentials, as a browser would; None when it answers 200."""
    request = urllib.request.Request(url, headers={"User-Agent": "django-s3-static public check"})
    context = None  # loading the system's CA certificates is most of a plain-HTTP check
    if url.startswith("https:"):
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            response.read(1)
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"no answer ({reason})"


def public_read_policy(config: Config) -> str:
    """The bucket policy that lets browsers GET the static files, and nothing else."""
    statement = {
        "Sid": "PublicReadStatic",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{config.bucket}/{config.key_prefix}*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
