"""What every local HTTP server of the stack does before its own work: guard the door.

A server built on ``GuardedRequestHandler`` answers only this machine (a
foreign ``Host`` is DNS rebinding), gives up on clients that are too slow,
refuses a request whose size it cannot trust, and says all of that in the
API contract's shape: ``{"Code": ..., "Message": "<Code>: ..."}``. Each
answer leaves in one write on a socket without Nagle's algorithm, so a
kept-alive connection does not wait for a delayed ACK.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import http.server
import io
import json
import re
import socket
import socketserver
import threading
import time
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import cast

from devtools import supervise
from devtools.settings import LOOPBACK_NAMES

# How long a client may take to send one whole request (line, headers, body),
# and how long a kept-alive connection may sit idle between requests.
REQUEST_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0
MAX_REQUEST_LINE = 16 * 1024
MAX_HEADER_BYTES = 32 * 1024
# API Gateway refuses bodies over 10 MB before the function sees them.
MAX_BODY = 10 * 1024 * 1024

CODES = {
    400: "BadRequestError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    408: "RequestTimeoutError",
    411: "LengthRequiredError",
    500: "InternalServerError",
    413: "RequestEntityTooLargeError",
    414: "URITooLongError",
    431: "RequestHeaderFieldsTooLargeError",
    501: "NotImplementedError",
    505: "HTTPVersionNotSupportedError",
}
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"))
_DIGITS = re.compile(r"[0-9]+")
# What the server says when the standard library's parser refuses a request
# (its own texts quote the client's bytes as Python literals).
DEFAULT_MESSAGES = {
    400: "the request is not well-formed HTTP.",
    404: "nothing is here.",
    408: "the request took too long to arrive.",
    414: f"the request line is longer than {MAX_REQUEST_LINE} bytes.",
    431: "the headers are too large.",
    501: "this method is not supported.",
    505: "only HTTP/1.0 and HTTP/1.1 are spoken here.",
}

Headers = Sequence[tuple[str, str]]


def host_allowed(host: str | None, port: int) -> bool:
    """Whether ``host`` (a ``Host`` header) names this machine: a loopback name, bare or with ``port``."""
    if host is None:
        return False
    host = host.strip().lower()
    return any(host in (name, f"{name}:{port}") for name in LOOPBACK_NAMES)


def serve_until_stopped(server: socketserver.BaseServer) -> None:
    """Serve until SIGINT, SIGTERM or SIGHUP arrives, then close the listening socket."""
    try:
        with supervise.stop_signals_raise():
            server.serve_forever()
    except supervise.Stopped:
        pass
    finally:
        server.server_close()


def contract_body(status: int, message: str) -> bytes:
    """``{"Code", "Message"}`` JSON for an answer the server gives itself."""
    code = CODES.get(status, HTTPStatus(status).phrase.replace(" ", "") + "Error")
    return json.dumps({"Code": code, "Message": f"{code}: {message}"}, separators=(",", ":")).encode()


class _Watchdog:
    """One thread for the process that cuts off requests which overstay their deadline.

    A socket timeout alone lets a client dribble a byte every few seconds for
    ever; shutting the read side down ends any read in progress at once.
    """

    def __init__(self) -> None:
        self._deadlines: dict[GuardedRequestHandler, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, handler: GuardedRequestHandler, seconds: float) -> None:
        with self._lock:
            self._deadlines[handler] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="request-deadlines", daemon=True)
                self._thread.start()

    def disarm(self, handler: GuardedRequestHandler) -> None:
        # Under the lock: a handler is either still armed or already expired, never half-way.
        with self._lock:
            self._deadlines.pop(handler, None)

    def _run(self) -> None:
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                late = [handler for handler, deadline in self._deadlines.items() if deadline <= now]
                for handler in late:
                    del self._deadlines[handler]
                    handler.expire()


class GuardedRequestHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that checks ``Host``, sizes and time before ``dispatch``, and answers errors as JSON.

    Subclasses implement ``dispatch`` (or ``do_<METHOD>`` methods) and read
    the request's body from ``self.body``.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "hobopy"
    sys_version = ""
    request_timeout = REQUEST_TIMEOUT
    idle_timeout = IDLE_TIMEOUT
    max_body = MAX_BODY

    body: bytes | None = None
    _expired = False

    # -- what subclasses may change ---------------------------------------

    def answer_headers(self) -> Headers:
        """Headers every answer of this server carries."""
        return SECURITY_HEADERS

    def allowed_methods(self) -> list[str]:
        """The methods this server answers (for ``Allow`` on a 405)."""
        return sorted(name[3:] for name in dir(self) if name.startswith("do_"))

    def dispatch(self) -> None:
        handler = getattr(self, "do_" + self.command, None)
        if handler is None:
            self.refuse(405, "this method is not allowed here.")
            return
        handler()

    def version_string(self) -> str:
        return self.server_version

    def server_port(self) -> int:
        return int(cast(tuple[str, int], self.server.server_address)[1])

    # -- answers ----------------------------------------------------------

    def send_answer(self, status: int, headers: Iterable[tuple[str, str]], body: bytes = b"") -> None:
        """Write a whole answer in one send; a HEAD answer keeps its headers and drops the body."""
        lines = [f"{self.protocol_version} {status} {self._phrase(status)}"]
        given = list(headers)
        names = {name.lower() for name, _ in given}
        lines += [f"Server: {self.version_string()}", f"Date: {email.utils.formatdate(usegmt=True)}"]
        lines += [f"{name}: {value}" for name, value in given]
        lines += [f"{name}: {value}" for name, value in self.answer_headers() if name.lower() not in names]
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection or status in (400, 408, 411, 413, 414, 431):
            # After these the stream's framing cannot be trusted any more.
            self.close_connection = True
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head if self.command == "HEAD" else head + body)
        self.log_request(status)

    def refuse(self, status: int, message: str, headers: Headers = ()) -> None:
        """Answer ``status`` with ``message`` in the contract's shape (``message`` is ours, never the client's)."""
        if self._expired:
            status, message = 408, DEFAULT_MESSAGES[408]
        given = [("Content-Type", "application/json"), *headers]
        if status == 405 and not any(name.lower() == "allow" for name, _ in given):
            given.append(("Allow", ", ".join(self.allowed_methods())))
        self.send_answer(status, given, contract_body(status, message))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the standard library finds, in the contract's shape instead of its HTML."""
        self.refuse(code, DEFAULT_MESSAGES.get(code) or HTTPStatus(code).description.rstrip(".").lower() + ".")

    @staticmethod
    def _phrase(status: int) -> str:
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return ""

    # -- the request ------------------------------------------------------

    def expire(self) -> None:
        """Called by the watchdog: the request took too long; end whatever read is waiting."""
        self._expired = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RD)

    def handle_one_request(self) -> None:
        self.command, self.request_version, self.requestline, self.body = "", "", "", None
        self._expired = False
        # An idle kept-alive connection closes quietly; once a request starts
        # it has request_timeout to arrive in full.
        try:
            self.connection.settimeout(self.idle_timeout)
            if not cast(io.BufferedReader, self.rfile).peek(1):
                self.close_connection = True
                return
        except (OSError, ValueError):
            self.close_connection = True
            return
        try:
            self.connection.settimeout(self.request_timeout)
            _WATCHDOG.arm(self, self.request_timeout)
            try:
                ready = self._read_request()
            finally:
                _WATCHDOG.disarm(self)
            if ready and self._expired:
                self.refuse(408, DEFAULT_MESSAGES[408])
            elif ready:
                self.dispatch()
            self.wfile.flush()
        except TimeoutError:
            self._expired = True
            with contextlib.suppress(OSError):
                self.refuse(408, DEFAULT_MESSAGES[408])
            self.close_connection = True
        except (ConnectionError, ValueError):
            # ValueError: the socket was closed under a read.
            self.close_connection = True

    def _read_request(self) -> bool:
        """Read and check the request line, headers and body; False when an error has been answered."""
        self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.refuse(414, DEFAULT_MESSAGES[414])
            return False
        if not self.raw_requestline.endswith(b"\n"):
            # The client stopped (or was stopped) in the middle of the line.
            self.refuse(408, DEFAULT_MESSAGES[408])
            return False
        if not self.parse_request():
            return False
        if sum(len(name) + len(value) + 4 for name, value in self.headers.items()) > MAX_HEADER_BYTES:
            self.refuse(431, f"the headers are longer than {MAX_HEADER_BYTES} bytes.")
            return False
        if not host_allowed(self.headers.get("Host"), self.server_port()):
            self.refuse(403, "this server answers requests for this machine only (Host).")
            return False
        return self._read_body()

    def _read_body(self) -> bool:
        if self.headers.get("Transfer-Encoding") is not None:
            self.refuse(411, "send the body with a Content-Length, not a Transfer-Encoding.")
            return False
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            self.refuse(400, "Content-Length is given more than once.")
            return False
        if not lengths:
            return True
        if not _DIGITS.fullmatch(lengths[0].strip()):
            self.refuse(400, "Content-Length must be a whole number of bytes.")
            return False
        digits = lengths[0].strip().lstrip("0") or "0"
        if len(digits) > 18 or int(digits) > self.max_body:
            self.refuse(413, f"the body is larger than {self.max_body} bytes.")
            return False
        length = int(digits)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.refuse(408, DEFAULT_MESSAGES[408])
            return False
        self.body = body
        return True

    def parse_request(self) -> bool:
        try:
            return super().parse_request()
        except http.client.HTTPException:
            self.refuse(431, DEFAULT_MESSAGES[431])
            return False


_WATCHDOG = _Watchdog()
