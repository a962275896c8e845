"""The local engines, node devtools/local/dynalite_server.js and moto's server without Node.js (python -m
devtools.local.engine): for this machine's programs, never for a web page."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.storage import dynamodb_client
from devtools.local import engine, supervise
from tests.support.project import ROOT, create_fresh_table

SCRIPT = ROOT / "devtools" / "local" / "dynalite_server.js"
LIST_TABLES = {
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Content-Type": "application/x-amz-json-1.0",
    # dynalite wants a signature's shape, not a valid one.
    "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=00",
    "X-Amz-Date": "20260101T000000Z",
}

NO_NODE = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def start(log: Path, data_dir: Path | None = None) -> tuple[str, supervise.Process]:
    port = supervise.free_port()
    args = ["node", str(SCRIPT), "--port", str(port), "--host", "127.0.0.1", "--createTableMs", "10"]
    if data_dir is not None:
        args += ["--path", str(data_dir)]
    process = supervise.spawn(args, log_path=log)
    endpoint = f"http://127.0.0.1:{port}"
    engine.wait_until_serving(endpoint, process)
    return endpoint, process


@pytest.fixture(scope="module", params=[pytest.param("dynalite", marks=NO_NODE), "moto"])
def endpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("guarded") / "engine.log"
    if request.param == "dynalite":
        url, process = start(log)
    else:
        process = engine.start_moto(port := supervise.free_port(), log)
        url = f"http://127.0.0.1:{port}"
        engine.wait_until_serving(url, process)
    yield url
    supervise.stop(process)


def send(
    endpoint: str, method: str = "POST", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    port = int(endpoint.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, "/", body=b"{}", headers={**LIST_TABLES, **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_boto3_works_through_it(endpoint: str) -> None:
    table = create_fresh_table(endpoint)
    assert table in dynamodb_client(endpoint).list_tables()["TableNames"]


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:8002", "null"])
def test_requests_from_web_pages_are_refused(endpoint: str, origin: str) -> None:
    status, headers, body = send(endpoint, headers={"Origin": origin})
    assert status == 403
    assert "access-control-allow-origin" not in headers
    assert json.loads(body)["__type"].endswith("#AccessDeniedException")
    assert b"TableNames" not in body


def test_cors_preflights_are_refused(endpoint: str) -> None:
    status, headers, _ = send(
        endpoint,
        "OPTIONS",
        {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"},
    )
    assert status == 403
    assert not any(name.startswith("access-control-") for name in headers)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8001", "127.0.0.1:1"])
def test_foreign_hosts_are_refused(endpoint: str, host: str) -> None:
    status, _, body = send(endpoint, headers={"Host": host})
    assert status == 403
    assert b"TableNames" not in body


def test_this_machines_names_are_served(endpoint: str) -> None:
    port = endpoint.rsplit(":", 1)[1]
    for host in ("127.0.0.1", f"localhost:{port}", f"[::1]:{port}"):
        status, _, body = send(endpoint, headers={"Host": host})
        assert status == 200, body
        assert "TableNames" in json.loads(body)


@NO_NODE
def test_sigterm_keeps_the_data_of_path(tmp_path: Path) -> None:
    data = tmp_path / "data"
    endpoint, process = start(tmp_path / "first.log", data)
    table = create_fresh_table(endpoint)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    endpoint, process = start(tmp_path / "second.log", data)
    try:
        assert table in dynamodb_client(endpoint).list_tables()["TableNames"]
    finally:
        supervise.stop(process)
