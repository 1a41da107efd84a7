"""A real browser for the tests: Debian's Chromium driven by Playwright, as a visitor sees a page.

The HTTP-level checks (``dyno.check_assets``) prove every URL answers 200; only a browser shows
what a visitor gets: a font the bucket serves without ``Access-Control-Allow-Origin`` is fetched,
then thrown away; a script served with the wrong type does not run. ``Chromium.visit`` loads a
page in a fresh context (its own cache and cookies), records every request, failure and console
error, waits for the web fonts, reads the scripts' marks and takes a full-page screenshot.

Only the system browser is used (``/usr/bin/chromium``, ``apt-get install chromium``): Playwright
never downloads one here, and the launch flags keep Chromium off the network except for the pages
it is sent to. Playwright gives each launch a fresh temporary ``--user-data-dir`` and removes it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from dataclasses import dataclass, field

from .dyno import ROOT

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Where test runs write screenshots (git-ignored); the committed ones are in test/screenshots.
SCREENSHOT_DIR = os.path.join(ROOT, "test", ".cache", "screenshots")
COMMITTED_SCREENSHOT_DIR = os.path.join(ROOT, "test", "screenshots")

#: Waits for every @font-face to settle, then reports each face's status and document.fonts.check.
_FONTS_JS = """
async (families) => {
  await document.fonts.ready;
  const faces = {};
  for (const face of document.fonts) {
    faces[face.family.replace(/^["']|["']$/g, "")] = face.status;
  }
  const checks = {};
  for (const family of families) {
    checks[family] = document.fonts.check(`16px "${family}"`);
  }
  return {faces, checks};
}
"""


class BrowserMissing(RuntimeError):
    """Chromium or Playwright is not installed: the message says what to install."""


def chromium_path() -> str:
    """The system Chromium; a clear error (never a skip) when it is missing."""
    found = os.environ.get("DSS_TEST_CHROMIUM") or next(
        (path for path in CHROMIUM_CANDIDATES if os.access(path, os.X_OK)),
        shutil.which("chromium"),
    )
    if not found or not os.access(found, os.X_OK):
        raise BrowserMissing(
            "Chromium is not installed: the browser tests need Debian's package "
            "(apt-get update && apt-get install -y chromium), or DSS_TEST_CHROMIUM=/path/to/chrome"
        )
    return found


@dataclass
class Fetched:
    url: str
    resource_type: str  # Playwright's: document, stylesheet, script, image, font, fetch, ...
    status: int | None = None  # None: no response (blocked, refused, aborted)
    failure: str | None = None
    # With ``visit(measure=True)``, for each answered request:
    encoding: str | None = None  # the response's Content-Encoding
    body_bytes: int | None = None  # the body as transferred (encoded), from the DevTools protocol
    decoded_bytes: int | None = None  # the body after content decoding
    digest: str | None = None  # SHA-384 of the decoded body, as an integrity value


@dataclass
class PageVisit:
    url: str
    status: int | None
    requests: list[Fetched] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    font_faces: dict[str, str] = field(default_factory=dict)  # family -> FontFace.status
    font_checks: dict[str, bool] = field(default_factory=dict)  # family -> document.fonts.check
    dataset: dict[str, str] = field(default_factory=dict)  # <html data-*> set by the scripts
    evaluated: list[object] = field(default_factory=list)  # the ``evaluate`` expressions' values
    screenshot: str | None = None

    @property
    def failed(self) -> list[str]:
        """Every request that failed, answered an HTTP error or never finished, with why."""
        return [
            f"{r.url}: {r.failure or (f'HTTP {r.status}' if r.status else 'no answer')}"
            for r in self.requests
            if r.failure or r.status is None or r.status >= 400
        ]

    def of_type(self, *types: str) -> list[Fetched]:
        return [r for r in self.requests if r.resource_type in types]

    def summary(self) -> str:
        lines = [f"{self.url} -> {self.status}"]
        lines += [
            f"  {r.resource_type:10} {r.status} {r.failure or ''} {r.url}" for r in self.requests
        ]
        lines += [f"  console error: {e}" for e in self.console_errors]
        lines += [f"  page error: {e}" for e in self.page_errors]
        lines += [f"  fonts: {self.font_faces} checks: {self.font_checks}"]
        return "\n".join(lines)


class Chromium:
    """One headless Chromium for a test module; each visit gets a fresh context."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or chromium_path()
        self._playwright = None
        self._browser = None

    def __enter__(self) -> Chromium:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise BrowserMissing(
                "Playwright is not installed: pip install playwright==1.65.2 "
                "(it drives the system Chromium; no browser is downloaded)"
            ) from None
        # Never look for, or fetch, Playwright's own browser builds.
        os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, headless=True, args=LAUNCH_ARGS, timeout=60_000
            )
        except Exception:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    @property
    def version(self) -> str:
        return self._browser.version

    def visit(
        self,
        url: str,
        screenshot: str | None = None,
        fonts: tuple[str, ...] = (),
        dataset: tuple[str, ...] = (),
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
        evaluate: tuple[str, ...] = (),
        measure: bool = False,
    ) -> PageVisit:
        """Load ``url`` as a first-time visitor; record what the browser fetched and saw.

        ``headers``: extra request headers (``Accept-Encoding`` to ask for gzip only);
        ``evaluate``: JavaScript expressions whose values are kept once the page settled;
        ``measure``: each response's encoding, transferred and decoded sizes and digest.
        """
        context = self._browser.new_context(
            viewport={"width": 1024, "height": 640}, extra_http_headers=headers
        )
        context.set_default_timeout(timeout * 1000)
        page = context.new_page()
        visit = PageVisit(url, None)
        by_request: dict[object, Fetched] = {}
        responses: list[tuple[Fetched, object]] = []

        def on_request(request) -> None:
            by_request[request] = Fetched(request.url, request.resource_type)
            visit.requests.append(by_request[request])

        def on_response(response) -> None:
            fetched = by_request.get(response.request)
            if fetched is not None:
                fetched.status = response.status
                responses.append((fetched, response))

        def on_failed(request) -> None:
            fetched = by_request.get(request)
            if fetched is not None:
                fetched.failure = request.failure or "failed"

        def on_console(message) -> None:
            if message.type == "error":
                location = message.location or {}
                where = location.get("url", "")
                visit.console_errors.append(f"{message.text} ({where})" if where else message.text)

        page.on("request", on_request)
        page.on("response", on_response)
        page.on("requestfailed", on_failed)
        page.on("console", on_console)
        page.on("pageerror", lambda error: visit.page_errors.append(str(error)))
        try:
            response = page.goto(url, wait_until="load")
            visit.status = response.status if response else None
            result = page.evaluate(_FONTS_JS, list(fonts))
            # Late requests too (the favicon is fetched after "load"): every one must finish.
            page.wait_for_load_state("networkidle")
            visit.font_faces = result["faces"]
            visit.font_checks = result["checks"]
            visit.dataset = {
                name: page.evaluate("(n) => document.documentElement.dataset[n] || ''", name)
                for name in dataset
            }
            visit.evaluated = [page.evaluate(expression) for expression in evaluate]
            if measure:
                for fetched, response in responses:
                    _measure(fetched, response)
            if screenshot:
                os.makedirs(os.path.dirname(screenshot), exist_ok=True)
                page.screenshot(path=screenshot, full_page=True)
                visit.screenshot = screenshot
        finally:
            context.close()
        return visit


def _measure(fetched: Fetched, response) -> None:
    """Sizes and digest of one response: Playwright reads the transferred (encoded) body size
    from Chromium's DevTools protocol (Network.loadingFinished), and the body, decoded."""
    if fetched.failure or fetched.status is None or not 200 <= fetched.status < 300:
        return
    fetched.encoding = response.headers.get("content-encoding")
    fetched.body_bytes = response.request.sizes()["responseBodySize"]
    body = response.body()
    fetched.decoded_bytes = len(body)
    fetched.digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def screenshot_path(name: str) -> str:
    """Where a test run writes a screenshot: test/.cache/screenshots/<name>.png (git-ignored)."""
    return os.path.join(SCREENSHOT_DIR, f"{name}.png")
