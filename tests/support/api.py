"""Requests to the app through ``chalice.test.Client`` and checks of its answers, shared by the API suites."""

import json

JSON = {"Content-Type": "application/json"}
NEW = {"title": "プロフィールページ作成", "memo": "分かりやすく", "priority": 3}


def send(api, method, path, payload=None, headers=None, raw=None):
    """One request; answers (status, parsed JSON body or None, headers)."""
    data = raw if raw is not None else (json.dumps(payload) if payload is not None else None)
    response = getattr(api, method.lower())(path, headers={**JSON, **(headers or {})}, body=data)
    parsed = json.loads(response.body) if response.body else None
    return response.status_code, parsed, response.headers


def create(api, **fields):
    status, todo, _ = send(api, "POST", "/todos", {**NEW, **fields})
    assert status == 201, todo
    return todo


def all_todos(api):
    status, items, _ = send(api, "GET", "/todos")
    assert status == 200
    return items


def assert_error(status, body, expected_status, code, *words):
    assert status == expected_status, body
    assert set(body) == {"Code", "Message"}
    assert body["Code"] == code
    assert body["Message"].startswith(f"{code}: ")
    for word in words:
        assert word in body["Message"]
