"""`make run` the way a user runs it: start, use the API over HTTP, Ctrl-C, start again."""

import os
import signal
import time
from pathlib import Path

import jwt
import pytest
import requests

from devtools.local.accounts import Pool
from tests.support.makerun import MakeRun, StackEnv, pid_serving, run_env, wait_until_closed

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def stack_env(tmp_path: Path) -> StackEnv:
    return run_env(tmp_path)


def test_make_run_serves_the_walkthrough_and_keeps_data_across_restarts(stack_env: StackEnv) -> None:
    env, ports = stack_env
    api = f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}"
    http = requests.Session()

    run = MakeRun(env)
    try:
        run.wait_for("Press Ctrl-C to stop everything.")
        assert f"{api}/todos" in run.text() and "dynalite" in run.text()

        listed = http.get(f"{api}/todos", timeout=10)
        assert listed.status_code == 200
        assert sorted(t["id"] for t in listed.json()) == ["L5", "L6", "L7"]
        # The same API on the UI's origin, as the page calls it.
        ui = f"http://127.0.0.1:{ports['HOBOPY_UI_PORT']}"
        assert f"{ui}/api/todos" in run.text()
        assert http.get(f"{ui}/api/todos", timeout=10).json() == listed.json()

        l5 = http.get(f"{api}/todos/L5", timeout=10).json()
        assert l5["title"] == "プロフィールページ作成" and l5["priority"] == 3

        created = http.post(f"{api}/todos", json={"title": "𩸽を買う", "memo": "魚屋さんで", "priority": 2}, timeout=10)
        assert created.status_code == 201
        new_id = created.json()["id"]
        assert created.headers["Location"] == f"/todos/{new_id}"

        missing = http.post(f"{api}/todos", json={"title": "メモなし", "priority": 1}, timeout=10)
        assert missing.status_code == 400
        assert missing.json() == {"Code": "BadRequestError", "Message": "BadRequestError: memo is required."}

        updated = http.put(f"{api}/todos/{new_id}", json={"completed": True}, timeout=10)
        assert updated.status_code == 200 and updated.json()["completed"] is True

        assert http.delete(f"{api}/todos/L6", timeout=10).status_code == 200
        assert http.get(f"{api}/todos/L6", timeout=10).status_code == 404
        assert http.put(f"{api}/todos/L6", json={"title": "x"}, timeout=10).status_code == 404
        assert http.delete(f"{api}/todos/L6", timeout=10).status_code == 404
    finally:
        run.ctrl_c()
    wait_until_closed(ports.values())
    assert "Stopped" in run.text()

    again = MakeRun(env)
    try:
        again.wait_for("Press Ctrl-C to stop everything.")
        assert "created and seeded now" not in again.text()
        ids = sorted(t["id"] for t in http.get(f"{api}/todos", timeout=10).json())
        assert ids == sorted(["L5", "L7", new_id])
        kept = http.get(f"{api}/todos/{new_id}", timeout=10).json()
        assert kept["title"] == "𩸽を買う" and kept["completed"] is True
    finally:
        again.ctrl_c()
    wait_until_closed(ports.values())


def test_killed_engine_identity_provider_and_api_come_back_the_api_answering_503_meanwhile(stack_env: StackEnv) -> None:
    env, ports = stack_env
    api = f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}"
    run = MakeRun(env)
    try:
        run.wait_for("Press Ctrl-C to stop everything.")
        pool = Pool.from_data_dir(Path(env["HOBOPY_DATA_DIR"]) / "idp", f"http://127.0.0.1:{ports['HOBOPY_IDP_PORT']}")
        user = pool.new_user()
        created = requests.post(
            f"{api}/todos",
            json={"title": "停電に備える", "memo": "", "priority": 4},
            headers=user.headers(),
            timeout=10,
        )
        assert created.status_code == 201
        todo_url = f"{api}/todos/{created.json()['id']}"

        os.kill(pid_serving(ports["HOBOPY_DB_PORT"], "dynalite"), signal.SIGKILL)
        killed = time.monotonic()
        down = requests.get(todo_url, headers=user.headers(), timeout=10)
        assert time.monotonic() - killed < 5
        assert down.status_code == 503, down.text
        assert down.json()["Code"] == "ServiceUnavailable" and down.json()["Message"].startswith("ServiceUnavailable: ")

        run.wait_for("the engine is running again", timeout=60)
        assert "the engine exited with signal SIGKILL; restarting it in" in run.text()
        back = requests.get(todo_url, headers=user.headers(), timeout=10)
        assert back.status_code == 200 and back.json()["title"] == "停電に備える"

        os.kill(pid_serving(ports["HOBOPY_IDP_PORT"], "devtools.local.idp"), signal.SIGKILL)
        run.wait_for("the identity provider is running again", timeout=60)
        pool.refresh(user)
        assert requests.get(todo_url, headers=user.headers(), timeout=10).status_code == 200
        assert "the API exited" not in run.text(), "the API itself must ride out the outages"

        os.kill(pid_serving(ports["HOBOPY_API_PORT"], "devtools.local.api"), signal.SIGKILL)
        on_ui = todo_url.replace(api, f"http://127.0.0.1:{ports['HOBOPY_UI_PORT']}/api")
        gone = requests.get(on_ui, headers=user.headers(), timeout=10)
        assert gone.status_code == 503 and gone.json()["Code"] == "ServiceUnavailable", gone.text
        run.wait_for("the API is running again", timeout=60)
        assert requests.get(todo_url, headers=user.headers(), timeout=10).status_code == 200
        assert requests.get(on_ui, headers=user.headers(), timeout=10).json() == created.json()
    finally:
        run.ctrl_c()
    wait_until_closed(ports.values())
    assert "Stopped" in run.text()


def test_accounts_and_their_todos_outlive_a_restart(stack_env: StackEnv) -> None:
    env, ports = stack_env
    api = f"http://127.0.0.1:{ports['HOBOPY_API_PORT']}"
    idp_dir = Path(env["HOBOPY_DATA_DIR"]) / "idp"
    run = MakeRun(env)
    try:
        run.wait_for("Press Ctrl-C to stop everything.")
        pool = Pool.from_data_dir(idp_dir, f"http://127.0.0.1:{ports['HOBOPY_IDP_PORT']}")
        assert pool.client_id in run.text()
        user = pool.new_user()
        sub = jwt.decode(user.id_token, options={"verify_signature": False})["sub"]
        created = requests.post(
            f"{api}/todos", json={"title": "私のだけ", "memo": "", "priority": "2"}, headers=user.headers(), timeout=10
        )
        assert created.status_code == 201, created.text
        demo_ids = [t["id"] for t in requests.get(f"{api}/todos", timeout=10).json()]
        assert created.json()["id"] not in demo_ids
    finally:
        run.ctrl_c()
    wait_until_closed(ports.values())

    again = MakeRun(env)
    try:
        again.wait_for("Press Ctrl-C to stop everything.")
        id_token, _ = pool.sign_in(user.email, user.password)
        assert jwt.decode(id_token, options={"verify_signature": False})["sub"] == sub
        mine = requests.get(f"{api}/todos", headers={"Authorization": id_token}, timeout=10)
        assert mine.status_code == 200
        assert [(t["id"], t["title"]) for t in mine.json()] == [(created.json()["id"], "私のだけ")]
    finally:
        again.ctrl_c()
    wait_until_closed(ports.values())
