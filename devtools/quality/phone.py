"""The page on a phone profile: how long until a long list is on screen, and what the page's own files weigh.

A throwaway local stack on free ports, its demo owner's list filled to ``todos`` todos, opened in headless
Chromium at 390 x 844 with the CPU slowed 4x, 150 ms of latency and 1.6 Mbit/s down (Chrome DevTools Protocol).
Each load is timed from the start of navigation to the first frame painted after the last row went in; the bytes
are those the page's own HTML, CSS and JavaScript, and the API's answers, took on the wire. Each way of serving
(gzip where the browser accepts it, and none) is loaded in turn with the other, so a busy machine slows both
alike. Last, what one check of the unchanged list (a focus, as the 20 s poll does)
takes on the wire: a 304. ``make bench`` runs it after ``bench.py``; alone: ``python -m devtools.quality.phone --help``.
"""

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import click

from devtools import settings
from devtools.local.stack import Stack
from devtools.quality.bench import fill_table, todo_item

CHROMIUM = settings.CHROMIUM
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 390, "height": 844}
CPU_SLOWDOWN = 4
LATENCY_MS = 150
DOWN_BITS = 1_600_000
UP_BITS = 750_000
# The page's table in the dev stage, whose demo owner a page without a token shows.
TABLE = "Todos"
# What each kind of answer counts as: the page's own HTML, CSS and JavaScript, or the API's answers.
KINDS = {"Document": "page", "Stylesheet": "page", "Script": "page", "Fetch": "api", "XHR": "api"}
# What frontend/src/todoui/sync.py waits between two checks of the list (a focus sooner is not a check).
CHECK_GAP_SECONDS = 2

# Runs before the page's own scripts: the time of the first frame painted after the list holds ``want`` rows.
WATCH_LIST = """
want => {
  const tick = () => {
    const list = document.getElementById("todo-list");
    if (list && list.getAttribute("aria-busy") === "false" && list.childElementCount >= want) {
      requestAnimationFrame(() => { window.__listShown = performance.now(); });
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
}
"""


@dataclass
class Load:
    """One load of the page: milliseconds to the list on screen, and bytes on the wire by kind (``KINDS``)."""

    shown_ms: float
    wire: dict[str, int] = field(default_factory=dict)


def fill_demo_list(stack: Stack, todos: int) -> None:
    """Give the demo owner ``todos`` todos in all, the seed's counted."""
    client = boto3.Session("local", "local", region_name="us-east-1").client("dynamodb", endpoint_url=stack.db_endpoint)
    owner = settings.demo_owner()
    held = client.query(
        TableName=TABLE,
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": owner}},
        Select="COUNT",
    )["Count"]
    fill_table(client, TABLE, [todo_item(owner, n) for n in range(max(0, todos - held))])


def load_once(browser: Any, url: str, todos: int, accept_encoding: str | None) -> Load:
    """Open ``url`` on the phone profile and wait for ``todos`` rows; ``accept_encoding`` replaces the browser's."""
    context = browser.new_context(locale="ja-JP", viewport=VIEWPORT, device_scale_factor=3, is_mobile=True)
    try:
        page = context.new_page()
        page.add_init_script(f"({WATCH_LIST})({todos})")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if accept_encoding is not None:
            cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": accept_encoding}})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": DOWN_BITS / 8,
                "uploadThroughput": UP_BITS / 8,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        kinds: dict[str, str] = {}
        wire: dict[str, int] = {}

        def answered(event: dict[str, Any]) -> None:
            kinds[event["requestId"]] = KINDS.get(event["type"], "other")

        def finished(event: dict[str, Any]) -> None:
            kind = kinds.get(event["requestId"], "other")
            wire[kind] = wire.get(kind, 0) + int(event["encodedDataLength"])

        cdp.on("Network.responseReceived", answered)
        cdp.on("Network.loadingFinished", finished)
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__listShown !== undefined", timeout=120_000, polling=250)
        shown = float(page.evaluate("window.__listShown"))
        # Files that finished arriving after the list was drawn count too.
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        return Load(shown, dict(wire))
    finally:
        context.close()


def poll_bytes(browser: Any, url: str, todos: int) -> tuple[int, int]:
    """``(status, bytes on the wire)`` of the page's check of its list once it is shown and unchanged."""
    context = browser.new_context(locale="ja-JP", viewport=VIEWPORT, is_mobile=True)
    try:
        page = context.new_page()
        page.add_init_script(f"({WATCH_LIST})({todos})")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__listShown !== undefined", timeout=120_000, polling=250)
        page.wait_for_timeout((CHECK_GAP_SECONDS + 1) * 1000)  # the page checks no sooner after the last time
        answers: dict[str, int] = {}
        wire: dict[str, int] = {}

        def answered(event: dict[str, Any]) -> None:
            if event["response"]["url"].endswith("/api/todos"):
                answers[event["requestId"]] = event["response"]["status"]

        cdp.on("Network.responseReceived", answered)
        cdp.on("Network.loadingFinished", lambda event: wire.update({event["requestId"]: event["encodedDataLength"]}))
        with page.expect_response(lambda answer: answer.url.endswith("/api/todos")):
            page.evaluate("() => window.dispatchEvent(new Event('focus'))")
        page.wait_for_timeout(500)
        (request_id,) = answers
        return answers[request_id], int(wire[request_id])
    finally:
        context.close()


def kilobytes(count: float) -> str:
    return f"{count / 1000:.0f} KB"


def report(label: str, loads: list[Load]) -> tuple[float, int]:
    """Print one line for ``loads`` (the median time, the bytes of the last load); return both figures."""
    shown = statistics.median(load.shown_ms for load in loads)
    own, api = loads[-1].wire.get("page", 0), loads[-1].wire.get("api", 0)
    click.echo(f"  {label:<34}{shown / 1000:>8.2f} s{kilobytes(own):>12}{kilobytes(api):>12}")
    return shown, own


@contextmanager
def phone_stack(todos: int) -> Iterator[Stack]:
    """A throwaway stack with the UI, its demo owner holding ``todos`` todos."""
    with tempfile.TemporaryDirectory(prefix="hobopy-phone-") as data_dir, Stack(data_dir=data_dir) as stack:
        fill_demo_list(stack, todos)
        yield stack


def phone_profile(todos: int, rounds: int) -> None:
    """Print the phone profile's figures: the page as served, and with compression refused by the browser."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise click.ClickException(f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk).")
    with phone_stack(todos) as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        url = f"{stack.ui_url}/index.html"
        click.echo(
            f"phone profile: {VIEWPORT['width']}x{VIEWPORT['height']}, CPU {CPU_SLOWDOWN}x slower, {LATENCY_MS} ms "
            f"latency, {DOWN_BITS / 1e6:g} Mbit/s down; {todos} todos of the demo owner (median of {rounds} loads)"
        )
        click.echo(f"  {'':<34}{'on screen':>10}{'page files':>12}{'API':>12}")
        try:
            load_once(browser, url, todos, None)  # the build and the servers' first answers out of the way
            ways = {"as served (gzip where accepted)": None, "without compression": "identity"}
            loads: dict[str, list[Load]] = {label: [] for label in ways}
            for _ in range(rounds):
                for label, encoding in ways.items():
                    loads[label].append(load_once(browser, url, todos, encoding))
            figures = {label: report(label, done) for label, done in loads.items()}
            status, polled = poll_bytes(browser, url, todos)
        finally:
            browser.close()
    shown, own = figures["as served (gzip where accepted)"]
    click.echo(
        f"  goals: {todos} todos on screen within 3.5 s {'ok' if shown <= 3500 else 'ABOVE GOAL'}; "
        f"the page's own files at most 150 KB on the wire {'ok' if own <= 150_000 else 'ABOVE GOAL'}"
    )
    click.echo(
        f"  a check of the unchanged list (HTTP {status}): {polled} bytes on the wire; "
        f"goal under 1 KB {'ok' if status == 304 and polled < 1000 else 'ABOVE GOAL'}"
    )


@click.command(context_settings={"show_default": True})
@click.option("--todos", default=1000, help="Todos in the list.")
@click.option("--rounds", default=3, help="Loads per way (the median is printed).")
def main(todos: int, rounds: int) -> None:
    """Time the page on a phone profile with a long list, and weigh its files on the wire."""
    phone_profile(todos, rounds)


if __name__ == "__main__":
    main()
