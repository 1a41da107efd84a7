"""Cross-origin reads of web fonts: check the bucket's CORS configuration, or add the one rule.

A ``@font-face`` font is fetched in CORS mode, and S3 sends no CORS header without a configuration:
on a new bucket every font is refused while all else works. It is a simple request, so only ``GET``
matters. A tag with ``integrity`` is ``crossorigin="anonymous"`` and refused without CORS too
(https://www.w3.org/TR/SRI/#cross-origin-data-leakage).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence

from .. import output
from ..config import Config
from ..errors import S3StaticError
from ..s3.bucket import Bucket
from ..s3.errors import error_code
from ..settings_table import SETTINGS

#: What ``@font-face`` loads: the extensions that make a static tree need a CORS rule.
FONT_EXTENSIONS = (".woff", ".woff2", ".ttf", ".otf", ".eot")
#: What the integrity tags load: scripts and stylesheets.
SCRIPT_STYLE_EXTENSIONS = (".js", ".mjs", ".css")
INTEGRITY_SETTING = SETTINGS["integrity"].name
PIPELINE_INTEGRITY_SETTING = SETTINGS["pipeline_integrity"].name
FONTS = "the fonts"
SCRIPTS = "the scripts and stylesheets rendered with integrity"
ORIGINS_SETTING = SETTINGS["cors_origins_value"].name
SET_CORS_SETTING = SETTINGS["set_cors"].name
#: The ID of the rule the build writes, so a later build replaces it instead of adding another.
RULE_ID = "django-s3-static-fonts"
#: How long browsers may cache a preflight answer (fonts need none, other readers may).
MAX_AGE_SECONDS = 86400
#: S3 refuses a configuration with more rules than this.
MAX_RULES = 100

_ORIGIN = re.compile(r"^https?://[a-z0-9.\-\[\]:*]+$")


def has_fonts(names: Iterable[str]) -> bool:
    """True when any of the static files is a web font (the only kind that needs CORS)."""
    return any(name.lower().endswith(FONT_EXTENSIONS) for name in names)


def readers(names: Iterable[str], config: Config, tags_used: bool | None = None) -> str | None:
    """What the pages read from the bucket in CORS mode, for the messages; None when nothing is.

    Scripts and stylesheets count only with integrity on and rendered by this package's tags
    (``tags_used``: the app's templates use them; None, it could not tell) or django-pipeline's.
    """
    names = list(names)
    fonts = has_fonts(names)
    rendered = tags_used is not False or config.pipeline_integrity == "on"
    scripts = (
        config.integrity == "on"
        and rendered
        and any(name.lower().endswith(SCRIPT_STYLE_EXTENSIONS) for name in names)
    )
    if fonts and scripts:
        return f"{FONTS}, and {SCRIPTS}"
    return FONTS if fonts else SCRIPTS if scripts else None


def parse_origins(value: str | None) -> tuple[str, ...]:
    """The origins of ``DJANGO_S3_STATIC_CORS_ORIGINS``, checked and normalized; empty is any.

    S3 compares origins as strings and a browser's ``Origin`` is lower case with no path, so
    ``https://Example.com/`` would never match.
    """
    raw = (value or "").strip() or SETTINGS["cors_origins_value"].default
    origins: list[str] = []
    for part in raw.split(","):
        origin = part.strip().rstrip("/").lower()
        if not origin:
            continue
        if origin != "*" and (not _ORIGIN.match(origin) or origin.count("*") > 1):
            raise S3StaticError(
                f"{ORIGINS_SETTING} has an origin browsers never send: {part.strip()!r}.",
                "Write each as scheme://host[:port] with no path, separated by commas; '*' is any",
                "origin and one '*' may stand inside one (https://*.example.com). For example:",
                f"  heroku config:set {ORIGINS_SETTING}=https://www.example.com,"
                "https://example.herokuapp.com",
            )
        if origin not in origins:
            origins.append(origin)
    if not origins:
        raise S3StaticError(
            f"{ORIGINS_SETTING} names no origin: {value!r}.",
            "Unset it (any origin may load the fonts) or list the site's origins, comma-separated.",
        )
    return tuple(origins)


def _covers(pattern: str, origin: str) -> bool:
    """Whether an ``AllowedOrigins`` entry admits ``origin``, or all that the pattern covers."""
    if pattern == origin:
        return True
    if "*" not in pattern:
        return False
    head, _, tail = pattern.partition("*")
    if "*" in origin:
        start, _, end = origin.partition("*")
        return start.startswith(head) and end.endswith(tail)
    return (
        len(origin) >= len(head) + len(tail) and origin.startswith(head) and origin.endswith(tail)
    )


def allows(rules: Sequence[Mapping] | None, origin: str) -> bool:
    """Whether a bucket's ``CORSRules`` let ``origin`` (or every origin of a pattern) GET."""
    for rule in rules or ():
        if "GET" not in rule.get("AllowedMethods", ()):
            continue
        if any(_covers(pattern, origin) for pattern in rule.get("AllowedOrigins", ())):
            return True
    return False


def allows_all(rules: Sequence[Mapping] | None, origins: Iterable[str]) -> bool:
    return all(allows(rules, origin) for origin in origins)


def rule_for(origins: Iterable[str]) -> dict:
    """The rule to add: GET and HEAD from ``origins``, any header, a day of preflight cache."""
    return {
        "ID": RULE_ID,
        "AllowedOrigins": list(origins),
        "AllowedMethods": ["GET", "HEAD"],
        "AllowedHeaders": ["*"],
        "MaxAgeSeconds": MAX_AGE_SECONDS,
    }


def merged_rules(existing: Sequence[Mapping] | None, origins: Iterable[str]) -> list[dict]:
    """The bucket's rules with ours last, replacing ours: ``PutBucketCors`` replaces them all."""
    kept = [dict(rule) for rule in existing or () if rule.get("ID") != RULE_ID]
    return [*kept, rule_for(origins)]


def rule_json(origins: Iterable[str], existing: Sequence[Mapping] | None = None) -> str:
    """The ``--cors-configuration`` for ``aws s3api put-bucket-cors``, keeping ``existing``."""
    return json.dumps({"CORSRules": merged_rules(existing, origins)})


def put_command(bucket: str, origins: Iterable[str], existing: Sequence[Mapping] | None) -> str:
    """The shell command that applies ``rule_json``, each argument quoted for a POSIX shell.

    The bucket's existing rules are written by whoever could put them: a rule ID holding
    ``'; curl ... | sh; '`` must stay one argument when the printed command is pasted. The JSON
    is ASCII on one line (``json.dumps`` escapes the rest), so the command is one log line.
    """
    return (
        f"aws s3api put-bucket-cors --bucket {shlex.quote(bucket)} "
        f"--cors-configuration {shlex.quote(rule_json(origins, existing))}"
    )


def read_rules(config: Config) -> list[dict] | None:
    """The bucket's ``CORSRules``; None when it has no CORS configuration. Other errors raise."""
    with Bucket(config) as bucket:
        return bucket.get_cors()


def add_rule(
    config: Config, origins: Iterable[str], existing: Sequence[Mapping] | None = None
) -> list[dict]:
    """Add the rule for ``origins``, keeping the bucket's other rules; returns the rules written."""
    origins = list(origins)
    if existing is None:
        existing = read_rules(config)
    rules = merged_rules(existing, origins)
    if len(rules) > MAX_RULES:
        raise S3StaticError(
            f"Cannot add a CORS rule to bucket {config.bucket!r}: it already has "
            f"{len(rules) - 1} rules and S3 allows {MAX_RULES}.",
            "Merge some of them, or add the fonts' origins to one of them yourself.",
        )
    with Bucket(config) as bucket:
        bucket.put_cors(rules)
    return rules


def _rule_for(what: str) -> str:
    return "fonts' CORS rule" if what == FONTS else f"CORS rule for {what}"


def _who(origins: Sequence[str]) -> str:
    return "any site (*)" if list(origins) == ["*"] else ", ".join(origins)


def check_bucket(
    config: Config, origins: Sequence[str], set_cors: bool = False, what: str = FONTS
) -> str:
    """Make sure browsers on ``origins`` may read ``what``, or say how.

    Returns ``"allowed"``, ``"added"``, ``"missing"`` or ``"unknown"``. A missing rule fails the
    build only when django-pipeline's tags render integrity (every page needs them), or
    ``set_cors`` cannot add it.
    """

    who = _who(origins)
    bucket = config.bucket
    required = what != FONTS and config.pipeline_integrity == "on"
    try:
        rules = read_rules(config)
    except Exception as exc:
        code = error_code(exc) or type(exc).__name__
        if set_cors:
            raise S3StaticError(
                f"Cannot read the CORS configuration of bucket {bucket!r} ({code}), so "
                f"{SET_CORS_SETTING} cannot add the CORS rule without losing the others.",
                "Grant the IAM user s3:GetBucketCORS and s3:PutBucketCORS on "
                f"arn:aws:s3:::{bucket}, or set {SET_CORS_SETTING}=0 and apply it yourself:",
                put_command(bucket, origins, None),
            ) from None
        output.warn(
            f"Cannot read the CORS configuration of bucket {bucket!r} ({code}); browsers may "
            f"refuse {what}.",
            [
                "They are read cross-origin: the bucket must allow GET from the site. Grant",
                f"s3:GetBucketCORS on arn:aws:s3:::{bucket} so the build can check, or make sure",
                "the bucket has this rule (this command replaces its whole CORS configuration):",
                "",
                put_command(bucket, origins, None),
            ],
        )
        return "unknown"
    if allows_all(rules, origins):
        output.info(f"CORS checked: the bucket lets {who} load {what}")
        return "allowed"
    kept = [r for r in rules or () if r.get("ID") != RULE_ID]
    if set_cors:
        try:
            add_rule(config, origins, rules)
        except S3StaticError:
            raise
        except Exception as exc:
            code = error_code(exc) or type(exc).__name__
            raise S3StaticError(
                f"Cannot add the {_rule_for(what)} to bucket {bucket!r} ({code}).",
                f"Grant the IAM user s3:PutBucketCORS on arn:aws:s3:::{bucket}, or set "
                f"{SET_CORS_SETTING}=0 and apply it yourself:",
                put_command(bucket, origins, rules),
            ) from None
        output.info(
            f"CORS rule added ({SET_CORS_SETTING}): the bucket now lets {who} load {what}"
            + (f"; its {len(kept)} other rule(s) kept" if kept else "")
        )
        return "added"
    title = (
        f"Browsers will refuse {what}: the CORS configuration of bucket {bucket!r} does not "
        f"let {who} read them."
    )
    kept_text = f" (the bucket's {len(kept)} other rule(s) are kept):" if kept else ":"
    why = (
        [
            "Web fonts are read cross-origin and need Access-Control-Allow-Origin; stylesheets,",
            "scripts and images load anyway, so only the fonts are missing. Apply this rule"
            + kept_text,
        ]
        if what == FONTS
        else [
            'A script or stylesheet with an integrity digest is rendered crossorigin="anonymous":',
            "browsers read it in CORS mode and refuse it without Access-Control-Allow-Origin, so",
            "the page loses its scripts and styles. Apply this rule" + kept_text,
        ]
    )
    fixes = [
        *why,
        "",
        put_command(bucket, origins, rules),
        "",
        "or let the build add it (needs s3:GetBucketCORS and s3:PutBucketCORS):",
        f"  heroku config:set {SET_CORS_SETTING}=1",
    ]
    if what != FONTS:
        off = PIPELINE_INTEGRITY_SETTING if required else INTEGRITY_SETTING
        fixes.append(f"(or render the tags without integrity: heroku config:set {off}=off)")
    if list(origins) == ["*"]:
        fixes.append(f"({ORIGINS_SETTING} can narrow it to the site's origins.)")
    if required:
        raise S3StaticError(title, *fixes)
    output.warn(title, fixes)
    return "missing"
