"""Fixtures of the UI tests: the UI's Python on the path, a running stack, and headless Chromium."""
import sys
import urllib.parse
from pathlib import Path

import pytest
import requests

from devtools import engine

FRONTEND_SOURCE = Path(__file__).resolve().parents[2] / "frontend" / "src"
if str(FRONTEND_SOURCE) not in sys.path:
    sys.path.insert(0, str(FRONTEND_SOURCE))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="session")
def ui_stack(tmp_path_factory):
    """The whole local stack on free ports: dynalite (seeded Todos table), ``chalice local`` and the UI server."""
    from devtools.stack import Stack

    data_dir = tmp_path_factory.mktemp("stack")
    stack = Stack(db_port=engine.free_port(), api_port=engine.free_port(), ui_port=engine.free_port(),
                  data_dir=data_dir, with_ui=True, quiet=True)
    with stack:
        yield stack


@pytest.fixture(scope="session")
def api_url(ui_stack):
    return ui_stack.api_url


class TodoApi:
    """The API over HTTP, to set up and check what the UI did."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()

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
    return TodoApi(api_url)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

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
        self.allowed_statuses = ()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def outside_requests(self):
        return [url for url in self.requests if urllib.parse.urlsplit(url).hostname != LOOPBACK]

    def unexpected_errors(self):
        # Chromium logs every 4xx answer as "Failed to load resource"; a test
        # names in allowed_statuses the ones it provokes on purpose.
        allowed = [f"status of {status} " for status in self.allowed_statuses]
        return [error for error in self.errors if not any(mark in error for mark in allowed)]


@pytest.fixture
def ui(browser, ui_stack):
    """A fresh page on the running UI, loaded; afterwards, no request left 127.0.0.1 and nothing went wrong."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1100, "height": 700})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = PageLog(page)
    page.goto(f"{ui_stack.ui_url}/index.html")
    page.wait_for_selector("#todo-list[aria-busy=false]", state="attached")
    page.log = log
    try:
        yield page
    finally:
        context.close()
    assert log.outside_requests() == []
    assert log.unexpected_errors() == []
