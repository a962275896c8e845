"""A pytest plugin: the audit of every answer the suites receive, and the reliability figures.

Tests reach the app through ``audited(client.http)`` (the ``api`` fixture does
that for them) and fetch from live servers with ``tests.reliability.conftest.call``;
both hand every answer to ``AUDIT``, which applies ``devtools.quality.contract_audit``:
the security headers on every answer, and every error (>= 400) in the
contract's shape without a traceback, a file path, an exception class or a
Python value; a 5xx other than 503 is a bug. The test that received a bad
answer fails, and the session summary prints how many answers were audited,
followed by the figures the reliability tests measured (``report_figure``).
"""

import functools
import threading
from collections.abc import Generator, Mapping
from typing import Any

import pytest
from chalice.test import HTTPResponse, TestHTTPClient

from devtools.quality.contract_audit import answer_problems, echoes


class ErrorAudit:
    """The answers seen so far, and the problems found among them."""

    def __init__(self) -> None:
        self.answers = 0
        self.errors = 0
        self.problems: list[tuple[str | None, str, str]] = []  # (test id, request, problem)
        self.current_test: str | None = None
        self._reported = 0
        self._lock = threading.Lock()
        self.blamed_in_workers = 0  # problems pytest-xdist workers already blamed on their tests

    def record(
        self,
        method: str,
        url: str,
        status: int,
        headers: Mapping[str, Any] | None,
        body: bytes | str,
        request_headers: Mapping[str, Any] | None = None,
        request_body: object = None,
    ) -> None:
        """Audit one answer to ``method url``; ``headers`` is any mapping of response headers."""
        found = answer_problems(status, headers, body, echoes(url, request_headers, request_body), method)
        with self._lock:
            self.answers += 1
            self.errors += status >= 400
            self.problems += [(self.current_test, f"{method} {url}", problem) for problem in found]

    def unreported(self) -> list[tuple[str | None, str, str]]:
        """Problems not yet blamed on a test, marked as reported."""
        with self._lock:
            new = self.problems[self._reported :]
            self._reported = len(self.problems)
        return new


AUDIT = ErrorAudit()
FIGURES: list[str] = []


class AuditedHTTPClient:
    """A ``chalice.test`` HTTP client whose every answer goes through the audit; anything else is the client's."""

    def __init__(self, http: TestHTTPClient) -> None:
        self.unaudited = http

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unaudited, name)

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | str = b""
    ) -> HTTPResponse:
        response = self.unaudited.request(method, path, headers=headers, body=body)  # type: ignore[arg-type]
        AUDIT.record(method.upper(), path, response.status_code, response.headers, response.body, headers, body)
        return response


# get(path, ...), post(path, ...) and the rest, as chalice's client has them.
for _method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
    setattr(AuditedHTTPClient, _method.lower(), functools.partialmethod(AuditedHTTPClient.request, _method))


def audited(http: TestHTTPClient | AuditedHTTPClient) -> AuditedHTTPClient:
    """``http`` (``chalice.test.Client(...).http``) with every answer audited; already audited stays as it is."""
    return http if isinstance(http, AuditedHTTPClient) else AuditedHTTPClient(http)


def report_figure(text: str) -> None:
    """Show a measured figure in the session summary (fuzzed examples, steps, throughput...)."""
    FIGURES.append(text)


def _blame(problems: list[tuple[str | None, str, str]]) -> str:
    lines = [f"{request}: {problem}" for _, request, problem in problems]
    return "answers break the contract or show internals:\n  " + "\n  ".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    AUDIT.current_test = item.nodeid
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield
    problems = AUDIT.unreported()
    if problems:
        raise AssertionError(_blame(problems))
    return result


_LATE = pytest.StashKey[list[tuple[str | None, str, str]]]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Answers received in fixtures (setup or teardown) are blamed here.
    problems = AUDIT.unreported()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # A pytest-xdist worker hands its counts to the controller, which prints the summary.
        workeroutput["hobopy_audit"] = {
            "answers": AUDIT.answers,
            "errors": AUDIT.errors,
            "problems": len(AUDIT.problems),
            "late": problems,
            "figures": FIGURES,
        }
    if problems:
        session.config.stash[_LATE] = problems
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the pytest-xdist controller: add up what a worker audited and measured."""
    output = getattr(node, "workeroutput", {}).get("hobopy_audit")
    if output is None:
        return
    AUDIT.answers += output["answers"]
    AUDIT.errors += output["errors"]
    # Problems found outside a test stay unreported here, so this session fails on them too.
    AUDIT.problems += [(test, request, problem) for test, request, problem in output["late"]]
    AUDIT.blamed_in_workers += output["problems"] - len(output["late"])
    FIGURES.extend(output["figures"])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
    if not AUDIT.answers:
        return
    terminalreporter.write_sep("-", "answer audit")
    problems = len(AUDIT.problems) + AUDIT.blamed_in_workers
    terminalreporter.write_line(f"{AUDIT.answers} answers audited, {AUDIT.errors} of them errors; {problems} problems")
    late = config.stash.get(_LATE, [])
    if late:
        terminalreporter.write_line(_blame(late), red=True)


def call(session, method, url, **kwargs):
    """An HTTP request whose answer goes through the audit."""
    response = session.request(method, url, timeout=kwargs.pop("timeout", 10), **kwargs)
    AUDIT.record(
        method,
        url,
        response.status_code,
        response.headers,
        response.content,
        kwargs.get("headers"),
        kwargs.get("data") or kwargs.get("json"),
    )
    return response
