"""One set of repository contract tests, run against the in-memory fake, moto and dynalite."""
import pytest

from chalicelib import storage, todos
from tests.conftest import create_fresh_table
from tests.fakes import InMemoryTodoRepository

NEW = {"title": "買い物", "memo": "牛乳\nパン", "priority": 3, "completed": False}


class CountingDynamoRepository(storage.DynamoTodoRepository):
    """The real repository on its own client, counting the requests it sends."""

    def __init__(self, endpoint, table):
        client = storage._new_client(endpoint)
        super().__init__(client, table)
        self.requests = 0
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, **_):
        self.requests += 1


@pytest.fixture(params=["memory", "moto", "dynalite"])
def repo(request):
    if request.param == "memory":
        return InMemoryTodoRepository()
    endpoint = request.getfixturevalue(f"{request.param}_endpoint")
    return CountingDynamoRepository(endpoint, create_fresh_table(endpoint))


def requests_for(repo, operation, *args, **kwargs):
    """Run one repository call; return (result or exception, number of requests it sent)."""
    before = repo.requests
    try:
        result = operation(*args, **kwargs)
    except todos.TodoError as exc:
        result = exc
    return result, repo.requests - before


def test_create_assigns_hex_id_timestamps_and_version_one(repo):
    todo = repo.create(dict(NEW))
    assert len(todo["id"]) == 32 and all(c in "0123456789abcdef" for c in todo["id"])
    assert todo["version"] == 1
    assert todo["createdAt"] == todo["updatedAt"]
    assert todo["createdAt"].endswith("Z")
    assert {k: todo[k] for k in NEW} == NEW


def test_created_todo_reads_back_exactly(repo):
    created = repo.create({**NEW, "title": "𩸽を焼く 🐟 <b>&amp;</b>"})
    assert repo.get(created["id"]) == created


def test_numbers_come_back_as_int_and_booleans_as_bool(repo):
    todo = repo.get(repo.create(dict(NEW))["id"])
    assert type(todo["priority"]) is int and type(todo["version"]) is int
    assert type(todo["completed"]) is bool


def test_empty_memo_is_stored_as_empty_string(repo):
    todo = repo.create({**NEW, "memo": ""})
    assert repo.get(todo["id"])["memo"] == ""


def test_get_of_missing_todo_is_not_found(repo):
    with pytest.raises(todos.NotFound):
        repo.get("does-not-exist")


@pytest.mark.parametrize("todo_id", ["", "x" * 2049, "é" * 1025])
def test_ids_dynamodb_cannot_store_are_not_found(repo, todo_id):
    for operation in (repo.get, repo.delete):
        with pytest.raises(todos.NotFound):
            operation(todo_id)
    with pytest.raises(todos.NotFound):
        repo.update(todo_id, {"title": "x"})


def test_update_changes_only_given_fields_and_increments_version(repo):
    created = repo.create(dict(NEW))
    updated = repo.update(created["id"], {"completed": True})
    assert updated["completed"] is True
    assert updated["title"] == NEW["title"] and updated["memo"] == NEW["memo"]
    assert updated["version"] == 2
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]
    assert repo.get(created["id"]) == updated


def test_update_of_missing_todo_is_not_found_and_writes_nothing(repo):
    with pytest.raises(todos.NotFound):
        repo.update("missing", {"title": "ghost"})
    with pytest.raises(todos.NotFound):
        repo.get("missing")
    assert repo.list() == ([], None)


def test_delete_returns_the_todo_as_it_was_and_removes_it(repo):
    created = repo.create(dict(NEW))
    assert repo.delete(created["id"]) == created
    with pytest.raises(todos.NotFound):
        repo.get(created["id"])
    with pytest.raises(todos.NotFound):
        repo.delete(created["id"])


def test_stale_version_is_refused_and_changes_nothing(repo):
    created = repo.create(dict(NEW))
    repo.update(created["id"], {"priority": 5})
    with pytest.raises(todos.PreconditionFailed):
        repo.update(created["id"], {"title": "stale"}, if_match=frozenset({1}))
    with pytest.raises(todos.PreconditionFailed):
        repo.delete(created["id"], if_match=frozenset({1}))
    current = repo.get(created["id"])
    assert current["title"] == NEW["title"] and current["version"] == 2


def test_current_version_or_star_is_accepted(repo):
    created = repo.create(dict(NEW))
    assert repo.update(created["id"], {"title": "a"}, if_match=frozenset({1}))["version"] == 2
    assert repo.update(created["id"], {"title": "b"}, if_match="*")["version"] == 3
    assert repo.delete(created["id"], if_match=frozenset({2, 3}))["title"] == "b"


def test_if_match_on_missing_todo_is_not_found(repo):
    with pytest.raises(todos.NotFound):
        repo.update("missing", {"title": "x"}, if_match=frozenset({1}))
    with pytest.raises(todos.NotFound):
        repo.delete("missing", if_match=frozenset({0}))


def test_list_returns_everything_and_filters_by_completed(repo):
    done = repo.create({**NEW, "completed": True})
    open_ = repo.create(dict(NEW))
    everything, cursor = repo.list()
    assert cursor is None
    assert sorted(t["id"] for t in everything) == sorted([done["id"], open_["id"]])
    assert [t["id"] for t in repo.list(completed=True)[0]] == [done["id"]]
    assert [t["id"] for t in repo.list(completed=False)[0]] == [open_["id"]]


@pytest.mark.parametrize("completed", [None, True])
def test_pages_cover_every_todo_exactly_once(repo, completed):
    for n in range(13):
        repo.create({**NEW, "title": f"todo {n}", "completed": n % 2 == 0})
    expected = 13 if completed is None else 7
    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = repo.list(completed=completed, limit=3, cursor=cursor)
        assert len(page) <= 3
        seen.extend(t["id"] for t in page)
        pages += 1
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == expected
    assert pages >= expected // 3


@pytest.mark.parametrize("cursor", ["not-base64!", "e30", "eyJhZnRlciI6IDF9", "W10"])
def test_malformed_cursor_is_a_validation_error(repo, cursor):
    with pytest.raises(todos.ValidationError):
        repo.list(cursor=cursor)


def test_single_item_operations_send_exactly_one_request(repo):
    created, sent = requests_for(repo, repo.create, dict(NEW))
    assert sent == 1
    for operation, args, kwargs in [
        (repo.get, (created["id"],), {}),
        (repo.update, (created["id"], {"title": "x"}), {}),
        (repo.update, (created["id"], {"title": "y"}), {"if_match": frozenset({2})}),
        (repo.get, ("missing",), {}),
        (repo.update, ("missing", {"title": "x"}), {}),
        (repo.delete, ("missing",), {}),
        (repo.delete, (created["id"],), {"if_match": "*"}),
    ]:
        _, sent = requests_for(repo, operation, *args, **kwargs)
        assert sent == 1, (operation.__name__, args, kwargs)
