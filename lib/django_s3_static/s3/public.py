"""What a visitor's browser gets: one anonymous GET, and the bucket policy that allows it.

The policy lets anyone read every object of the bucket but the release records: those list the
app's INSTALLED_APPS, its AppConfig hashes and Django's version, which are nobody's business. It
names them with ``NotResource``, "every resource except these"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html),
limited by the statement to ``s3:GetObject`` and, as a bucket policy, to this bucket. A records
folder is ``.manifests/`` at the top or at any depth (a review app's prefix inside production's):
``*`` in an ARN matches any characters, slashes included
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

from ..config import Config

#: Where every prefix keeps its release records (``format.names.RECORDS_DIR``, which the S3
#: client may not import).
RECORDS_DIR = ".manifests"


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
    """The bucket policy that lets browsers GET the static files, and not the records."""
    bucket = f"arn:aws:s3:::{config.bucket}"
    statement = {
        "Sid": "PublicReadStaticNotRecords",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "NotResource": [f"{bucket}/{RECORDS_DIR}/*", f"{bucket}/*/{RECORDS_DIR}/*"],
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
