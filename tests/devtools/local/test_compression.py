"""Gzipped answers: the rule (devtools/local/compression.py), the local API server under a stage's
minimum_compression_size, and the UI server, each as the deployed API Gateway and CloudFront answer."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice.config import Config

from devtools.local import supervise
from devtools.local.compression import CLOUDFRONT_MINIMUM, accepts_gzip, negotiate
from tests.support.localapi import RunningAPI, api_project, start_api
from tests.support.project import BACKEND, create_fresh_table
from tests.support.uiserver import serving
from tests.support.wire import connect, read_answer

JSON = [("Content-Type", "application/json")]


@pytest.mark.parametrize(
    "value, accepted",
    [
        ("gzip, deflate, br, zstd", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("*", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000, *", False),
        ("*;q=0", False),
        ("br, *;q=0.1", True),
        ("identity", False),
        ("", False),
        (None, False),
        ("gzip;q=nonsense", False),
    ],
)
def test_gzip_is_taken_when_named_or_through_a_star_with_a_q_above_zero(value: str | None, accepted: bool) -> None:
    assert accepts_gzip(value) is accepted


def test_a_large_enough_body_is_gzipped_for_a_client_that_accepts_it_and_says_it_varies() -> None:
    body = json.dumps([{"title": "やること", "n": n} for n in range(100)]).encode()
    headers, sent = negotiate(JSON, body, "gzip, deflate", 1000)
    assert gzip.decompress(sent) == body
    assert headers == [*JSON, ("Vary", "Accept-Encoding"), ("Content-Encoding", "gzip")]
    headers, sent = negotiate(JSON, body, "identity", 1000)
    assert (headers, sent) == ([*JSON, ("Vary", "Accept-Encoding")], body)


def test_the_vary_of_an_answer_gains_accept_encoding_once() -> None:
    body = b"[" + b'"x",' * 400 + b'"x"]'
    headers, _ = negotiate([*JSON, ("Vary", "Origin")], body, "gzip", 1000)
    assert ("Vary", "Origin, Accept-Encoding") in headers
    headers, _ = negotiate([*JSON, ("Vary", "Accept-Encoding")], body, "gzip", 1000)
    assert [value for name, value in headers if name == "Vary"] == ["Accept-Encoding"]


@pytest.mark.parametrize(
    "headers, size",
    [
        (JSON, 999),  # below the minimum
        ([("Content-Type", "image/png")], 5000),  # not a compressible type
        ([*JSON, ("Content-Encoding", "gzip")], 5000),  # already encoded
        ([], 5000),  # no type
    ],
)
def test_other_answers_go_as_they_are(headers: list[tuple[str, str]], size: int) -> None:
    body = b"a" * size
    assert negotiate(headers, body, "gzip", 1000) == (headers, body)


def test_the_stages_compress_the_apis_answers_from_the_same_size_as_the_ui() -> None:
    on_disk = json.loads((BACKEND / ".chalice" / "config.json").read_text(encoding="utf-8"))
    for stage in ("dev", "prod"):
        assert Config(chalice_stage=stage, config_from_disk=on_disk).minimum_compression_size == CLOUDFRONT_MINIMUM


@pytest.fixture(scope="module")
def compressing_api(dynalite_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAPI]:
    """The local API server for a stage whose minimum_compression_size is 1,000 bytes."""
    folder = tmp_path_factory.mktemp("compressing")
    project = Path(api_project(folder, dynalite_endpoint, create_fresh_table(dynalite_endpoint)))
    config_path = project / ".chalice" / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["stages"]["test"]["minimum_compression_size"] = 1000
    config_path.write_text(json.dumps(config), encoding="utf-8")
    running = start_api(str(project), folder / "api.log")
    yield running
    supervise.stop(running.process)


def test_the_local_api_gzips_answers_from_the_stages_minimum_for_clients_that_accept_it(
    compressing_api: RunningAPI,
) -> None:
    new = json.dumps({"title": "圧縮される一覧", "memo": "メモ" * 20, "priority": 3}).encode()
    for _ in range(8):
        status, _, body = compressing_api.request("POST", "/todos", new, {"Content-Type": "application/json"})
        assert status == 201, body
    status, headers, body = compressing_api.request("GET", "/todos", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    listed = json.loads(gzip.decompress(body))
    assert len(listed) == 8 and len(json.dumps(listed, ensure_ascii=False).encode()) >= 1000

    status, headers, body = compressing_api.request("GET", "/todos", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in headers
    assert json.loads(body) == listed
    # One todo is under the minimum: plain, whatever the client accepts.
    status, headers, body = compressing_api.request(
        "GET", f"/todos/{listed[0]['id']}", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200 and "Content-Encoding" not in headers
    assert json.loads(body)["id"] == listed[0]["id"]


def test_without_a_minimum_the_local_api_never_compresses(dynalite_endpoint: str, tmp_path: Path) -> None:
    project = api_project(tmp_path, dynalite_endpoint, create_fresh_table(dynalite_endpoint))
    running = start_api(project, tmp_path / "api.log")
    try:
        status, headers, body = running.request("GET", "/openapi.json", headers={"Accept-Encoding": "gzip"})
        assert status == 200 and len(body) > 1000
        assert "Content-Encoding" not in headers
        json.loads(body)
    finally:
        supervise.stop(running.process)


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    """The UI server on tmp_path, which holds app.css ("body {}"), as in the UI server's own tests."""
    (tmp_path / "app.css").write_text("body {}\n", encoding="utf-8")
    with serving(tmp_path) as port:
        yield port


def fetch(port: int, path: str, accept: str | None, method: str = "GET") -> tuple[dict[str, str], bytes]:
    extra = f"Accept-Encoding: {accept}\r\n" if accept is not None else ""
    with connect(port) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode())
        answer = read_answer(sock, head_only=method == "HEAD")
    assert answer.status == 200
    return answer.headers, answer.body


def test_the_ui_server_gzips_the_sites_files_as_cloudfront_does(port: int, tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "main.js").write_text("export const hello = 'こんにちは';\n" * 100, encoding="utf-8")
    script = (tmp_path / "js" / "main.js").read_bytes()
    headers, body = fetch(port, "/js/main.js", "gzip, deflate, br")
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == script and len(body) < len(script) // 10
    head, _ = fetch(port, "/js/main.js", "gzip", "HEAD")
    assert head["content-length"] == headers["content-length"]

    headers, body = fetch(port, "/js/main.js", None)
    assert "content-encoding" not in headers and headers["vary"] == "Accept-Encoding"
    assert body == script
    # The page itself is generated, not read from the folder: compressed all the same.
    headers, body = fetch(port, "/", "gzip")
    assert headers["content-encoding"] == "gzip" and b"<html" in gzip.decompress(body)
    # Under CloudFront's 1,000 bytes: plain.
    headers, body = fetch(port, "/app.css", "gzip")
    assert "content-encoding" not in headers and body == b"body {}\n"
