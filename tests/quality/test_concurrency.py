"""Optimistic concurrency: ETag "<version>", If-Match, 412 that changes nothing, last writer wins without it."""

import json
import threading

import pytest
import requests

from chalicelib.storage import dynamodb_client
from tests.support.audit import call
from tests.support.project import DEMO_OWNER

JSON = {"Content-Type": "application/json"}
NEW = {"title": "Pay the rent", "memo": "before the 5th", "priority": 4}


def send(dynalite_api_client, method, path, payload=None, if_match=None):
    headers = dict(JSON)
    if if_match is not None:
        headers["If-Match"] = if_match
    response = dynalite_api_client.request(
        method, path, headers=headers, body=json.dumps(payload) if payload is not None else b""
    )
    return response.status_code, json.loads(response.body), response.headers


def create(dynalite_api_client):
    status, todo, headers = send(dynalite_api_client, "POST", "/todos", NEW)
    assert status == 201 and headers["ETag"] == '"1"' and todo["version"] == 1
    return todo


def stored(dynalite_api_client, todo_id):
    status, todo, _ = send(dynalite_api_client, "GET", f"/todos/{todo_id}")
    return todo if status == 200 else None


WRITES = [("PUT", {"title": "changed"}), ("PATCH", {"memo": "changed"}), ("DELETE", None)]


@pytest.mark.parametrize("method, payload", WRITES, ids=[m for m, _ in WRITES])
@pytest.mark.parametrize("tag", ['"2"', '"0"', 'W/"1"', '"01x"', '"01"', 'W/"1", "2"'])
def test_a_write_whose_if_match_names_another_version_is_412_and_changes_nothing(
    dynalite_api_client, method, payload, tag
):
    todo = create(dynalite_api_client)
    status, body, _ = send(dynalite_api_client, method, f"/todos/{todo['id']}", payload, if_match=tag)
    assert status == 412 and body["Code"] == "PreconditionFailed"
    assert stored(dynalite_api_client, todo["id"]) == todo


@pytest.mark.parametrize("method, payload", WRITES, ids=[m for m, _ in WRITES])
@pytest.mark.parametrize("tag", ["garbage", '"1', "1", "", "0", '" 1"', '"1" "2"', "**", "W/1"])
def test_a_write_whose_if_match_is_not_a_list_of_entity_tags_is_400_and_changes_nothing(
    dynalite_api_client, method, payload, tag
):
    todo = create(dynalite_api_client)
    status, body, _ = send(dynalite_api_client, method, f"/todos/{todo['id']}", payload, if_match=tag)
    assert status == 400 and body["Code"] == "BadRequestError" and "If-Match" in body["Message"], body
    assert stored(dynalite_api_client, todo["id"]) == todo


@pytest.mark.parametrize("method, payload", WRITES, ids=[m for m, _ in WRITES])
@pytest.mark.parametrize("tag", ['"1"', '"7", "1"', " * ", '"3","1"'])
def test_a_write_whose_if_match_names_the_current_version_succeeds(dynalite_api_client, method, payload, tag):
    todo = create(dynalite_api_client)
    status, body, headers = send(dynalite_api_client, method, f"/todos/{todo['id']}", payload, if_match=tag)
    assert status == 200
    if method == "DELETE":
        assert body == todo and headers["ETag"] == '"1"'
        assert stored(dynalite_api_client, todo["id"]) is None
    else:
        assert body["version"] == 2 and headers["ETag"] == '"2"'
        assert stored(dynalite_api_client, todo["id"]) == body


@pytest.mark.parametrize("method, payload", WRITES, ids=[m for m, _ in WRITES])
@pytest.mark.parametrize("tag", ['"1"', "*", None])
def test_a_write_to_a_missing_todo_is_404_whatever_if_match_says(dynalite_api_client, method, payload, tag):
    status, body, _ = send(
        dynalite_api_client, method, "/todos/f00dfeedf00dfeedf00dfeedf00dfeed", payload, if_match=tag
    )
    assert status == 404 and body["Code"] == "NotFoundError"
    assert send(dynalite_api_client, "GET", "/todos")[1] == []


def test_a_stale_writer_is_refused_and_the_other_writer_s_change_survives(dynalite_api_client):
    todo = create(dynalite_api_client)
    tag = '"1"'  # both writers read version 1
    assert send(dynalite_api_client, "PUT", f"/todos/{todo['id']}", {"title": "first"}, if_match=tag)[0] == 200
    status, _, _ = send(dynalite_api_client, "PUT", f"/todos/{todo['id']}", {"title": "second"}, if_match=tag)
    assert status == 412
    assert stored(dynalite_api_client, todo["id"])["title"] == "first"
    assert send(dynalite_api_client, "DELETE", f"/todos/{todo['id']}", if_match=tag)[0] == 412
    assert stored(dynalite_api_client, todo["id"])["version"] == 2


def test_without_if_match_the_last_writer_wins(dynalite_api_client):
    todo = create(dynalite_api_client)
    send(dynalite_api_client, "PUT", f"/todos/{todo['id']}", {"title": "first", "priority": 1})
    status, body, headers = send(dynalite_api_client, "PATCH", f"/todos/{todo['id']}", {"title": "second"})
    assert status == 200 and headers["ETag"] == '"3"'
    assert stored(dynalite_api_client, todo["id"]) == {**body, "title": "second", "priority": 1, "version": 3}


def test_the_etag_of_every_answer_is_the_version_of_the_todo_it_carries(dynalite_api_client):
    todo = create(dynalite_api_client)
    for method, payload in [
        ("GET", None),
        ("PUT", {"completed": True}),
        ("PATCH", {"priority": 1}),
        ("GET", None),
        ("DELETE", None),
    ]:
        status, body, headers = send(dynalite_api_client, method, f"/todos/{todo['id']}", payload)
        assert status == 200 and headers["ETag"] == f'"{body["version"]}"'
    listed = [send(dynalite_api_client, "POST", "/todos", NEW)[1] for _ in range(3)]
    assert (
        sorted(t["version"] for t in send(dynalite_api_client, "GET", "/todos")[1])
        == [1, 1, 1]
        == [t["version"] for t in listed]
    )


@pytest.fixture
def legacy_todo(dynalite_table, dynalite_api_client):
    """A todo written without a version, the way the seed's are."""
    endpoint, table = dynalite_table
    item = {
        "owner": {"S": DEMO_OWNER},
        "id": {"S": "L9"},
        "title": {"S": "seeded"},
        "memo": {"S": ""},
        "priority": {"N": "2"},
        "completed": {"BOOL": False},
    }
    dynamodb_client(endpoint).put_item(TableName=table, Item=item)
    return "/todos/L9"


def test_a_todo_without_a_version_counts_as_version_zero(dynalite_api_client, legacy_todo):
    status, body, headers = send(dynalite_api_client, "GET", legacy_todo)
    assert status == 200 and headers["ETag"] == '"0"' and "version" not in body
    assert send(dynalite_api_client, "PUT", legacy_todo, {"memo": "x"}, if_match='"1"')[0] == 412
    assert send(dynalite_api_client, "PUT", legacy_todo, {"memo": "x"}, if_match='W/"0"')[0] == 412
    status, body, headers = send(dynalite_api_client, "PUT", legacy_todo, {"memo": "x"}, if_match='"0"')
    assert status == 200 and body["version"] == 1 and headers["ETag"] == '"1"'
    assert send(dynalite_api_client, "DELETE", legacy_todo, if_match='"0"')[0] == 412
    assert send(dynalite_api_client, "DELETE", legacy_todo, if_match='"1"')[0] == 200


def test_a_todo_without_a_version_can_be_deleted_with_if_match_zero(dynalite_api_client, legacy_todo):
    assert send(dynalite_api_client, "DELETE", legacy_todo, if_match='"0"')[0] == 200
    assert send(dynalite_api_client, "GET", legacy_todo)[0] == 404


def test_more_than_twenty_tags_in_if_match_is_400(dynalite_api_client):
    todo = create(dynalite_api_client)
    tags = ", ".join(f'"{n}"' for n in range(21))
    status, body, _ = send(dynalite_api_client, "PUT", f"/todos/{todo['id']}", {"memo": "x"}, if_match=tags)
    assert status == 400 and "If-Match" in body["Message"]
    assert stored(dynalite_api_client, todo["id"]) == todo


def _race(url, headers, todo_id, writers, method, payload):
    """``writers`` threads send the same conditional write at once with ``headers``; answers their statuses."""
    barrier = threading.Barrier(writers)
    statuses = []

    def write(index):
        with requests.Session() as session:
            barrier.wait()
            body = json.dumps({**payload, "memo": f"writer {index}"}) if payload else None
            response = call(
                session, method, f"{url}/todos/{todo_id}", data=body, headers={**JSON, **headers, "If-Match": '"1"'}
            )
            statuses.append((response.status_code, index))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_of_writers_racing_with_the_same_tag_exactly_one_wins(live_url, http, method):
    todo = call(http, "POST", f"{live_url}/todos", json=NEW).json()
    statuses = _race(
        live_url,
        {"Authorization": http.headers["Authorization"]},
        todo["id"],
        8,
        method,
        {"priority": 2} if method == "PUT" else None,
    )
    winners = [index for status, index in statuses if status == 200]
    assert len(winners) == 1 and [s for s, _ in statuses].count(412) + [s for s, _ in statuses].count(404) == 7
    after = call(http, "GET", f"{live_url}/todos/{todo['id']}")
    if method == "PUT":
        assert after.json()["memo"] == f"writer {winners[0]}" and after.json()["version"] == 2
    else:
        assert after.status_code == 404
