"""The door every local HTTP server of the stack shares: ``GuardedRequestHandler``.

It answers this machine only (a foreign ``Host`` is DNS rebinding), cuts off slow clients, refuses sizes it
cannot trust, says so in the API contract's shape, and writes each answer in one send with Nagle's algorithm
off (a kept-alive connection then never waits for the client's delayed ACK)."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import logging
import socket
import socketserver
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from chalicelib.errors import error_body
from chalicelib.http import SECURITY_HEADERS as API_SECURITY_HEADERS
from devtools import settings
from devtools.local import supervise

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# One line per request, as the standard library words it; each server's command sends it to its output.
access_log = logging.getLogger(__name__)

# How long a client may take to send one whole request (line, headers, body),
# and how long a kept-alive connection may sit idle between requests.
REQUEST_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0
MAX_REQUEST_LINE = 16 * 1024
MAX_HEADER_BYTES = 32 * 1024
# API Gateway refuses bodies over 10 MB before the function sees them.
MAX_BODY = 10 * 1024 * 1024

# Chalice's error names where the status's phrase does not give them (or a newer Python renames it).
CODES = {413: "RequestEntityTooLargeError", 414: "URITooLongError", 500: "InternalServerError"}
SECURITY_HEADERS = tuple(API_SECURITY_HEADERS.items())
# After these answers the stream's framing cannot be trusted any more.
CLOSING = {400, 408, 411, 413, 414, 431}
# Answers that never carry content (RFC 9110 section 6.4.1).
BODILESS = {204, 304}


class LocalServer(socketserver.ThreadingTCPServer):
    """A threaded server for ``handler`` (not started); not an ``HTTPServer``, whose bind asks DNS
    for the host's full name, which can take seconds on a machine without a resolver."""

    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: Callable[..., socketserver.BaseRequestHandler]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)
        self.server_port = cast(tuple[str, int], self.server_address)[1]


def serve_until_stopped(server: socketserver.BaseServer) -> None:
    """Serve until SIGINT, SIGTERM or SIGHUP arrives, then close the listening socket."""
    with server, contextlib.suppress(supervise.Stopped), supervise.stop_signals_raise():
        server.serve_forever()


def wsgi_answer(
    app: WSGIApp, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """``app``'s answer (status, headers, body) to one request, called in this thread."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    parts = urllib.parse.urlsplit(target)
    request = EnvironBuilder(
        path=parts.path or "/", method=method, query_string=parts.query, headers=list(headers), data=body or b""
    )
    chunks, status, answer_headers = run_wsgi_app(app, request.get_environ(), buffered=True)
    return int(status.split()[0]), list(answer_headers.items()), b"".join(chunks)


def contract_body(status: int, message: str = "") -> bytes:
    """``{"Code", "Message"}`` JSON for an answer the server gives itself (by default the status's description)."""
    code = CODES.get(status) or HTTPStatus(status).phrase.replace(" ", "") + "Error"
    message = message or HTTPStatus(status).description.lower() + "."
    return json.dumps(error_body(code, message), separators=(",", ":")).encode()


class _Refused(Exception):
    """The request gets ``refuse(*args)`` instead of ``dispatch()``."""


class _DeadlineReader(io.RawIOBase):
    # Each read waits only for the time left until the handler's deadline: a
    # plain socket timeout lets a client dribble a byte every few seconds for ever.
    def __init__(self, handler: GuardedRequestHandler) -> None:
        self.handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        connection = self.handler.connection
        try:
            # Past the deadline the timeout is 0: a read that would wait raises BlockingIOError.
            connection.settimeout(max(self.handler.deadline - time.monotonic(), 0))
            return int(connection.recv_into(buffer))
        except (TimeoutError, BlockingIOError):
            raise _Refused(408) from None
        finally:
            connection.settimeout(self.handler.request_timeout)  # what an answer has to leave


class GuardedRequestHandler(http.server.BaseHTTPRequestHandler):
    """Checks ``Host``, sizes and time, then calls ``dispatch`` (by default ``do_<METHOD>``) with ``self.body`` read."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "hobopy"
    request_timeout = REQUEST_TIMEOUT
    max_body = MAX_BODY

    rfile: io.BufferedReader
    body: bytes | None = None
    deadline = 0.0

    def answer_headers(self) -> Sequence[tuple[str, str]]:
        """Headers every answer of this server carries."""
        return SECURITY_HEADERS

    def allowed_methods(self) -> list[str]:
        """The methods this server answers (for ``Allow`` on a 405)."""
        return sorted(name[3:] for name in dir(self) if name.startswith("do_"))

    def dispatch(self) -> None:
        handler = getattr(self, "do_" + self.command, None)
        if handler is None:
            self.refuse(405, "this method is not allowed here.")
        else:
            handler()

    def send_answer(self, status: int, headers: Iterable[tuple[str, str]], body: bytes = b"") -> None:
        """Write a whole answer in one send; a HEAD answer keeps its headers and drops the body."""
        given = list(headers)
        if status in BODILESS:
            # RFC 9110: these answers have no content, and a 304's Content-Length would have to be the 200's.
            body = b""
            given = [(name, value) for name, value in given if name.lower() != "content-length"]
        names = {name.lower() for name, _ in given}
        lines = [
            f"{self.protocol_version} {status} {self.responses.get(status, ('', ''))[0]}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in given),
            *(f"{name}: {value}" for name, value in self.answer_headers() if name.lower() not in names),
        ]
        if "content-length" not in names and status not in BODILESS:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection or status in CLOSING:
            self.close_connection = True
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        # Logged first, as the standard library does: the line is there by the time the client has the answer.
        self.log_request(status)
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def refuse(self, status: int, message: str = "") -> None:
        """Answer ``status`` with ``message`` (ours, never the client's) in the contract's shape."""
        headers = [("Content-Type", "application/json")]
        if status == 405:
            headers.append(("Allow", ", ".join(self.allowed_methods())))
        self.send_answer(status, headers, contract_body(status, message))

    def version_string(self) -> str:
        return self.server_version  # without the Python version the standard library adds

    def log_message(self, format: str, *args: object) -> None:
        # Not straight to stderr: a server running inside the tests would write past pytest's capture.
        access_log.info("%s - - [%s] %s", self.address_string(), self.log_date_time_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The standard library's texts quote the client's bytes as Python literals: not in our answers.
        self.refuse(code)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self))

    def handle_one_request(self) -> None:
        self.command, self.request_version, self.requestline, self.body = "", "", "", None
        # An idle kept-alive connection closes quietly; once a request starts
        # it has request_timeout to arrive in full.
        self.deadline = time.monotonic() + IDLE_TIMEOUT
        try:
            self.close_connection = not self.rfile.peek(1)
        except (OSError, _Refused):
            self.close_connection = True
        if self.close_connection:
            return
        self.deadline = time.monotonic() + self.request_timeout
        try:
            if self._read_request():
                self.dispatch()
        except _Refused as refused:
            with contextlib.suppress(OSError):
                self.refuse(*refused.args)
        except OSError:
            self.close_connection = True

    def _read_request(self) -> bool:
        """Read and check the request line, headers and body; False when the parser has answered an error."""
        self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            raise _Refused(414, f"the request line is longer than {MAX_REQUEST_LINE} bytes.")
        if not self.raw_requestline.endswith(b"\n"):
            raise _Refused(408)  # the client stopped in the middle of the line
        if not self.parse_request():
            return False
        if sum(len(name) + len(value) + 4 for name, value in self.headers.items()) > MAX_HEADER_BYTES:
            raise _Refused(431, f"the headers are longer than {MAX_HEADER_BYTES} bytes.")
        port = cast(tuple[str, int], self.server.server_address)[1]
        if not settings.is_local_host(self.headers.get("Host") or "", port):
            raise _Refused(403, "this server answers requests for this machine only (Host).")
        if self.headers.get("Transfer-Encoding") is not None:
            raise _Refused(411, "send the body with a Content-Length, not a Transfer-Encoding.")
        lengths = [value.strip() for value in self.headers.get_all("Content-Length", [])]
        if not lengths:
            return True
        if len(lengths) > 1 or not (lengths[0].isascii() and lengths[0].isdigit()):
            raise _Refused(400, "Content-Length must be given once, as a whole number of bytes.")
        digits = lengths[0].lstrip("0") or "0"
        if len(digits) > 18 or int(digits) > self.max_body:
            raise _Refused(413, f"the body is larger than {self.max_body} bytes.")
        self.body = self.rfile.read(int(digits))
        if len(self.body) < int(digits):
            raise _Refused(408)
        return True
