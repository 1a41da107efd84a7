"""What prune_static warns about: apps sharing the prefix, and records whose names lie."""

from __future__ import annotations

import time
from collections.abc import Mapping

from ... import output
from ...config import Config
from ...format.records import RECORDS_DIR, parse, stamp_time
from ...prune.plan import RecordChoice
from ...s3.types import RemoteObject


def warn_apps(config: Config, choice: RecordChoice, keep: int) -> None:
    """More than one app records its releases here: name them, say what each kept, and how to
    count two labels of one app as one."""
    if len(choice.apps) < 2:
        return
    named = [f"{label} ({len(found)})" for label, found in choice.apps.items()]
    where = f"{config.bucket}/{config.key_prefix}"
    hint = ",".join(str(parse(found[-1]).app) for found in list(choice.apps.values())[:2])
    output.warn(
        f"{len(named)} apps record their releases under {where}: "
        + ", ".join(named[:-1])
        + f" and {named[-1]}.",
        [
            f"--keep {keep} counted the releases of each app on its own (each keeps its last "
            f"{keep}); records without an app (publish_static's, and those of earlier versions) "
            f"keep their own last {keep} and take no app's place.",
            "Give each app its own prefix: heroku config:set AWS_LOCATION=static-<app> "
            "--app <app> (its next build uploads there); then prune each prefix on its own.",
            "If two labels are one app (a renamed app, a purged build cache), count them as one: "
            f"--same-app {hint}",
            f"An app that left this prefix keeps its last {keep} here until its records are "
            f"deleted ({config.key(RECORDS_DIR)}/*-<label>.json).",
            "A label is the app's HEROKU_APP_NAME config var, else an id kept in its build "
            "cache (cache-...): each build prints it (Recorded this release as ...).",
        ],
    )


def warn_untrusted(
    config: Config, choice: RecordChoice, inventory: Mapping[str, RemoteObject], keep: int
) -> None:
    """Records whose names claim a time S3 contradicts: kept, counted for no app, named."""
    if not choice.untrusted:
        return
    first = choice.untrusted[0]
    claimed = stamp_time(parse(first).stamp)
    stored = inventory[first].modified
    count = len(choice.untrusted)
    output.warn(
        f"{count} record{'s' * (count != 1)} under {config.bucket}/{config.key_prefix} "
        f"claim{'s' * (count == 1)} a time S3 contradicts: {config.key(first)} says "
        f"{_shown(claimed)}, S3 stored it {_shown(stored)}.",
        [
            f"They were kept, with everything they use, and counted for no app's last {keep}: "
            "whoever writes a record chooses its name, S3 alone sets LastModified.",
            "Every build writes its record's name from the time of writing. If no build of "
            "yours wrote these, someone holding keys that may write to the bucket did: delete "
            f"them (aws s3 rm s3://{config.bucket}/{config.key(first)}) and rotate those keys.",
            "(A copy of the bucket gives every object the time of the copy: delete the copied "
            "records no release needs the same way.)",
        ],
    )


def _shown(when: float | None) -> str:
    if when is None:
        return "no valid time"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(when))
    except (OverflowError, ValueError, OSError):
        return "no valid time"
