"""Fixtures of the UI tests: a running stack, users of its identity provider, and headless Chromium."""

import urllib.parse
from pathlib import Path

import pytest
import requests

CHROMIUM = Path("/usr/bin/chromium")
# The screens a page opens on: a desktop window, and a common phone (touch, its own viewport rules).
SCREENS = {
    "desktop": {"viewport": {"width": 1100, "height": 700}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="session")
def ui_stack(tmp_path_factory):
    """The whole local stack on free ports: dynalite (seeded), the identity provider, the API and the UI server."""
    from devtools.local.stack import Stack

    data_dir = tmp_path_factory.mktemp("stack")
    stack = Stack(data_dir=data_dir, with_ui=True, quiet=True)
    with stack:
        yield stack


@pytest.fixture(scope="session")
def api_url(ui_stack):
    return ui_stack.api_url


class TodoApi:
    """The API over HTTP, to set up and check what the UI did: as ``user``, or as the demo owner (no token)."""

    def __init__(self, base, user=None):
        self.base = base
        self.http = requests.Session()
        if user is not None:
            self.http.headers.update(user.headers())

    def list(self):
        response = self.http.get(f"{self.base}/todos", timeout=10)
        response.raise_for_status()
        return response.json()

    def get(self, todo_id):
        return self.http.get(f"{self.base}/todos/{todo_id}", timeout=10)

    def create(self, **fields):
        body = {"memo": "", "priority": 3, **fields}
        response = self.http.post(f"{self.base}/todos", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def update(self, todo_id, **fields):
        response = self.http.put(f"{self.base}/todos/{todo_id}", json=fields, timeout=10)
        response.raise_for_status()
        return response.json()

    def titles(self):
        return [todo["title"] for todo in self.list()]


@pytest.fixture(scope="session")
def todo_api(api_url):
    """The demo owner's todos: what the page shows before anyone signs in."""
    return TodoApi(api_url)


@pytest.fixture(scope="session")
def pool(ui_stack):
    """The local identity provider's user pool, to make users and sign them in."""
    from devtools.local.accounts import Pool

    return Pool(client_id=ui_stack.auth["clientId"], endpoint=ui_stack.idp_url, region=ui_stack.auth["region"])


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import expect, sync_playwright

    # Two cores shared with other test runs: give assertions room before they fail.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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
        return [url for url in self.requests if urllib.parse.urlsplit(url).hostname != LOOPBACK]

    def unexpected_errors(self):
        return [error for error in self.errors if not any(mark in error for mark in self.allowed)]


@pytest.fixture
def open_page(browser):
    """Opens a page at a URL and waits until the list has loaded (or failed to); checks each page afterwards.

    Afterwards no request may have left 127.0.0.1, and the page may have had no
    console error or uncaught exception beyond those the test allowed.
    """
    contexts = []

    def open_at(url, before=None, screen="desktop"):
        """``before(page)`` runs before the page loads (routes, a fake clock); ``screen``: one of ``SCREENS``."""
        context = browser.new_context(locale="ja-JP", **SCREENS[screen])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.log = PageLog(page)
        if before is not None:
            before(page)
        page.goto(url)
        page.wait_for_selector("#todo-list[aria-busy=false]", state="attached")
        return page

    yield open_at
    logs = []
    for context in contexts:
        logs.extend(page.log for page in context.pages)
        context.close()
    for log in logs:
        assert log.outside_requests() == []
        assert log.unexpected_errors() == []


@pytest.fixture
def ui(open_page, ui_stack):
    """A page on the session's stack, loaded."""
    return open_page(f"{ui_stack.ui_url}/index.html")
