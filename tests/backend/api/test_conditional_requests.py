"""Due dates, positions, creates under a client's id (If-None-Match: *) and list validators, on both backends."""

import time

import pytest

from chalicelib import todos
from tests.support.api import NEW, all_todos, assert_error, create, send


def client_id(offset_ms=0):
    """A UUIDv7 in the API's form, timestamped ``offset_ms`` from now."""
    millis = time.time_ns() // 1_000_000 + offset_ms
    return f"{millis:012x}7abc9{'0123456789abcde'}"


CREATE_ONLY = {"If-None-Match": "*"}


def test_due_and_position_are_stored_and_answered(api_client):
    todo = create(api_client, due="2026-02-28", position="a0V")
    assert (todo["due"], todo["position"]) == ("2026-02-28", "a0V")
    _, read, _ = send(api_client, "GET", f"/todos/{todo['id']}")
    assert (read["due"], read["position"]) == ("2026-02-28", "a0V")


def test_null_or_absent_due_and_position_are_none_on_create(api_client):
    absent = create(api_client)
    null = create(api_client, due=None, position=None)
    for todo in (absent, null):
        assert "due" not in todo and "position" not in todo


def test_null_in_an_update_clears_due_and_position(api_client):
    todo = create(api_client, due="2026-03-01", position="V")
    status, updated, _ = send(api_client, "PUT", f"/todos/{todo['id']}", {"due": None, "position": None})
    assert status == 200 and "due" not in updated and "position" not in updated
    _, read, _ = send(api_client, "GET", f"/todos/{todo['id']}")
    assert "due" not in read and "position" not in read
    assert read["version"] == 2


def test_null_alone_is_an_update(api_client):
    todo = create(api_client, due="2026-03-01")
    status, updated, _ = send(api_client, "PATCH", f"/todos/{todo['id']}", {"due": None})
    assert status == 200 and "due" not in updated


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"due": "2026-02-30"}, "due"),
        ({"due": "2026-13-01"}, "due"),
        ({"due": "2026-1-01"}, "due"),
        ({"due": "2026-01-01T00:00:00Z"}, "due"),
        ({"due": "\uff12\uff10\uff12\uff16-01-01"}, "due"),
        ({"due": 20260101}, "due"),
        ({"position": ""}, "position"),
        ({"position": "a0"}, "position"),
        ({"position": "a-b"}, "position"),
        ({"position": "x" * 65}, "position"),
        ({"position": "é"}, "position"),
        ({"position": 5}, "position"),
    ],
)
def test_bad_due_or_position_is_400_naming_the_field_and_writes_nothing(api_client, payload, field):
    status, body, _ = send(api_client, "POST", "/todos", {**NEW, **payload})
    assert_error(status, body, 400, "BadRequestError", field)
    todo = create(api_client, due="2026-01-01", position="V")
    status, body, _ = send(api_client, "PUT", f"/todos/{todo['id']}", payload)
    assert_error(status, body, 400, "BadRequestError", field)
    assert all_todos(api_client) == [todo]


def test_longest_position_and_leap_day_are_accepted(api_client):
    todo = create(api_client, due="2028-02-29", position="z" * 64)
    assert todo["position"] == "z" * 64


def test_list_order_stays_by_id_whatever_the_positions(api_client):
    first = create(api_client, position="z")
    second = create(api_client, position="a")
    assert [t["id"] for t in all_todos(api_client)] == [first["id"], second["id"]]


def test_put_with_if_none_match_star_creates_under_the_given_id(api_client):
    todo_id = client_id()
    status, todo, headers = send(api_client, "PUT", f"/todos/{todo_id}", {**NEW, "due": "2026-05-01"}, CREATE_ONLY)
    assert status == 201, todo
    assert todo["id"] == todo_id and todo["version"] == 1 and todo["completed"] is False
    assert todo["due"] == "2026-05-01"
    assert headers["Location"] == f"/todos/{todo_id}"
    assert headers["ETag"] == '"1"'
    assert all_todos(api_client) == [todo]


def test_replayed_create_is_412_and_changes_nothing(api_client):
    todo_id = client_id()
    _, todo, _ = send(api_client, "PUT", f"/todos/{todo_id}", NEW, CREATE_ONLY)
    status, body, _ = send(api_client, "PUT", f"/todos/{todo_id}", {**NEW, "title": "other"}, CREATE_ONLY)
    assert_error(status, body, 412, "PreconditionFailed", todo_id)
    assert all_todos(api_client) == [todo]


def test_an_id_made_long_ago_is_fine_and_sorts_first(api_client):
    later = create(api_client)
    old_id = client_id(-30 * 24 * 3600 * 1000)
    status, _, _ = send(api_client, "PUT", f"/todos/{old_id}", NEW, CREATE_ONLY)
    assert status == 201
    assert [t["id"] for t in all_todos(api_client)] == [old_id, later["id"]]


def test_another_owners_id_does_not_block_a_create(todo_backend, api_client):
    todo_id = client_id()
    todo_backend.repository.create_with_id("someone-else", todo_id, todos.validate_new(NEW))
    status, todo, _ = send(api_client, "PUT", f"/todos/{todo_id}", NEW, CREATE_ONLY)
    assert status == 201 and todo["id"] == todo_id


BAD_IDS = {
    "ahead_six_minutes": lambda: client_id(6 * 60 * 1000),
    "uppercase": lambda: client_id().upper(),
    "version_4": lambda: client_id()[:12] + "4" + client_id()[13:],
    "variant_110": lambda: client_id()[:16] + "c" + client_id()[17:],
    "short": lambda: client_id()[:-1],
    "long": lambda: client_id() + "0",
    "seed_style": lambda: "L5",
    "nil": lambda: "0" * 32,
}


@pytest.mark.parametrize("kind", list(BAD_IDS))
def test_create_under_an_id_that_is_not_a_current_uuidv7_is_400_and_writes_nothing(api_client, kind):
    todo_id = BAD_IDS[kind]()
    status, body, _ = send(api_client, "PUT", f"/todos/{todo_id}", NEW, CREATE_ONLY)
    assert_error(status, body, 400, "BadRequestError", "id")
    assert all_todos(api_client) == []


def test_an_id_just_inside_five_minutes_ahead_is_accepted(api_client):
    status, _, _ = send(api_client, "PUT", f"/todos/{client_id(4 * 60 * 1000)}", NEW, CREATE_ONLY)
    assert status == 201


@pytest.mark.parametrize("payload", [{"title": "x", "memo": ""}, {**NEW, "priority": 9}, {**NEW, "due": "2026-02-30"}])
def test_create_under_an_id_follows_the_create_rules(api_client, payload):
    status, body, _ = send(api_client, "PUT", f"/todos/{client_id()}", payload, CREATE_ONLY)
    assert_error(status, body, 400, "BadRequestError")
    assert all_todos(api_client) == []


@pytest.mark.parametrize("value", ['"1"', "W/*", "**", "", '"*"'])
def test_if_none_match_other_than_star_on_put_is_400(api_client, value):
    todo = create(api_client)
    status, body, _ = send(api_client, "PUT", f"/todos/{todo['id']}", {"title": "x"}, {"If-None-Match": value})
    assert_error(status, body, 400, "BadRequestError", "If-None-Match")
    assert all_todos(api_client) == [todo]


def test_if_none_match_with_if_match_is_400(api_client):
    status, body, _ = send(api_client, "PUT", f"/todos/{client_id()}", NEW, {**CREATE_ONLY, "If-Match": '"1"'})
    assert_error(status, body, 400, "BadRequestError", "If-Match")
    assert all_todos(api_client) == []


def test_put_without_if_none_match_stays_a_partial_update(api_client):
    status, body, _ = send(api_client, "PUT", f"/todos/{client_id()}", NEW)
    assert_error(status, body, 404, "NotFoundError")
    assert all_todos(api_client) == []


def test_list_answer_carries_a_strong_etag_and_if_none_match_gets_304(todo_backend, api_client):
    create(api_client)
    status, _, headers = send(api_client, "GET", "/todos")
    tag = headers["ETag"]
    assert status == 200 and tag.startswith('"') and not tag.startswith("W/")
    before = todo_backend.repository.requests if todo_backend.kind == "memory" else None
    response = api_client.get("/todos", headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.body in (b"", "", None)
    assert response.headers["ETag"] == tag
    assert "Content-Type" not in response.headers
    if before is not None:
        assert todo_backend.repository.requests == before + 1
    for value in (f'"other", {tag}', f"W/{tag}", "*"):
        assert api_client.get("/todos", headers={"If-None-Match": value}).status_code == 304


def test_list_etag_changes_with_any_change_to_the_page(api_client):
    todo = create(api_client)
    tags = [send(api_client, "GET", "/todos")[2]["ETag"]]
    send(api_client, "PUT", f"/todos/{todo['id']}", {"position": "V"})
    tags.append(send(api_client, "GET", "/todos")[2]["ETag"])
    create(api_client)
    tags.append(send(api_client, "GET", "/todos")[2]["ETag"])
    tags.append(send(api_client, "GET", "/todos?completed=true")[2]["ETag"])
    assert len(set(tags)) == 4
    status, items, _ = send(api_client, "GET", "/todos", headers={"If-None-Match": ", ".join(tags[:2])})
    assert status == 200 and len(items) == 2


def test_list_etag_covers_the_link_of_the_page(api_client):
    for _ in range(3):
        create(api_client)
    first = send(api_client, "GET", "/todos?limit=2")[2]
    assert "Link" in first
    response = api_client.get("/todos?limit=2", headers={"If-None-Match": first["ETag"]})
    assert response.status_code == 304 and response.headers["Link"] == first["Link"]
    # The same two items with no further page are a different answer.
    page_of_all = send(api_client, "GET", "/todos?limit=3")[2]
    assert page_of_all["ETag"] != first["ETag"]


@pytest.mark.parametrize("value", ["abc", '"unterminated', 'W/"a" junk'])
def test_malformed_if_none_match_on_list_is_400(api_client, value):
    status, body, _ = send(api_client, "GET", "/todos", headers={"If-None-Match": value})
    assert_error(status, body, 400, "BadRequestError", "If-None-Match")


def test_cors_preflight_allows_if_none_match(api_client):
    response = api_client.options(
        "/todos", headers={"Origin": "http://127.0.0.1:8002", "Access-Control-Request-Method": "GET"}
    )
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
