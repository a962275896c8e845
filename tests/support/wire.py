"""Helpers for talking to the local servers at the byte level."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes = field(repr=False, default=b"")

    def json(self) -> object:
        return json.loads(self.body)


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_answer(sock: socket.socket, head_only: bool = False) -> Answer:
    """One answer from ``sock``: status line, headers, and ``Content-Length`` bytes of body (none if ``head_only``)."""
    return read_answers(sock, 1, head_only)[0]


def read_answers(sock: socket.socket, count: int, head_only: bool = False) -> list[Answer]:
    """The next ``count`` answers from ``sock``, however the server's writes arrive (one read may hold several)."""
    answers: list[Answer] = []
    data = b""
    while len(answers) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"the connection closed inside an answer: {data!r}")
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        answers.append(Answer(int(lines[0].split()[1]), headers, rest[:length], head + b"\r\n\r\n" + rest[:length]))
        data = rest[length:]
    if data:
        # Whatever follows the last answer belongs to no answer: exactly what corrupts a kept-alive connection.
        raise AssertionError(f"{len(data)} bytes after the answer: {data[:80]!r}")
    return answers


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the peer closes ``sock`` within ``seconds`` (anything it still sends is read and dropped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def assert_contract_error(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    assert answer.headers.get("x-content-type-options") == "nosniff", answer.headers
    body = answer.json()
    assert isinstance(body, dict) and set(body) == {"Code", "Message"}, body
    assert body["Code"] == code, body
    assert body["Message"].startswith(f"{code}: "), body


def assert_timed_out(sock: socket.socket, request: bytes, timeout: float) -> None:
    """Send the start of ``request`` and stop: the server must answer 408 and hang up within ``timeout``."""
    started = time.monotonic()
    sock.sendall(request)
    answer = read_answer(sock)
    assert closed_within(sock, 2)
    assert_contract_error(answer, 408, "RequestTimeoutError")
    assert time.monotonic() - started < timeout + 2
