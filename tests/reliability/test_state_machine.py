"""Random sequences of API calls checked after every step against an in-memory model: nothing lost, nothing invented.

Runs through ``chalice.test.Client`` against moto and against dynalite (the
local engine over its wire protocol). HOBOPY_STATEFUL_EXAMPLES raises the
number of sequences (``make fuzz`` does).
"""
import json
import os
import re
from urllib.parse import urlsplit

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule, \
    run_state_machine_as_test

from app import app
from devtools import db
from tests.conftest import chalice_project, create_fresh_table
from tests.reliability.plugin import report_figure

JSON = {"Content-Type": "application/json"}
EXAMPLES = int(os.environ.get("HOBOPY_STATEFUL_EXAMPLES", "12"))
STEPS_PER_EXAMPLE = 30
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
# Written straight into the table, the way the seed's are: no version, no timestamps.
LEGACY = {
    "L1": {"id": "L1", "title": "seeded", "memo": "", "priority": 3, "completed": False},
    "L2": {"id": "L2", "title": "𩸽 seeded too", "memo": "line\nbreak", "priority": 5, "completed": True},
}
UNKNOWN_IDS = ["nope", "0" * 32, "x" * 3000, "L1 ", "<script>"]

titles = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
memos = st.text(max_size=60)
priorities = st.integers(1, 5)
new_todos = st.fixed_dictionaries(
    {"title": titles, "memo": memos, "priority": priorities},
    optional={"completed": st.booleans(), "version": st.integers(), "colour": st.text(max_size=5)},
)
changes = st.fixed_dictionaries(
    {}, optional={"title": titles, "memo": memos, "priority": priorities, "completed": st.booleans(),
                  "createdAt": st.just("1999-01-01T00:00:00.000Z")},
).filter(lambda c: set(c) & {"title", "memo", "priority", "completed"})
tag_kinds = st.sampled_from(["none", "current", "stale", "star", "weak", "several"])
bad_bodies = st.sampled_from([
    "", "[]", "{", '{"title": ""}', '{"title": "x", "memo": "", "priority": 6}',
    '{"title": "x", "memo": "", "priority": true}', '{"title": "x", "memo": "", "priority": 2.0}',
    '{"title": "x", "memo": 5, "priority": 2}', '{"title": "x", "priority": 2}', '{"title": "\\ud800"}',
])


class TodoMachine(RuleBasedStateMachine):
    """The API against a dict of what it should hold."""

    client = None  # set per test: a chalice.test HTTP client bound to ``table`` on ``endpoint``
    endpoint = table = None
    calls = comparisons = 0

    ids = Bundle("ids")

    def __init__(self):
        super().__init__()
        self.model = {}
        dynamodb = db.client(self.endpoint)
        for page in dynamodb.get_paginator("scan").paginate(TableName=self.table, ConsistentRead=True):
            for item in page["Items"]:
                dynamodb.delete_item(TableName=self.table, Key={"id": item["id"]})

    def _send(self, method, path, body=None, headers=None):
        type(self).calls += 1
        data = body if isinstance(body, str) else (json.dumps(body) if body is not None else b"")
        response = self.client.request(method, path, headers={**JSON, **(headers or {})}, body=data)
        parsed = json.loads(response.body) if response.body else None
        return response.status_code, parsed, response.headers

    def _tag(self, kind, todo_id):
        version = self.model.get(todo_id, {}).get("version", 0)
        return {
            "none": None,
            "current": f'"{version}"',
            "stale": f'"{version + 1}"',
            "star": "*",
            "weak": f'W/"{version}"',
            "several": f'"{version + 5}", "{version}"',
        }[kind]

    @initialize(target=ids)
    def legacy_todos(self):
        dynamodb = db.client(self.endpoint)
        for todo in LEGACY.values():
            item = {k: ({"BOOL": v} if isinstance(v, bool) else {"N": str(v)} if isinstance(v, int) else {"S": v})
                    for k, v in todo.items()}
            dynamodb.put_item(TableName=self.table, Item=item)
            self.model[todo["id"]] = dict(todo)
        return multiple(*LEGACY)

    @rule(target=ids, body=new_todos)
    def create(self, body):
        status, todo, headers = self._send("POST", "/todos", body)
        assert status == 201, todo
        assert re.fullmatch(r"[0-9a-f]{32}", todo["id"]) and todo["id"] not in self.model
        assert headers["Location"] == f"/todos/{todo['id']}" and headers["ETag"] == '"1"'
        expected = {"completed": False, **{k: v for k, v in body.items() if k in ("title", "memo", "priority",
                                                                                     "completed")}}
        assert TIMESTAMP.fullmatch(todo["createdAt"]) and todo["updatedAt"] == todo["createdAt"]
        assert todo == {**expected, "id": todo["id"], "version": 1, "createdAt": todo["createdAt"],
                        "updatedAt": todo["updatedAt"]}
        self.model[todo["id"]] = todo
        return todo["id"]

    @rule(todo_id=st.one_of(ids, st.sampled_from(UNKNOWN_IDS)))
    def get(self, todo_id):
        status, todo, headers = self._send("GET", f"/todos/{_quote(todo_id)}")
        if todo_id in self.model:
            assert status == 200 and todo == self.model[todo_id]
            assert headers["ETag"] == f'"{todo.get("version", 0)}"'
        else:
            assert status == 404 and todo["Code"] == "NotFoundError"

    @rule(todo_id=st.one_of(ids, st.sampled_from(UNKNOWN_IDS)), body=changes, kind=tag_kinds,
          method=st.sampled_from(["PUT", "PATCH"]))
    def update(self, todo_id, body, kind, method):
        tag = self._tag(kind, todo_id)
        status, todo, headers = self._send(method, f"/todos/{_quote(todo_id)}", body,
                                           {"If-Match": tag} if tag else None)
        before = self.model.get(todo_id)
        if before is None:
            assert status == 404, todo
            return
        if kind in ("stale", "weak"):
            assert status == 412 and todo["Code"] == "PreconditionFailed"
            return
        assert status == 200, todo
        written = {k: v for k, v in body.items() if k in ("title", "memo", "priority", "completed")}
        expected = {**before, **written, "version": before.get("version", 0) + 1, "updatedAt": todo["updatedAt"]}
        assert todo == expected and headers["ETag"] == f'"{expected["version"]}"'
        assert TIMESTAMP.fullmatch(todo["updatedAt"]) and todo["updatedAt"] >= before.get("updatedAt", "")
        self.model[todo_id] = todo

    @rule(todo_id=st.one_of(ids, st.sampled_from(UNKNOWN_IDS)), kind=tag_kinds)
    def delete(self, todo_id, kind):
        tag = self._tag(kind, todo_id)
        status, todo, _ = self._send("DELETE", f"/todos/{_quote(todo_id)}", headers={"If-Match": tag} if tag else None)
        if todo_id not in self.model:
            assert status == 404, todo
        elif kind in ("stale", "weak"):
            assert status == 412, todo
        else:
            assert status == 200 and todo == self.model.pop(todo_id)

    @rule(body=bad_bodies)
    def create_invalid(self, body):
        status, error, _ = self._send("POST", "/todos", body)
        assert status == 400 and error["Code"] == "BadRequestError", error

    @rule(limit=st.integers(1, 4), completed=st.sampled_from([None, "true", "false"]))
    def list_in_pages(self, limit, completed):
        query = f"limit={limit}" + (f"&completed={completed}" if completed else "")
        path, seen = f"/todos?{query}", []
        while path:
            status, page, headers = self._send("GET", path)
            assert status == 200 and len(page) <= limit
            seen += page
            link = headers.get("Link")
            path = _next_path(link) if link else None
        wanted = [t for t in self.model.values() if completed is None or t["completed"] == (completed == "true")]
        assert sorted(seen, key=lambda t: t["id"]) == sorted(wanted, key=lambda t: t["id"])

    @invariant()
    def the_table_holds_exactly_the_model(self):
        type(self).comparisons += 1
        status, items, _ = self._send("GET", "/todos")
        assert status == 200
        assert {t["id"]: t for t in items} == self.model and len(items) == len(self.model)


def _quote(todo_id):
    from urllib.parse import quote

    return quote(todo_id, safe="")


def _next_path(link):
    target = link[link.index("<") + 1:link.index(">")]
    parts = urlsplit(target)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(params=["moto", "dynalite"])
def engine_endpoint(request):
    return request.getfixturevalue(f"{request.param}_endpoint")


@pytest.mark.slow
def test_random_call_sequences_never_lose_invent_or_corrupt_a_todo(engine_endpoint, tmp_path, request):
    table = create_fresh_table(engine_endpoint)
    project = chalice_project(tmp_path, engine_endpoint, table)
    TodoMachine.calls = TodoMachine.comparisons = 0
    with Client(app, stage_name="test", project_dir=project) as client:
        TodoMachine.client, TodoMachine.endpoint, TodoMachine.table = client.http, engine_endpoint, table
        run_state_machine_as_test(TodoMachine, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    db.client(engine_endpoint).delete_table(TableName=table)
    # The invariant runs once after the setup and once after every step.
    steps = TodoMachine.comparisons - EXAMPLES
    report_figure(f"state machine on {request.node.callspec.id}: {EXAMPLES} sequences, {steps} steps, "
                  f"{TodoMachine.calls} API calls, the whole table compared with the model after each step")
    assert steps > EXAMPLES * 10
