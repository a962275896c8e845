"""How `hobopy run` chooses its engine: one already running, dynalite, or moto without Node.js."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devtools.local import engine
from tests.support.makerun import MakeRun, pid_serving, run_env, wait_until_closed

VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


class HobopyRun(MakeRun):
    """`hobopy run --no-ui` itself, in its own process group."""

    args = (str(VENV_BIN / "hobopy"), "run", "--no-ui")


def test_an_engine_already_listening_is_used_and_left_running(tmp_path: Path, dynalite_endpoint: str) -> None:
    port = int(dynalite_endpoint.rsplit(":", 1)[1])
    env, ports = run_env(tmp_path, HOBOPY_DB_PORT=str(port))
    run = HobopyRun(env)
    try:
        run.wait_for("Press Ctrl-C")
        assert "already running" in run.text()
        api = f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}"
        assert len(requests.get(f"{api}/todos", timeout=10).json()) >= 3
    finally:
        run.ctrl_c()
    wait_until_closed([ports["HOBOPY_API_PORT"]])
    assert engine.speaks_dynamodb(dynalite_endpoint), "the engine it did not start must keep running"


def test_without_node_the_stack_falls_back_to_moto_and_warns(tmp_path: Path) -> None:
    # A PATH with only the virtual environment on it: no node.
    env, ports = run_env(tmp_path, PATH=str(VENV_BIN))
    run = HobopyRun(env)
    try:
        run.wait_for("Press Ctrl-C")
        assert "moto" in run.text() and "will NOT survive a restart" in run.text()
        api = f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}"
        assert sorted(t["id"] for t in requests.get(f"{api}/todos", timeout=10).json()) == ["L5", "L6", "L7"]
        created = requests.post(f"{api}/todos", json={"title": "テスト", "memo": "", "priority": 1}, timeout=10)
        assert created.status_code == 201

        # In memory, a restarted engine has lost the table: the stack creates and seeds it again.
        os.kill(pid_serving(ports["HOBOPY_DB_PORT"], "devtools.local.engine"), signal.SIGKILL)
        run.wait_for("the engine is running again", timeout=60)
        assert sorted(t["id"] for t in requests.get(f"{api}/todos", timeout=10).json()) == ["L5", "L6", "L7"]
    finally:
        run.ctrl_c()
    wait_until_closed(ports.values())


@pytest.mark.parametrize(
    "variable, message",
    [
        ("HOBOPY_DB_PORT", "does not speak DynamoDB"),
        ("HOBOPY_IDP_PORT", "is already in use"),
        ("HOBOPY_API_PORT", "is already in use"),
    ],
)
def test_a_port_taken_by_something_else_is_a_clear_error(tmp_path: Path, variable: str, message: str) -> None:
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        env, ports = run_env(tmp_path, **{variable: str(blocker.getsockname()[1])})
        run = HobopyRun(env)
        run.process.wait(60)
        run._reader.join(5)
    assert run.process.returncode != 0
    assert message in run.text() and variable in run.text()
    assert "Traceback" not in run.text()
    wait_until_closed(ports.values())


@pytest.mark.parametrize(
    "origin, allowed",
    [
        ("http://devbox.example:5173", True),  # HOBOPY_EXTRA_ORIGINS
        ("http://localhost:5174", True),  # any loopback origin, on any port
        ("http://127.0.0.1:9", True),
        ("http://[::1]:3000", True),
        ("http://devbox.example:5174", False),
        ("http://evil.example", False),
        ("null", False),
    ],
)
def test_loopback_origins_and_extra_origins_are_allowed_by_api_and_identity_provider_and_no_other(
    extra_origin_stack: tuple[str, str], origin: str, allowed: bool
) -> None:
    for url, headers in zip(
        extra_origin_stack, ("content-type,authorization", "content-type,x-amz-target"), strict=True
    ):
        answer = requests.options(
            url,
            timeout=10,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": headers,
            },
        )
        assert answer.status_code == (204 if allowed else 403), (url, origin)
        assert (answer.headers.get("Access-Control-Allow-Origin") == origin) is allowed, (url, origin)


@pytest.fixture(scope="module")
def extra_origin_stack(tmp_path_factory: pytest.TempPathFactory, dynalite_endpoint: str) -> Iterator[tuple[str, str]]:
    """``hobopy run`` with HOBOPY_EXTRA_ORIGINS: (the API's /todos, the identity provider's URL)."""
    port = int(dynalite_endpoint.rsplit(":", 1)[1])
    extra = "http://devbox.example:5173"
    env, ports = run_env(tmp_path_factory.mktemp("extra"), HOBOPY_DB_PORT=str(port), HOBOPY_EXTRA_ORIGINS=f"{extra}/")
    run = HobopyRun(env)
    try:
        run.wait_for("Press Ctrl-C")
        assert f"(any port), {extra}" in run.text()
        yield f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}/todos", f"http://127.0.0.1:{ports['HOBOPY_IDP_PORT']}/"
    finally:
        run.ctrl_c()
    wait_until_closed([ports["HOBOPY_API_PORT"], ports["HOBOPY_IDP_PORT"]])


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("HOBOPY_IDP_PORT", "80a", "HOBOPY_IDP_PORT='80a' is not a TCP port number"),
        ("HOBOPY_EXTRA_ORIGINS", "localhost:5173", "'localhost:5173' is not an origin"),
    ],
)
def test_a_bad_setting_is_one_clear_line(tmp_path: Path, variable: str, value: str, message: str) -> None:
    env, _ = run_env(tmp_path, **{variable: value})
    result = subprocess.run(
        [str(VENV_BIN / "hobopy"), "run", "--no-ui"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_the_apis_records_go_to_its_log_file_as_json_and_the_console_stays_readable(
    tmp_path: Path, dynalite_endpoint: str
) -> None:
    port = int(dynalite_endpoint.rsplit(":", 1)[1])
    env, ports = run_env(tmp_path, HOBOPY_DB_PORT=str(port))
    run = HobopyRun(env)
    title = "recognisable stack title 93ac"
    try:
        run.wait_for("Press Ctrl-C")
        api = f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}"
        created = requests.post(f"{api}/todos", json={"title": title, "memo": "", "priority": 1}, timeout=10)
        assert created.status_code == 201
        assert requests.get(f"{api}/todos/no-such-todo", timeout=10).status_code == 404
    finally:
        run.ctrl_c()
    wait_until_closed([ports["HOBOPY_API_PORT"]])
    log = tmp_path / "data" / "logs" / "api.log"
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]  # JSON, every line
    requests_seen = [
        (r["method"], r["route"], r["status"], r.get("error")) for r in records if r.get("route") != "/openapi.json"
    ]
    assert requests_seen == [("POST", "/todos", 201, None), ("GET", "/todos/{todo_id}", 404, "NotFoundError")]
    assert all(r["api_request_id"] and "_aws" in r for r in records)
    assert '{"level"' not in run.text() and title not in run.text() + log.read_text(encoding="utf-8")
