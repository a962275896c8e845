"""Fixtures of the UI tests: a running stack, users of its identity provider, and headless Chromium."""

import json
import os
import subprocess
import sys

import pytest

from tests.support.browser import CHROMIUM, SCREENS, PageLog, origin_of, require_chromium
from tests.support.todoapi import ADMIN_MADE, TodoApi

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# An account an administrator made with a temporary password, before the stack started.
@pytest.fixture(scope="session")
def ui_stack(tmp_path_factory):
    """The whole local stack on free ports: dynalite (seeded), the identity provider, the API and the UI server;
    its users hold the account ``ADMIN_MADE``."""
    from devtools.local.stack import Stack
    from devtools.settings import ROOT

    data_dir = tmp_path_factory.mktemp("stack")
    # As the README makes the first user of a deployed pool; locally, administrative actions are served only
    # in-process, on the provider's folder while no provider serves it.
    email, password = ADMIN_MADE
    parameters = {
        "Username": email,
        "TemporaryPassword": password,
        "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        "MessageAction": "SUPPRESS",
    }
    command = [
        "devtools.local.idp",
        "admin",
        "--data-dir",
        str(data_dir / "idp"),
        "AdminCreateUser",
        json.dumps(parameters),
    ]
    subprocess.run([sys.executable, "-m", *command], cwd=ROOT, check=True, capture_output=True, timeout=60)
    stack = Stack(data_dir=data_dir, with_ui=True, quiet=True)
    with stack:
        yield stack


@pytest.fixture(scope="session")
def api_url(ui_stack):
    return ui_stack.api_url


@pytest.fixture(scope="session")
def page_api_url(ui_stack):
    """Where the page calls the API: under /api/ on its own origin."""
    return f"{ui_stack.ui_url}/api"


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
    require_chromium(CHROMIUM, os.environ)
    from playwright.sync_api import expect, sync_playwright

    # Two cores shared with other test runs: give assertions room before they fail.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser):
    """Opens a page at a URL and waits until the list has loaded (or failed to); checks each page afterwards.

    Afterwards no request may have left 127.0.0.1 or gone to a port other than the page's and the identity
    provider's, and the page may have had no console error or uncaught exception beyond those the test allowed.
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
        provider = page.evaluate("(window.hobopyConfig.auth || {}).endpoint || null")
        page.log.origins = [origin_of(url), *([origin_of(provider)] if provider else [])]
        return page

    yield open_at
    logs = []
    for context in contexts:
        logs.extend(page.log for page in context.pages)
        context.close()
    for log in logs:
        assert log.outside_requests() == []
        assert log.other_origins(*log.origins) == []
        assert log.unexpected_errors() == []


@pytest.fixture
def ui(open_page, ui_stack):
    """A page on the session's stack, loaded."""
    return open_page(f"{ui_stack.ui_url}/index.html")
