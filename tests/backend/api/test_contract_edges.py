"""The contract's edges: HEAD, entity tags, cursors, digits, preflights without Origin, page size."""

import base64
import json

import pytest

from chalicelib import todos
from tests.support.api import assert_error, create, send


@pytest.mark.parametrize("path", ["/todos", "/todos/{id}", "/openapi.json", "/todos?limit=1"])
def test_head_answers_the_headers_of_get_without_a_body(api_client, path):
    todo = create(api_client)
    create(api_client)
    path = path.format(id=todo["id"])
    got = api_client.get(path)
    head = api_client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.body == b""
    for name in ("Content-Type", "ETag", "Link", "X-Content-Type-Options", "Cache-Control"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_of_a_missing_todo_is_404_without_a_body(api_client):
    answer = api_client.head("/todos/missing")
    assert answer.status_code == 404 and answer.body == b""


@pytest.mark.parametrize("tag", ['"01"', '"1"0', '" 1"', '"+1"', 'W/"1"', '"1.0"'])
def test_entity_tags_compare_character_by_character(api_client, tag):
    todo = create(api_client)
    status, body, _ = send(api_client, "PUT", f"/todos/{todo['id']}", {"title": "x"}, headers={"If-Match": tag})
    assert status in (400, 412), body
    assert send(api_client, "GET", f"/todos/{todo['id']}")[1] == todo


@pytest.mark.parametrize("header", ["garbage", "0", "", "1", '"1", ', "W/1", '"1" "1"'])
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_malformed_if_match_is_400_not_412_and_changes_nothing(api_client, header, method):
    todo = create(api_client)
    payload = None if method == "DELETE" else {"title": "x"}
    status, body, _ = send(api_client, method, f"/todos/{todo['id']}", payload, headers={"If-Match": header})
    assert_error(status, body, 400, "BadRequestError", "If-Match")
    assert send(api_client, "GET", f"/todos/{todo['id']}")[1] == todo


def test_a_matching_tag_among_others_still_matches(api_client):
    todo = create(api_client)
    status, _, _ = send(
        api_client, "PATCH", f"/todos/{todo['id']}", {"title": "x"}, headers={"If-Match": '"7", W/"1", "1"'}
    )
    assert status == 200


def _cursor(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("[" * 1000 + "]" * 1000),
        _cursor('{"after": ' * 500 + '"x"' + "}" * 500),
        _cursor('{"after": 1}'),
        _cursor('{"after": "x", "owner": "someone"}'),
        "A" * 5000,
        "%00",
    ],
)
def test_a_cursor_the_api_did_not_issue_is_400(api_client, cursor):
    status, body, _ = send(api_client, "GET", f"/todos?cursor={cursor}")
    assert_error(status, body, 400, "BadRequestError", "cursor")


def test_a_huge_number_is_refused_with_the_fields_rule_not_pythons(api_client):
    raw = '{"title": "x", "memo": "", "priority": ' + "7" * 5000 + "}"
    status, body, _ = send(api_client, "POST", "/todos", raw=raw)
    assert_error(status, body, 400, "BadRequestError", "priority must be an integer from 1 to 5")
    assert "digits" not in body["Message"] and "4300" not in body["Message"]


def test_a_preflight_without_origin_says_so_without_python_values(api_client):
    for path in ("/todos", "/todos/x", "/openapi.json"):
        status, body, _ = send(api_client, "OPTIONS", path, headers={"Content-Type": ""})
        assert_error(status, body, 403, "ForbiddenError", "Origin header")
        assert "None" not in body["Message"]


def test_a_preflight_names_the_methods_of_its_path(api_client):
    response = api_client.options("/todos/x", headers={"Origin": "http://127.0.0.1:8002"})
    assert response.status_code == 204
    allowed = response.headers["Access-Control-Allow-Methods"]
    assert allowed == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_a_list_of_heavy_todos_comes_in_pages_lambda_can_answer(todo_backend, api_client):
    heavy = {"title": "\u0000" * todos.TITLE_MAX, "memo": "\u0000" * todos.MEMO_MAX, "priority": 1, "completed": False}
    count = 470  # about 6.4 MB as one JSON answer: past Lambda's limit
    for _ in range(count):
        todo_backend.repository.create("demo", heavy)
    path, seen, pages = "/todos", 0, 0
    while path:
        response = api_client.get(path)
        assert response.status_code == 200
        lambda_answer = json.dumps(
            {"statusCode": 200, "headers": dict(response.headers), "body": response.body.decode()}
        )
        assert len(lambda_answer) < 6 * 1024 * 1024
        seen += len(json.loads(response.body))
        pages += 1
        link = response.headers.get("Link")
        path = link[1 : link.index(">")] if link else None
    assert seen == count and pages >= 2
