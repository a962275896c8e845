"""Random sequences of two signed-in users' API calls, checked after every step against a model of each one's todos.

Runs through ``chalice.test.Client`` against moto and against dynalite (the
local engine over its wire protocol), with tokens from a real local identity
provider that the app verifies. Each sequence has two fresh users; every call
acts as one of them (or as nobody, which is 401), on that user's todos or on
the other's (which must be 404 and change nothing). HOBOPY_STATEFUL_EXAMPLES
raises the number of sequences (``make fuzz`` does).
"""

import base64
import json
import os
import re
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from chalicelib.storage import dynamodb_client
from chalicelib.todos import MEMO_PATTERN, POSITION_PATTERN, TITLE_PATTERN, WRITABLE, new_id
from tests.support.audit import audited, report_figure
from tests.support.project import app_client, chalice_project, create_fresh_table

JSON = {"Content-Type": "application/json"}
EXAMPLES = int(os.environ.get("HOBOPY_STATEFUL_EXAMPLES", "12"))
STEPS_PER_EXAMPLE = 30
USERS = (0, 1)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
# Written straight into the table, the way the seed's are: no version, no timestamps. The same id
# under two owners is two todos.
LEGACY = {
    0: [
        {"id": "L1", "title": "seeded", "memo": "", "priority": 3, "completed": False},
        {"id": "L2", "title": "𩸽 seeded too", "memo": "line\nbreak", "priority": 5, "completed": True},
    ],
    1: [{"id": "L1", "title": "the other owner's L1", "memo": "", "priority": 1, "completed": False}],
}
UNKNOWN_IDS = ["nope", "0" * 32, "x" * 3000, "L1 ", "<script>"]
BAD_TOKENS = [None, "", "Bearer ", "garbage", "Bearer e30.e30.", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."]

# Any text the field rules allow: from the patterns the OpenAPI document states them in.
titles = st.text(min_size=1, max_size=40).filter(lambda s: re.fullmatch(TITLE_PATTERN, s))
memos = st.text(max_size=60).filter(lambda s: re.fullmatch(MEMO_PATTERN, s))
# The book's form sends the priority as the string its <select> gives.
priorities = st.one_of(st.integers(1, 5), st.sampled_from(["1", "2", "3", "4", "5"]))
dues = st.one_of(st.none(), st.dates().map(str))
positions = st.one_of(st.none(), st.from_regex(POSITION_PATTERN, fullmatch=True))
new_todos = st.fixed_dictionaries(
    {"title": titles, "memo": memos, "priority": priorities},
    optional={
        "completed": st.booleans(),
        "due": dues,
        "position": positions,
        "version": st.integers(),
        "colour": st.text(max_size=5),
    },
)
changes = st.fixed_dictionaries(
    {},
    optional={
        "title": titles,
        "memo": memos,
        "priority": priorities,
        "completed": st.booleans(),
        "due": dues,
        "position": positions,
        "createdAt": st.just("1999-01-01T00:00:00.000Z"),
    },
).filter(lambda c: set(c) & set(WRITABLE))
tag_kinds = st.sampled_from(["none", "current", "stale", "star", "weak", "several"])
bad_bodies = st.sampled_from(
    [
        "",
        "[]",
        "{",
        '{"title": ""}',
        '{"title": "x", "memo": "", "priority": 6}',
        '{"title": "x", "memo": "", "priority": true}',
        '{"title": "x", "memo": "", "priority": 2.0}',
        '{"title": "x", "memo": "", "priority": "03"}',
        '{"title": "x", "memo": 5, "priority": 2}',
        '{"title": "x", "priority": 2}',
        '{"title": "\\ud800"}',
    ]
)
users = st.sampled_from(USERS)


def _stored(fields):
    """What the API stores of the fields a client sent: writable ones, priorities as integers, nulls left out."""
    return {k: int(v) if k == "priority" else v for k, v in fields.items() if k in WRITABLE and v is not None}


def _updated(before, body):
    """A todo after an update with ``body``: its fields written, those sent as null removed."""
    cleared = {k for k, v in body.items() if k in WRITABLE and v is None}
    return {k: v for k, v in {**before, **_stored(body)}.items() if k not in cleared}


def _subject(id_token):
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


class TodoMachine(RuleBasedStateMachine):
    """The API against a dict per user of what it should hold for them."""

    client = None  # set per test: a chalice.test HTTP client bound to ``table`` on ``endpoint``
    pool = None  # the identity provider's user pool
    endpoint = table = None
    calls = comparisons = refusals = trespasses = 0

    ids = Bundle("ids")

    def __init__(self):
        super().__init__()
        self.users = [self.pool.new_user() for _ in USERS]
        self.model = {user: {} for user in USERS}

    def _send(self, user, method, path, body=None, headers=None, authorization=""):
        type(self).calls += 1
        data = body if isinstance(body, str) else (json.dumps(body) if body is not None else b"")
        auth = self.users[user].headers() if user is not None else {}
        if authorization != "":
            auth = {} if authorization is None else {"Authorization": authorization}
        response = self.client.request(method, path, headers={**JSON, **auth, **(headers or {})}, body=data)
        parsed = json.loads(response.body) if response.body else None
        return response.status_code, parsed, response.headers

    def _tag(self, kind, user, todo_id):
        version = self.model[user].get(todo_id, {}).get("version", 0)
        return {
            "none": None,
            "current": f'"{version}"',
            "stale": f'"{version + 1}"',
            "star": "*",
            "weak": f'W/"{version}"',
            "several": f'"{version + 5}", "{version}"',
        }[kind]

    def _someone_elses(self, user, todo_id):
        if todo_id not in self.model[user] and any(todo_id in self.model[other] for other in USERS):
            type(self).trespasses += 1

    @initialize(target=ids)
    def legacy_todos(self):
        dynamodb = dynamodb_client(self.endpoint)
        for user, todos in LEGACY.items():
            owner = _subject(self.users[user].id_token)
            for todo in todos:
                item = {
                    k: ({"BOOL": v} if isinstance(v, bool) else {"N": str(v)} if isinstance(v, int) else {"S": v})
                    for k, v in {**todo, "owner": owner}.items()
                }
                dynamodb.put_item(TableName=self.table, Item=item)
                self.model[user][todo["id"]] = dict(todo)
        return multiple(*{todo["id"] for todos in LEGACY.values() for todo in todos})

    @rule(target=ids, user=users, body=new_todos)
    def create(self, user, body):
        status, todo, headers = self._send(user, "POST", "/todos", body)
        assert status == 201, todo
        assert re.fullmatch(r"[0-9a-f]{32}", todo["id"]) and all(todo["id"] not in m for m in self.model.values())
        assert headers["Location"] == f"/todos/{todo['id']}" and headers["ETag"] == '"1"'
        expected = {"completed": False, **_stored(body)}
        assert TIMESTAMP.fullmatch(todo["createdAt"]) and todo["updatedAt"] == todo["createdAt"]
        assert todo == {
            **expected,
            "id": todo["id"],
            "version": 1,
            "createdAt": todo["createdAt"],
            "updatedAt": todo["updatedAt"],
        }
        self.model[user][todo["id"]] = todo
        return todo["id"]

    @rule(target=ids, user=users, body=new_todos, todo_id=st.one_of(st.builds(new_id), ids))
    def create_under_an_id(self, user, body, todo_id):
        status, todo, headers = self._send(user, "PUT", f"/todos/{_quote(todo_id)}", body, {"If-None-Match": "*"})
        if not re.fullmatch(r"[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}", todo_id):
            assert status == 400 and todo["Code"] == "BadRequestError", todo
        elif todo_id in self.model[user]:
            assert status == 412 and todo["Code"] == "PreconditionFailed", todo
        else:
            assert status == 201 and headers["Location"] == f"/todos/{todo_id}", todo
            expected = {"completed": False, **_stored(body), "id": todo_id, "version": 1}
            assert todo == {**expected, "createdAt": todo["createdAt"], "updatedAt": todo["createdAt"]}
            self.model[user][todo_id] = todo
        return todo_id

    @rule(user=users, completed=st.sampled_from([None, "true"]))
    def poll_an_unchanged_list(self, user, completed):
        path = "/todos" + (f"?completed={completed}" if completed else "")
        status, _, headers = self._send(user, "GET", path)
        assert status == 200
        status, body, again = self._send(user, "GET", path, headers={"If-None-Match": headers["ETag"]})
        assert status == 304 and body is None and again["ETag"] == headers["ETag"]

    @rule(user=users, todo_id=st.one_of(ids, st.sampled_from(UNKNOWN_IDS)), method=st.sampled_from(["GET", "HEAD"]))
    def get(self, user, todo_id, method):
        self._someone_elses(user, todo_id)
        status, todo, headers = self._send(user, method, f"/todos/{_quote(todo_id)}")
        mine = self.model[user].get(todo_id)
        if mine is None:
            assert status == 404, todo
        else:
            assert status == 200 and headers["ETag"] == f'"{mine.get("version", 0)}"'
        if method == "HEAD":
            assert todo is None
        elif mine is None:
            assert todo["Code"] == "NotFoundError"
        else:
            assert todo == mine

    @rule(
        user=users,
        todo_id=st.one_of(ids, st.sampled_from(UNKNOWN_IDS)),
        body=changes,
        kind=tag_kinds,
        method=st.sampled_from(["PUT", "PATCH"]),
    )
    def update(self, user, todo_id, body, kind, method):
        self._someone_elses(user, todo_id)
        tag = self._tag(kind, user, todo_id)
        status, todo, headers = self._send(
            user, method, f"/todos/{_quote(todo_id)}", body, {"If-Match": tag} if tag else None
        )
        before = self.model[user].get(todo_id)
        if before is None:
            assert status == 404, todo
            return
        if kind in ("stale", "weak"):
            assert status == 412 and todo["Code"] == "PreconditionFailed"
            return
        assert status == 200, todo
        expected = {**_updated(before, body), "version": before.get("version", 0) + 1, "updatedAt": todo["updatedAt"]}
        assert todo == expected and headers["ETag"] == f'"{expected["version"]}"'
        assert TIMESTAMP.fullmatch(todo["updatedAt"]) and todo["updatedAt"] >= before.get("updatedAt", "")
        self.model[user][todo_id] = todo

    @rule(user=users, todo_id=st.one_of(ids, st.sampled_from(UNKNOWN_IDS)), kind=tag_kinds)
    def delete(self, user, todo_id, kind):
        self._someone_elses(user, todo_id)
        tag = self._tag(kind, user, todo_id)
        status, todo, _ = self._send(
            user, "DELETE", f"/todos/{_quote(todo_id)}", headers={"If-Match": tag} if tag else None
        )
        if todo_id not in self.model[user]:
            assert status == 404, todo
        elif kind in ("stale", "weak"):
            assert status == 412, todo
        else:
            assert status == 200 and todo == self.model[user].pop(todo_id)

    @rule(todo_id=ids, method=st.sampled_from(["GET", "PATCH", "DELETE"]))
    def reach_for_the_other_user_s_todo(self, todo_id, method):
        owners = [user for user in USERS if todo_id in self.model[user]]
        if len(owners) != 1:
            return
        intruder = 1 - owners[0]
        self._someone_elses(intruder, todo_id)
        body = {"title": "not yours"} if method == "PATCH" else None
        status, error, _ = self._send(intruder, method, f"/todos/{_quote(todo_id)}", body, {"If-Match": "*"})
        assert status == 404 and error["Code"] == "NotFoundError", error

    @rule(user=users, body=bad_bodies)
    def create_invalid(self, user, body):
        status, error, _ = self._send(user, "POST", "/todos", body)
        assert status == 400 and error["Code"] == "BadRequestError", error

    @rule(
        authorization=st.sampled_from(BAD_TOKENS),
        method=st.sampled_from(["GET", "POST", "PATCH", "DELETE"]),
        todo_id=ids,
        body=new_todos,
    )
    def without_a_valid_token(self, authorization, method, todo_id, body):
        type(self).refusals += 1
        path = "/todos" if method in ("GET", "POST") else f"/todos/{_quote(todo_id)}"
        status, error, _ = self._send(
            None, method, path, body if method in ("POST", "PATCH") else None, authorization=authorization
        )
        assert status == 401 and error["Code"] == "UnauthorizedError", error

    @rule(user=users, limit=st.integers(1, 4), completed=st.sampled_from([None, "true", "false"]))
    def list_in_pages(self, user, limit, completed):
        query = f"limit={limit}" + (f"&completed={completed}" if completed else "")
        seen = self._all(user, f"/todos?{query}", limit)
        wanted = [t for t in self.model[user].values() if completed is None or t["completed"] == (completed == "true")]
        assert sorted(seen, key=lambda t: t["id"]) == sorted(wanted, key=lambda t: t["id"])

    def _all(self, user, path, limit=None):
        seen = []
        while path:
            status, page, headers = self._send(user, "GET", path)
            assert status == 200 and (limit is None or len(page) <= limit), page
            seen += page
            link = headers.get("Link")
            path = _next_path(link) if link else None
        return seen

    @invariant()
    def each_user_s_list_holds_exactly_their_model(self):
        type(self).comparisons += 1
        for user in USERS:
            items = self._all(user, "/todos")
            assert {t["id"]: t for t in items} == self.model[user] and len(items) == len(self.model[user])


def _quote(todo_id):
    return quote(todo_id, safe="")


def _next_path(link):
    target = link[link.index("<") + 1 : link.index(">")]
    parts = urlsplit(target)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(params=["moto", "dynalite"])
def engine_endpoint(request):
    return request.getfixturevalue(f"{request.param}_endpoint")


@pytest.mark.slow
def test_random_call_sequences_of_two_users_never_lose_invent_corrupt_or_share_a_todo(
    engine_endpoint, identity_provider, tmp_path, request
):
    pool, stage = identity_provider
    table = create_fresh_table(engine_endpoint)
    # No demo owner: a request without a token is refused, as in a deployable stage.
    project = chalice_project(tmp_path, engine_endpoint, table, extra_env={**stage, "ANONYMOUS_OWNER": ""})
    TodoMachine.calls = TodoMachine.comparisons = TodoMachine.refusals = TodoMachine.trespasses = 0
    with app_client(project) as client:
        TodoMachine.client, TodoMachine.pool = audited(client.http), pool
        TodoMachine.endpoint, TodoMachine.table = engine_endpoint, table
        run_state_machine_as_test(
            TodoMachine,
            settings=settings(
                max_examples=EXAMPLES,
                # `make test` repeats the same sequences; `make fuzz` (which sets the variable) explores.
                derandomize="HOBOPY_STATEFUL_EXAMPLES" not in os.environ,
                stateful_step_count=STEPS_PER_EXAMPLE,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    dynamodb_client(engine_endpoint).delete_table(TableName=table)
    # The invariant runs once after the setup and once after every step.
    steps = TodoMachine.comparisons - EXAMPLES
    report_figure(
        f"state machine on {request.node.callspec.id}: {EXAMPLES} sequences of two users, {steps} steps, "
        f"{TodoMachine.calls} API calls ({TodoMachine.trespasses} on the other user's todos, "
        f"{TodoMachine.refusals} without a valid token); both users' lists compared with the model after each step"
    )
    assert steps > EXAMPLES * 10 and TodoMachine.trespasses > 0 and TodoMachine.refusals > 0
