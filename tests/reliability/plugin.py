"""A pytest plugin: the error audit of every answer the suites receive, and the reliability figures.

Every request any test sends through ``chalice.test.Client`` (the API, contract
and reliability suites), and every answer the reliability tests fetch over
HTTP (``AUDIT.record``), is recorded. An error answer (>= 400) must be
``{"Code", "Message"}`` JSON and must not show a traceback, a file path or an
exception class (``devtools.fuzz.error_body_problems``); a 5xx other than 503
is a bug. The test that received a bad answer fails, and the session summary
prints how many answers were audited, followed by the figures the reliability
tests measured (``report_figure``).
"""
import functools
import json
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from chalice import test as chalice_test

from devtools.fuzz import error_body_problems


class ErrorAudit:
    """The answers seen so far, and the problems found in the error answers among them."""

    def __init__(self):
        self.answers = 0
        self.errors = 0
        self.problems = []  # (test id, request, problem)
        self.current_test = None
        self._reported = 0
        self._lock = threading.Lock()

    def record(self, method, url, status, headers, body, request_headers=None, request_body=None):
        """Audit one answer to ``method url``; ``headers`` is any mapping of response headers."""
        content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
        echoed = echoes(url, request_headers, request_body)
        found = error_body_problems(status, content_type, body, echoed) if status >= 400 else []
        with self._lock:
            self.answers += 1
            self.errors += status >= 400
            self.problems += [(self.current_test, f"{method} {url}", problem) for problem in found]

    def unreported(self):
        """Problems not yet blamed on a test, marked as reported."""
        with self._lock:
            new = self.problems[self._reported:]
            self._reported = len(self.problems)
        return new


def echoes(url, headers=None, body=None):
    """The strings a request carried that an error message may legitimately quote back."""
    parts = urlsplit(url)
    values = [unquote(segment) for segment in parts.path.split("/") if segment]
    values += [v for pair in parse_qsl(parts.query, keep_blank_values=True) for v in pair]
    values += [str(v) for v in (headers or {}).values()]
    if isinstance(body, dict):
        return values + list(body)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            values += list(parsed)
    return values


AUDIT = ErrorAudit()
FIGURES = []


def report_figure(text):
    """Show a measured figure in the session summary (fuzzed examples, steps, throughput...)."""
    FIGURES.append(text)


def _install():
    original = chalice_test.TestHTTPClient.request
    if getattr(original, "audited", False):
        return

    @functools.wraps(original)
    def audited_request(self, method, path, headers=None, body=b""):
        response = original(self, method, path, headers=headers, body=body)
        AUDIT.record(method.upper(), path, response.status_code, response.headers, response.body, headers, body)
        return response

    audited_request.audited = True
    chalice_test.TestHTTPClient.request = audited_request


def pytest_configure(config):
    _install()


def _blame(problems):
    lines = [f"{request}: {problem}" for _, request, problem in problems]
    return "error answers break the contract or show internals:\n  " + "\n  ".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    AUDIT.current_test = item.nodeid
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    problems = AUDIT.unreported()
    if problems:
        raise AssertionError(_blame(problems))
    return result


def pytest_sessionfinish(session, exitstatus):
    # Answers received in fixtures (setup or teardown) are blamed here.
    problems = AUDIT.unreported()
    if problems:
        session.config.stash[_LATE] = problems
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_LATE = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.write_sep("-", "reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
    if not AUDIT.answers:
        return
    terminalreporter.write_sep("-", "error audit")
    terminalreporter.write_line(
        f"{AUDIT.answers} answers audited, {AUDIT.errors} of them errors; {len(AUDIT.problems)} problems"
    )
    late = config.stash.get(_LATE, [])
    if late:
        terminalreporter.write_line(_blame(late), red=True)
