"""Every row of the HTTP contract, through chalice.test.Client against a real dynalite table."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from devtools.local import supervise
from tests.support.api import NEW, all_todos, assert_error, create, send
from tests.support.audit import audited
from tests.support.project import app_client, chalice_project


def test_empty_table_lists_as_empty_array(api_client):
    status, items, headers = send(api_client, "GET", "/todos")
    assert (status, items) == (200, [])
    assert "Link" not in headers


def test_seed_todos_are_served_as_stored_without_invented_fields(seeded_api):
    items = sorted(all_todos(seeded_api), key=lambda t: t["id"])
    assert [t["id"] for t in items] == ["L5", "L6", "L7"]
    assert items[0] == {
        "id": "L5",
        "title": "プロフィールページ作成",
        "memo": "分かりやすく端的に、且つ、魅力的に",
        "priority": 3,
        "completed": False,
    }


def test_get_seed_todo_has_etag_of_version_zero(seeded_api):
    status, todo, headers = send(seeded_api, "GET", "/todos/L7")
    assert status == 200 and todo["title"] == "リスト(Li)カスタマイズ"
    assert headers["ETag"] == '"0"'


def test_create_answers_201_with_location_etag_and_server_fields(api_client):
    status, todo, headers = send(api_client, "POST", "/todos", {**NEW, "completed": True})
    assert status == 201
    assert headers["Location"] == f"/todos/{todo['id']}"
    assert headers["ETag"] == '"1"'
    assert todo["completed"] is True and todo["version"] == 1
    assert todo["createdAt"] == todo["updatedAt"]
    assert send(api_client, "GET", headers["Location"])[1] == todo


def test_create_defaults_completed_to_false(api_client):
    assert create(api_client)["completed"] is False


def test_unknown_and_read_only_fields_are_ignored_and_not_stored(api_client):
    todo = create(api_client, id="chosen", version=99, createdAt="1999", colour="red")
    assert todo["id"] != "chosen" and todo["version"] == 1 and "colour" not in todo
    assert todo["createdAt"] != "1999"
    assert "colour" not in send(api_client, "GET", f"/todos/{todo['id']}")[1]


def test_missing_field_error_has_the_walkthrough_shape(api_client):
    status, body, _ = send(api_client, "POST", "/todos", {"title": "x", "memo": ""})
    assert status == 400
    assert body == {"Code": "BadRequestError", "Message": "BadRequestError: priority is required."}


BAD_BODIES = [
    ('{"title": "x", "memo": "", ', "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('"just text"', "JSON object"),
    ("", "JSON object is required"),
    (json.dumps({**NEW, "title": ""}), "title"),
    (json.dumps({**NEW, "title": "   "}), "title"),
    (json.dumps({**NEW, "title": "t" * 201}), "title"),
    (json.dumps({**NEW, "memo": None}), "memo"),
    (json.dumps({**NEW, "memo": "m" * 2001}), "memo"),
    (json.dumps({**NEW, "priority": 0}), "priority"),
    (json.dumps({**NEW, "priority": 6}), "priority"),
    (json.dumps({**NEW, "priority": True}), "priority"),
    (json.dumps({**NEW, "priority": "03"}), "priority"),
    (json.dumps({**NEW, "priority": " 1"}), "priority"),
    (json.dumps({**NEW, "priority": "1.0"}), "priority"),
    (json.dumps({**NEW, "priority": ""}), "priority"),
    (json.dumps({**NEW, "priority": "6"}), "priority"),
    (json.dumps({**NEW, "priority": "+2"}), "priority"),
    (json.dumps({**NEW, "priority": "\uff13"}), "priority"),
    ('{"title": "x", "memo": "", "priority": ' + "9" * 5000 + "}", "priority must be an integer from 1 to 5"),
    (json.dumps({**NEW, "priority": 2.5}), "priority"),
    (json.dumps({**NEW, "priority": 3.0}), "priority"),
    (json.dumps({**NEW, "completed": "false"}), "completed"),
    ('{"title": "\\ud83d", "memo": "", "priority": 1}', "surrogate"),
    ('{"title": "a", "memo": "\\udc00", "priority": 1}', "surrogate"),
    ("[" * 5000 + "]" * 5000, "nested"),
]


@pytest.mark.parametrize("raw, words", BAD_BODIES)
def test_bad_create_bodies_get_400_and_create_nothing(api_client, raw, words):
    status, body, _ = send(api_client, "POST", "/todos", raw=raw)
    assert_error(status, body, 400, "BadRequestError", words)
    assert all_todos(api_client) == []


@pytest.mark.parametrize("raw, words", BAD_BODIES[:3] + BAD_BODIES[4:])
def test_bad_update_bodies_get_400_and_change_nothing(api_client, raw, words):
    todo = create(api_client)
    status, body, _ = send(api_client, "PUT", f"/todos/{todo['id']}", raw=raw)
    assert_error(status, body, 400, "BadRequestError", words)
    assert all_todos(api_client) == [todo]


NOT_JSON = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/xml",
    "text/plain;application/json",
    "text/plain; x=*/*",
    "application/jsonp",
    "application/json-patch+json",
    "*/*",
]


@pytest.mark.parametrize("content_type", NOT_JSON)
def test_body_that_is_not_json_gets_415_and_creates_nothing(api_client, content_type):
    status, body, _ = send(api_client, "POST", "/todos", NEW, headers={"Content-Type": content_type})
    assert_error(status, body, 415, "UnsupportedMediaType", "application/json")
    assert all_todos(api_client) == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_body_without_content_type_is_415_and_writes_nothing(api_client, method):
    todo = create(api_client)
    path = "/todos" if method == "POST" else f"/todos/{todo['id']}"
    response = getattr(api_client, method.lower())(path, body=json.dumps(NEW))
    assert_error(response.status_code, json.loads(response.body), 415, "UnsupportedMediaType", "no Content-Type")
    assert all_todos(api_client) == [todo]


@pytest.mark.parametrize("given, stored", [("1", 1), ("3", 3), ("5", 5), (2, 2)])
def test_priority_as_the_books_select_sends_it_is_stored_as_an_integer(api_client, given, stored):
    todo = create(api_client, priority=given)
    assert todo["priority"] == stored
    assert send(api_client, "GET", f"/todos/{todo['id']}")[1]["priority"] == stored
    status, updated, _ = send(api_client, "PUT", f"/todos/{todo['id']}", {"priority": "4"})
    assert (status, updated["priority"]) == (200, 4)


def test_json_with_charset_is_accepted(api_client):
    status, _, _ = send(api_client, "POST", "/todos", NEW, headers={"Content-Type": "application/json; charset=utf-8"})
    assert status == 201


def test_body_over_64_kib_gets_413_and_creates_nothing(api_client):
    status, body, _ = send(api_client, "POST", "/todos", {**NEW, "padding": "x" * 70000})
    assert status == 413 and set(body) == {"Code", "Message"}
    assert all_todos(api_client) == []


def test_update_is_partial_and_answers_the_whole_todo(api_client):
    todo = create(api_client)
    status, updated, headers = send(api_client, "PUT", f"/todos/{todo['id']}", {"completed": True, "id": "other"})
    assert status == 200
    assert updated == {**todo, "completed": True, "version": 2, "updatedAt": updated["updatedAt"]}
    assert updated["updatedAt"] >= todo["updatedAt"]
    assert headers["ETag"] == '"2"'


def test_patch_is_the_same_as_put(api_client):
    todo = create(api_client)
    status, updated, _ = send(api_client, "PATCH", f"/todos/{todo['id']}", {"memo": "patched"})
    assert status == 200 and updated["memo"] == "patched" and updated["title"] == todo["title"]


def test_update_with_nothing_updatable_is_400(api_client):
    todo = create(api_client)
    status, body, _ = send(api_client, "PUT", f"/todos/{todo['id']}", {"id": "x", "version": 5})
    assert_error(status, body, 400, "BadRequestError", "nothing to update")
    assert all_todos(api_client) == [todo]


def test_update_of_seed_todo_adds_version_and_updated_at_but_not_created_at(seeded_api):
    status, updated, _ = send(seeded_api, "PUT", "/todos/L6", {"priority": 5})
    assert status == 200 and updated["version"] == 1 and "updatedAt" in updated
    assert "createdAt" not in updated


def test_update_of_missing_todo_is_404_and_writes_nothing(api_client):
    status, body, _ = send(api_client, "PUT", "/todos/ghost", {"title": "boo"})
    assert_error(status, body, 404, "NotFoundError", '"ghost"')
    assert all_todos(api_client) == []


def test_delete_answers_the_todo_as_it_was_then_404s(api_client):
    todo = create(api_client)
    assert send(api_client, "DELETE", f"/todos/{todo['id']}")[:2] == (200, todo)
    assert_error(*send(api_client, "GET", f"/todos/{todo['id']}")[:2], 404, "NotFoundError")
    assert_error(*send(api_client, "DELETE", f"/todos/{todo['id']}")[:2], 404, "NotFoundError")
    assert all_todos(api_client) == []


def test_get_of_missing_todo_is_404(api_client):
    assert_error(*send(api_client, "GET", "/todos/nope")[:2], 404, "NotFoundError")


def test_id_too_long_for_dynamodb_is_404_not_500(api_client):
    long_id = "x" * 3000
    for method in ("GET", "DELETE"):
        assert_error(*send(api_client, method, f"/todos/{long_id}")[:2], 404, "NotFoundError")
    assert_error(*send(api_client, "PUT", f"/todos/{long_id}", {"title": "x"})[:2], 404, "NotFoundError")


def test_unicode_round_trips_exactly(api_client):
    text = '𩸽と🍣\n<img src=x onerror=alert(1)> & "quotes" \\ \u3000é\u0301 \U0001f468\u200d\U0001f469'
    # A title is one line: the newline goes in the memo only.
    title = text.replace("\n", " ")
    todo = create(api_client, title=title, memo=text)
    fetched = send(api_client, "GET", f"/todos/{todo['id']}")[1]
    assert fetched["title"] == title and fetched["memo"] == text


def test_numbers_are_written_as_json_integers(api_client):
    todo = create(api_client, priority=4)
    response = api_client.get(f"/todos/{todo['id']}")
    assert b'"priority":4' in response.body and b'"version":1' in response.body


def test_completed_filter(api_client):
    done = create(api_client, completed=True)
    open_ = create(api_client)
    assert [t["id"] for t in send(api_client, "GET", "/todos?completed=true")[1]] == [done["id"]]
    assert [t["id"] for t in send(api_client, "GET", "/todos?completed=false")[1]] == [open_["id"]]


@pytest.mark.parametrize(
    "query",
    ["completed=yes", "limit=0", "limit=1001", "limit=abc", "limit=", "cursor=%25%25%25", "cursor=eyJhZnRlciI6MX0"],
)
def test_bad_query_parameters_are_400(api_client, query):
    assert_error(*send(api_client, "GET", f"/todos?{query}")[:2], 400, "BadRequestError")


def test_pagination_follows_link_headers_to_every_todo(api_client):
    created = {create(api_client, title=f"t{n}", completed=n % 2 == 0)["id"] for n in range(7)}
    seen, path, pages = [], "/todos?limit=2", 0
    while path:
        status, items, headers = send(api_client, "GET", path)
        assert status == 200 and len(items) <= 2
        seen += [t["id"] for t in items]
        pages += 1
        link = headers.get("Link")
        if link:
            assert link.endswith('>; rel="next"') and link.startswith("</todos?")
            path = link[1 : link.index(">")]
            assert parse_qs(urlsplit(path).query)["limit"] == ["2"]
        else:
            path = None
    assert pages == 4 and sorted(seen) == sorted(created)


def test_link_keeps_the_completed_filter(api_client):
    for n in range(5):
        create(api_client, title=f"t{n}", completed=True)
    create(api_client, completed=False)
    _, items, headers = send(api_client, "GET", "/todos?completed=true&limit=3")
    query = parse_qs(urlsplit(headers["Link"][1 : headers["Link"].index(">")]).query)
    assert query["completed"] == ["true"] and query["limit"] == ["3"]
    _, rest, headers = send(
        api_client, "GET", "/todos?" + urlsplit(headers["Link"][1 : headers["Link"].index(">")]).query
    )
    assert "Link" not in headers
    assert len(items) + len(rest) == 5 and all(t["completed"] for t in items + rest)


def test_stale_if_match_is_412_and_changes_nothing(api_client):
    todo = create(api_client)
    assert send(api_client, "PUT", f"/todos/{todo['id']}", {"priority": 1}, headers={"If-Match": '"1"'})[0] == 200
    status, body, _ = send(api_client, "PUT", f"/todos/{todo['id']}", {"title": "late"}, headers={"If-Match": '"1"'})
    assert_error(status, body, 412, "PreconditionFailed")
    assert_error(
        *send(api_client, "DELETE", f"/todos/{todo['id']}", headers={"If-Match": '"1"'})[:2], 412, "PreconditionFailed"
    )
    assert send(api_client, "GET", f"/todos/{todo['id']}")[1]["title"] == todo["title"]


def test_every_answer_carries_nosniff_and_no_store(api_client):
    todo = create(api_client)
    for method, path, payload in [
        ("GET", "/todos", None),
        ("GET", f"/todos/{todo['id']}", None),
        ("GET", "/todos/missing", None),
        ("POST", "/todos", {"title": ""}),
    ]:
        headers = send(api_client, method, path, payload)[2]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"


def test_cors_headers_only_for_allowed_origins(api_client):
    allowed = send(api_client, "GET", "/todos", headers={"Origin": "http://127.0.0.1:8002"})[2]
    assert allowed["Access-Control-Allow-Origin"] == "http://127.0.0.1:8002"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    other = send(api_client, "GET", "/todos", headers={"Origin": "https://evil.example"})[2]
    assert "Access-Control-Allow-Origin" not in other


def test_unreachable_database_is_503_within_five_seconds(tmp_path):
    closed = f"http://127.0.0.1:{supervise.free_port()}"
    with app_client(chalice_project(tmp_path, closed, "Todos")) as client:
        for method, path, payload in [
            ("GET", "/todos", None),
            ("GET", "/todos/x", None),
            ("POST", "/todos", NEW),
            ("PUT", "/todos/x", {"title": "y"}),
            ("DELETE", "/todos/x", None),
        ]:
            started = time.monotonic()
            status, body, headers = send(audited(client.http), method, path, payload)
            assert time.monotonic() - started < 5
            assert_error(status, body, 503, "ServiceUnavailable")
            assert headers["Retry-After"].isdigit()


def test_missing_table_is_503_not_500(dynalite_endpoint, tmp_path):
    project = chalice_project(tmp_path, dynalite_endpoint, "NoSuchTable")
    with app_client(project) as client:
        assert_error(*send(audited(client.http), "GET", "/todos")[:2], 503, "ServiceUnavailable")
