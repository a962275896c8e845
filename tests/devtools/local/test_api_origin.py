"""The API on the UI's origin: http://UI/api/todos answers what http://API/todos answers, over real sockets.

The local API server answers under its stage (``/api/todos``) too, as API Gateway's own URL does; the UI
server forwards ``/api/*`` to it, as CloudFront does for the deployed site.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devtools.local import supervise
from devtools.local.http import LocalServer
from devtools.ui.server import StaticHandler, make_server
from tests.support.audit import call
from tests.support.localapi import RunningAPI, start_api
from tests.support.project import BACKEND, chalice_project, create_fresh_table, write_seed
from tests.support.wire import Answer, assert_contract_error, connect, read_answer, read_answers

NEW = {"title": "牛乳を買う", "memo": "低脂肪", "priority": 2}


class Origins:
    """The same API at two addresses: ``api`` (the API server's root) and ``ui`` (the UI server's ``/api``)."""

    def __init__(self, api: RunningAPI, ui_port: int) -> None:
        self.api, self.ui_port = api, ui_port
        self.bases = {"api": api.url, "ui": f"http://127.0.0.1:{ui_port}/api"}

    def both(self, method: str, path: str, **kwargs: object) -> tuple[requests.Response, requests.Response]:
        """``method path`` sent to each address; both answers pass the contract's audit."""
        with requests.Session() as session:
            return tuple(call(session, method, base + path, **kwargs) for base in self.bases.values())


def serve_ui(api_server: str | None, out_dir: Path) -> tuple[int, LocalServer]:
    """A UI server (its site folder empty) forwarding /api/* to ``api_server``, serving in a thread."""
    server = make_server("127.0.0.1", 0, "/api/", "dev", out_dir, api_server=api_server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port, server


def stop(server: LocalServer) -> None:
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def origins(dynalite_endpoint: str, identity_provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origins]:
    folder = tmp_path_factory.mktemp("api-origin")
    table = create_fresh_table(dynalite_endpoint)
    write_seed(dynalite_endpoint, table)
    # The stage verifies tokens of the session's user pool, as the dev stage does those of the local provider.
    project = Path(chalice_project(folder, dynalite_endpoint, table, extra_env=identity_provider[1]))
    for name in ("app.py", "chalicelib"):
        (project / name).symlink_to(BACKEND / name)
    api = start_api(str(project), folder / "api.log")
    port, server = serve_ui(api.url, folder / "site")
    yield Origins(api, port)
    stop(server)
    supervise.stop(api.process)


def same(first: requests.Response, second: requests.Response) -> None:
    assert first.status_code == second.status_code, (first.text, second.text)
    assert first.content == second.content
    for name in ("Content-Type", "ETag", "Cache-Control", "X-Content-Type-Options", "Retry-After"):
        assert first.headers.get(name) == second.headers.get(name), name


def test_the_list_and_a_todo_answer_alike(origins: Origins) -> None:
    for path in ("/todos", "/todos/L5", "/todos?completed=false", "/openapi.json"):
        api, ui = origins.both("GET", path)
        assert api.status_code == 200
        if path != "/openapi.json":
            same(api, ui)
    # The document names the server the client used.
    assert ui.json()["servers"] == [{"url": "/api"}] and api.json()["servers"] == [{"url": "/"}]


def test_a_todo_created_on_the_uis_origin_is_named_there_and_reached_there(origins: Origins) -> None:
    with requests.Session() as session:
        created = call(session, "POST", origins.bases["ui"] + "/todos", json=NEW)
        assert created.status_code == 201, created.text
        todo = created.json()
        assert created.headers["Location"] == f"/api/todos/{todo['id']}"
        # A relative reference: resolved against the URL the client used, it stays on that origin.
        again = call(session, "GET", requests.compat.urljoin(created.url, created.headers["Location"]))
        assert again.url.startswith(origins.bases["ui"]) and again.json() == todo
        on_api = call(session, "POST", origins.bases["api"] + "/todos", json=NEW)
        assert on_api.headers["Location"] == f"/todos/{on_api.json()['id']}"
        api, ui = origins.both("GET", f"/todos/{todo['id']}")
        same(api, ui)


def test_link_next_stays_on_the_path_the_client_used_and_both_walks_see_the_same_pages(origins: Origins) -> None:
    pages: dict[str, list[object]] = {}
    with requests.Session() as session:
        for name, base in origins.bases.items():
            url, seen = base + "/todos?limit=2", []
            while url:
                answer = call(session, "GET", url)
                assert answer.status_code == 200
                seen.append(answer.json())
                link = answer.headers.get("Link")
                if link:
                    target = link.split(">", 1)[0].lstrip("<")
                    assert target.startswith("/api/todos?limit=2&cursor=" if name == "ui" else "/todos?limit=2&cursor=")
                url = requests.compat.urljoin(answer.url, target) if link else ""
            pages[name] = seen
    assert len(pages["ui"]) >= 2 and pages["ui"] == pages["api"]


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("POST", "/todos", {"json": {"title": "x", "priority": 2}}),
        ("POST", "/todos", {"json": {**NEW, "completed": "true"}}),
        ("POST", "/todos", {"data": b"{", "headers": {"Content-Type": "application/json"}}),
        ("POST", "/todos", {"data": b"title=x", "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/todos", {"data": b"{}" + b" " * 70_000, "headers": {"Content-Type": "application/json"}}),
        ("GET", "/todos/no-such-id", {}),
        ("GET", "/todos?limit=0", {}),
        ("GET", "/todos?cursor=tampered", {}),
        ("PUT", "/todos/L6", {"json": {"title": "x"}, "headers": {"If-Match": '"41"'}}),
        ("GET", "/todos", {"headers": {"Authorization": "garbage"}}),
        ("GET", "/nothing/here", {}),
        ("TRACE", "/todos", {}),
    ],
)
def test_errors_answer_alike(origins: Origins, method: str, path: str, kwargs: dict[str, object]) -> None:
    api, ui = origins.both(method, path, **kwargs)
    assert api.status_code >= 400
    same(api, ui)


def test_a_signed_in_user_is_the_same_caller_on_both_addresses(origins: Origins, identity_provider) -> None:
    user = identity_provider[0].new_user()
    with requests.Session() as session:
        session.headers.update(user.headers())
        created = call(session, "POST", origins.bases["ui"] + "/todos", json=NEW)
        assert created.status_code == 201
        api, ui = origins.both("GET", "/todos", headers=user.headers())
        same(api, ui)
        assert ui.json() == [created.json()]
    demo = origins.both("GET", "/todos")[1].json()
    assert created.json()["id"] not in [todo["id"] for todo in demo]


def head_then_get(port: int, prefix: str) -> list[Answer]:
    with connect(port) as sock:
        sock.sendall(f"HEAD {prefix}/todos HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        head = read_answer(sock, head_only=True)
        sock.sendall(f"GET {prefix}/todos/L5 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        return [head, read_answer(sock)]


def test_head_and_preflights_are_forwarded_and_the_connection_stays_usable(origins: Origins) -> None:
    (ui_head, ui_after), (api_head, api_after) = (
        head_then_get(origins.ui_port, "/api"),
        head_then_get(origins.api.port, ""),
    )
    assert ui_head.status == api_head.status == 200 and ui_head.body == b""
    assert ui_head.headers["content-length"] == api_head.headers["content-length"]
    assert ui_after.status == 200 and ui_after.body == api_after.body
    preflight = {"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "PUT"}
    api, ui = origins.both("OPTIONS", "/todos/L5", headers=preflight)
    same(api, ui)


def test_pipelined_requests_through_the_ui_get_their_answers_in_order(origins: Origins) -> None:
    host = f"127.0.0.1:{origins.ui_port}"
    with connect(origins.ui_port) as sock:
        sock.sendall(
            b"".join(
                f"GET {p} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
                for p in ("/api/todos/L5", "/missing.js", "/api/todos/L7")
            )
        )
        answers = read_answers(sock, 3)
    assert [a.status for a in answers] == [200, 404, 200]
    assert [a.json()["id"] for a in (answers[0], answers[2])] == ["L5", "L7"]


def test_the_ui_servers_own_limits_hold_on_api_paths(origins: Origins) -> None:
    host = f"127.0.0.1:{origins.ui_port}"
    with connect(origins.ui_port) as sock:
        sock.sendall(f"POST /api/todos HTTP/1.1\r\nHost: {host}\r\nContent-Length: 99999999999\r\n\r\n".encode())
        assert_contract_error(read_answer(sock), 413, "RequestEntityTooLargeError")
    with connect(origins.ui_port) as sock:
        sock.sendall(b"GET /api/todos HTTP/1.1\r\nHost: evil.example\r\n\r\n")
        assert_contract_error(read_answer(sock), 403, "ForbiddenError")


def test_with_the_api_server_down_the_ui_answers_the_contracts_503(tmp_path: Path) -> None:
    closed = supervise.free_port()
    port, server = serve_ui(f"http://127.0.0.1:{closed}", tmp_path)
    try:
        with requests.Session() as session:
            answer = call(session, "POST", f"http://127.0.0.1:{port}/api/todos", json=NEW)
    finally:
        stop(server)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    body = answer.json()
    assert body["Code"] == "ServiceUnavailable" and body["Message"].startswith("ServiceUnavailable: the API server")


def test_an_api_server_that_never_answers_is_a_503_after_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StaticHandler, "api_timeout", 0.5)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections (the backlog) and says nothing
    port, server = serve_ui(f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path)
    try:
        with requests.Session() as session:
            answer = call(session, "GET", f"http://127.0.0.1:{port}/api/todos")
    finally:
        stop(server)
        silent.close()
    assert answer.status_code == 503 and "did not answer within 0.5 seconds" in answer.json()["Message"]


def test_without_an_api_server_api_paths_are_the_sites_404(tmp_path: Path) -> None:
    port, server = serve_ui(None, tmp_path)
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/api/todos", timeout=10)
    finally:
        stop(server)
    assert answer.status_code == 404


def test_a_304_has_no_body_nor_content_length_on_both_addresses_and_the_connection_stays_clean(
    origins: Origins,
) -> None:
    for port, prefix in ((origins.api.port, ""), (origins.ui_port, "/api")):
        request = f"GET {prefix}/todos HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        with connect(port) as sock:
            sock.sendall(f"{request}\r\n".encode())
            first = read_answer(sock)
            assert first.status == 200, first
            tag = first.headers["etag"]
            # The conditional GET, then a plain one on the same connection: nothing of the 304 may spill over.
            sock.sendall(f"{request}If-None-Match: {tag}\r\n\r\n{request}\r\n".encode())
            unchanged, after = read_answers(sock, 2)
        assert unchanged.status == 304, unchanged
        assert unchanged.body == b"" and "content-length" not in unchanged.headers
        assert "content-type" not in unchanged.headers
        assert unchanged.headers["etag"] == tag
        assert after.status == 200 and after.body == first.body
