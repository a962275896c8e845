"""Smoke check of a running app: the UI's page with its security headers, the API's OpenAPI document, and the API
refusing a request without a token in the contract's shape. CI runs it against staging after each deployment:

    python -m devtools.deploy.smoke https://d111111abcdef8.cloudfront.net/
    python -m devtools.deploy.smoke http://127.0.0.1:8000/ --api-path / --ui-url http://127.0.0.1:8002/

Only GET requests without credentials: it changes nothing and needs no account.
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import Any

import click

TIMEOUT = 15.0
# What the UI's page must be sent with, as (header, pattern of its value).
PAGE_HEADERS = [
    ("Content-Type", r"text/html(;.*)?"),
    ("Content-Security-Policy", r".*\bdefault-src 'none'.*\bframe-ancestors 'none'.*"),
    ("X-Content-Type-Options", r"nosniff"),
    ("Referrer-Policy", r"no-referrer"),
    ("X-Frame-Options", r"DENY"),
]
# An answer over HTTPS must tell browsers to keep to HTTPS for at least a year.
HSTS_MIN_AGE = 31536000


class Answer:
    def __init__(self, status: int, headers: Message, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def get(url: str) -> Answer:
    """GET ``url`` without credentials; any HTTP status is an answer, a network failure raises OSError."""
    request = urllib.request.Request(url, headers={"Accept": "application/json, text/html"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def check_page(url: str) -> list[str]:
    answer, problems = get(url), []
    if answer.status != 200:
        return [f"GET {url}: {answer.status}, expected 200"]
    for name, pattern in PAGE_HEADERS:
        value = answer.headers.get(name)
        if value is None or not re.fullmatch(pattern, value.strip()):
            problems.append(f"GET {url}: header {name} is {value!r}, expected {pattern!r}")
    hsts = re.match(r"max-age=(\d+)", answer.headers.get("Strict-Transport-Security", ""))
    if url.startswith("https:") and (not hsts or int(hsts[1]) < HSTS_MIN_AGE):
        problems.append(f"GET {url}: no Strict-Transport-Security of at least max-age={HSTS_MIN_AGE}")
    if b"js/main.js" not in answer.body:
        problems.append(f"GET {url}: the page does not load js/main.js")
    return problems


def check_openapi(url: str) -> list[str]:
    answer = get(url)
    document = answer.json()
    if answer.status != 200 or not isinstance(document, dict) or "paths" not in document:
        return [f"GET {url}: {answer.status}, expected 200 with the OpenAPI document"]
    return []


def check_refused_without_token(url: str) -> list[str]:
    answer = get(url)
    body = answer.json()
    shape = isinstance(body, dict) and set(body) == {"Code", "Message"}
    if answer.status != 401 or not shape or body["Code"] != "UnauthorizedError":
        return [f"GET {url} without a token: {answer.status} {answer.body[:200]!r}, expected 401 UnauthorizedError"]
    if not str(body["Message"]).startswith("UnauthorizedError: "):
        return [f"GET {url}: the message {body['Message']!r} does not start with its code"]
    return []


def smoke(
    base_url: str, api_path: str = "/api/", ui_url: str | None = None, echo: Callable[[str], Any] = click.echo
) -> list[str]:
    """Every problem found with the app at ``base_url`` (API at ``api_path`` on it, the page at ``ui_url``)."""
    api = urllib.parse.urljoin(base_url, api_path.rstrip("/") + "/")
    checks = [
        (f"page {ui_url or base_url}", check_page, ui_url or base_url),
        (f"OpenAPI document {api}openapi.json", check_openapi, api + "openapi.json"),
        (f"{api}todos refused without a token", check_refused_without_token, api + "todos"),
    ]
    problems: list[str] = []
    for label, check, url in checks:
        try:
            found = check(url)
        except OSError as exc:
            found = [f"GET {url}: {exc}"]
        echo(f"{'ok  ' if not found else 'FAIL'} {label}")
        problems += found
    return problems


@click.command()
@click.argument("base_url")
@click.option("--api-path", default="/api/", show_default=True, help="Where the API is on BASE_URL.")
@click.option("--ui-url", help="Where the UI's page is, when not at BASE_URL.")
@click.option("--attempts", type=click.IntRange(1, 20), default=3, show_default=True, help="Tries before failing.")
@click.option("--wait", type=click.FloatRange(0, 300), default=20.0, show_default=True, help="Seconds between tries.")
def main(base_url: str, api_path: str, ui_url: str | None, attempts: int, wait: float) -> None:
    """Check that the app at BASE_URL serves its UI with its security headers and its API refuses strangers."""
    for attempt in range(1, attempts + 1):
        problems = smoke(base_url, api_path, ui_url)
        if not problems:
            click.echo(f"smoke check passed: {base_url}")
            return
        click.echo("\n".join(problems), err=True)
        if attempt < attempts:
            click.echo(f"trying again in {wait:.0f} s ({attempt}/{attempts})", err=True)
            time.sleep(wait)
    raise SystemExit(1)


if __name__ == "__main__":
    main(prog_name="python -m devtools.deploy.smoke")
