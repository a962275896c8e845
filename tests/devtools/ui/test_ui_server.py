"""The UI server (devtools.ui.server): this machine only, request timeouts, trusted sizes, its security headers."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.settings import ROOT
from devtools.ui.server import StaticHandler
from tests.support.uiserver import serving
from tests.support.wire import assert_contract_error, assert_timed_out, closed_within, connect, read_answer

TIMEOUT = 1.0


@pytest.fixture
def port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(StaticHandler, "request_timeout", TIMEOUT)
    (tmp_path / "app.css").write_text("body {}\n", encoding="utf-8")
    with serving(tmp_path) as port:
        yield port


def get(path: str, host: str = "127.0.0.1", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def test_the_site_is_served_with_its_security_headers(port: int) -> None:
    with connect(port) as sock:
        for path in ("/", "/app.css", "/config.json"):
            sock.sendall(get(path, f"localhost:{port}"))
            answer = read_answer(sock)
            assert answer.status == 200, answer
            assert answer.headers["server"] == "hobopy-ui"
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "default-src 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1"])
def test_foreign_hosts_are_refused(port: int, host: str) -> None:
    with connect(port) as sock:
        sock.sendall(get("/config.json", host.format(port=port)))
        answer = read_answer(sock)
    assert_contract_error(answer, 403, "ForbiddenError")
    # The refusal keeps the page's policy too.
    assert "default-src 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"]
)
def test_this_machines_names_are_served_with_the_servers_port_or_none(port: int, host: str) -> None:
    with connect(port) as sock:
        sock.sendall(get("/config.json", host.format(port=port)))
        assert read_answer(sock).status == 200


def test_missing_files_are_404_in_the_contracts_shape(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(get("/nothing.js"))
        assert_contract_error(read_answer(sock), 404, "NotFoundError")


def test_each_request_is_logged_through_logging_not_straight_to_stderr(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="devtools.local.http")
    with connect(port) as sock:
        sock.sendall(get("/nothing.js"))
        read_answer(sock)
    assert '"GET /nothing.js HTTP/1.1" 404' in caplog.text


@pytest.mark.parametrize("length", ["abc", "-5", "1\r\nContent-Length: 2"])
def test_bad_content_length_is_400(port: int, length: str) -> None:
    with connect(port) as sock:
        sock.sendall(get("/", extra=f"Content-Length: {length}\r\n") + b"xx")
        answer = read_answer(sock)
        assert closed_within(sock, 2)
    assert_contract_error(answer, 400, "BadRequestError")


def test_a_body_on_a_get_does_not_break_the_next_request(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(get("/app.css", extra="Content-Length: 12\r\n") + b"GET / HTTP/1")
        assert read_answer(sock).status == 200
        sock.sendall(get("/app.css"))
        assert read_answer(sock).body == b"body {}\n"


def test_unknown_methods_are_405_with_allow(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(f"TRACE / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        answer = read_answer(sock)
    assert_contract_error(answer, 405, "MethodNotAllowedError")
    assert answer.headers["allow"] == "GET, HEAD"


def test_a_slow_client_gets_408_and_is_closed(port: int) -> None:
    with connect(port) as sock:
        assert_timed_out(sock, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", TIMEOUT)


def test_the_ui_and_identity_provider_servers_load_no_database_tools() -> None:
    """They write files through devtools.files: the UI server's start loads no botocore, neither loads devtools.db."""
    code = (
        "import sys, devtools.ui.cli, devtools.local.idp; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'botocore' or m.startswith('devtools.db')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
