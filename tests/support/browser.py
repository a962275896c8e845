"""Where the browser tests find Chromium, what they do when it is missing, waiting for what a page did, and what a
page asked for and complained of."""

import time
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from devtools import settings

CHROMIUM = settings.CHROMIUM
# The screens a page opens on: a desktop window, and a common phone (touch, its own viewport rules).
SCREENS = {
    "desktop": {"viewport": {"width": 1100, "height": 700}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def require_chromium(path: Path, environ: Mapping[str, str]) -> None:
    """Stop the test when Chromium is not at ``path``: a failure in CI (``CI`` set), a skip elsewhere."""
    if path.exists():
        return
    missing = f"{path} is not installed (apt-get install chromium fonts-noto-cjk, or name another in HOBOPY_CHROMIUM)"
    if environ.get("CI"):
        pytest.fail(missing)
    pytest.skip(missing)


def eventually(check: Callable[[], object], seconds: float = 15) -> object:
    """Wait until ``check()`` holds (what the server holds changes after the page's requests); its last value."""
    deadline = time.monotonic() + seconds
    while not (held := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return held


def origin_of(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PageLog:
    """Every request the page made, and every console error and uncaught exception it had."""

    def __init__(self, page):
        self.requests = []
        self.errors = []
        self.allowed = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def allow(self, *marks):
        """Console errors containing one of ``marks`` are expected: Chromium logs every failed request."""
        self.allowed.extend(marks)

    def allow_status(self, *statuses):
        self.allow(*(f"status of {status} " for status in statuses))

    def outside_requests(self):
        return [url for url in self.requests if urllib.parse.urlsplit(url).hostname != settings.HOST]

    def other_origins(self, *origins):
        """Requests to any origin but ``origins`` (the page's own serves the API too, under /api/)."""
        return [url for url in self.requests if origin_of(url) not in origins]

    def unexpected_errors(self):
        return [error for error in self.errors if not any(mark in error for mark in self.allowed)]
