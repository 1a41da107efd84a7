"""The one exception type the build and the commands report to the user.

A ``S3StaticError`` carries what failed, why, and what to do; the entry points print it in Heroku's
style and exit non-zero. Anything else that escapes is a bug and is shown with its traceback.
"""

from __future__ import annotations


class S3StaticError(Exception):
    def __init__(
        self, title: str, *details: str, exit_code: int = 1, reported: bool = False
    ) -> None:
        super().__init__(title)
        self.title = title
        self.details = list(details)
        self.exit_code = exit_code
        #: True when a child process already printed the message; only the exit code remains.
        self.reported = reported
