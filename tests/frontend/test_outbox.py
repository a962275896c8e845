"""The outbox (frontend/src/todoui/outbox.py) under CPython: folding, replaying, conflicts and ids.

The replays run against a small model of the API's contract for these
requests (create under an id with ``If-None-Match: *``, partial update and
delete with ``If-Match``, versions), answers sometimes lost after the server
acted on them, and the person's own changes made between tries.
"""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from todoui import conflicts, ids, outbox, remote

API = "http://h/api/"
MADE = "2026-03-01T09:00:00.000Z"


def todo(todo_id, version=1, **fields):
    base = {"id": todo_id, "title": "t-" + todo_id, "memo": "", "priority": 3, "completed": False, "version": version}
    return {**base, **fields}


def add(record, kind, todo_id, body=None, tag=None):
    return outbox.add(record, kind, todo_id, body, tag, MADE)


def test_an_edit_of_a_queued_create_folds_into_it():
    record, created, fresh = add(outbox.empty(), outbox.CREATE, "n1", {"title": "a", "memo": "", "priority": 3})
    assert fresh
    record, folded, fresh = add(record, outbox.UPDATE, "n1", {"title": "b", "completed": True}, '"0"')
    assert (folded, fresh) == (created, False)
    assert [op["kind"] for op in record["ops"]] == [outbox.CREATE]
    assert record["ops"][0]["body"] == {"title": "b", "memo": "", "priority": 3, "completed": True}
    assert outbox.view([], record) == [
        {"id": "n1", "title": "b", "memo": "", "priority": 3, "completed": True, "createdAt": MADE}
    ]


def test_a_delete_of_a_create_never_sent_cancels_both():
    record, _, _ = add(outbox.empty(), outbox.CREATE, "n1", {"title": "a", "memo": "", "priority": 3})
    record, _, _ = add(record, outbox.UPDATE, "n1", {"memo": "m"}, '"0"')
    record, seq, fresh = add(record, outbox.DELETE, "n1", None, '"0"')
    assert (seq, fresh, record["ops"]) == (None, False, [])
    assert outbox.waiting(record) == 0


def test_a_delete_of_a_create_on_its_way_is_sent_after_it():
    record, created, _ = add(outbox.empty(), outbox.CREATE, "n1", {"title": "a", "memo": "", "priority": 3})
    record = outbox.mark_sending(record, created)
    record, _, fresh = add(record, outbox.DELETE, "n1", None, '"0"')
    assert fresh and [op["kind"] for op in record["ops"]] == [outbox.CREATE, outbox.DELETE]
    # Once the create is answered, the delete names the version it made.
    record = outbox.settle(record, created, todo("n1", version=1))
    assert [(op["kind"], op["tag"]) for op in record["ops"]] == [(outbox.DELETE, '"1"')]


def test_edits_fold_together_but_never_into_one_on_its_way():
    record, first, _ = add(outbox.empty(), outbox.UPDATE, "a", {"title": "x"}, '"4"')
    record, second, fresh = add(record, outbox.UPDATE, "a", {"memo": "y"}, '"4"')
    assert (second, fresh) == (first, False) and record["ops"][0]["body"] == {"title": "x", "memo": "y"}
    record = outbox.mark_sending(record, first)
    record, third, fresh = add(record, outbox.UPDATE, "a", {"completed": True}, '"4"')
    assert fresh and third != first
    record = outbox.settle(record, first, todo("a", version=5))
    assert [(op["body"], op["tag"]) for op in record["ops"]] == [({"completed": True}, '"5"')]


def test_a_delete_replaces_the_edits_not_yet_sent():
    record, _, _ = add(outbox.empty(), outbox.UPDATE, "a", {"title": "x"}, '"2"')
    record, _, fresh = add(record, outbox.DELETE, "a", None, '"2"')
    assert fresh and [(op["kind"], op["tag"]) for op in record["ops"]] == [(outbox.DELETE, '"2"')]
    assert outbox.view([todo("a", 2), todo("b")], record) == [todo("b")]


def test_the_requests_create_under_the_id_and_name_the_version_seen():
    record, _, _ = add(outbox.empty(), outbox.CREATE, "n1", {"title": "a", "memo": "", "priority": 3})
    record, _, _ = add(record, outbox.UPDATE, "a/b", {"title": "x"}, '"2"')
    record, _, _ = add(record, outbox.DELETE, "c", None, '"7"')
    requests = [outbox.request_of(op, API) for op in record["ops"]]
    assert requests == [
        {"method": "PUT", "url": API + "todos/n1", "body": record["ops"][0]["body"], "tag": None, "noneMatch": "*"},
        {"method": "PUT", "url": API + "todos/a%2Fb", "body": {"title": "x"}, "tag": '"2"', "noneMatch": None},
        {"method": "DELETE", "url": API + "todos/c", "body": None, "tag": '"7"', "noneMatch": None},
    ]


@pytest.mark.parametrize(
    "kind, status, outcome",
    [
        (outbox.CREATE, 201, outbox.DONE),
        (outbox.UPDATE, 200, outbox.DONE),
        (outbox.DELETE, 200, outbox.DONE),
        (outbox.CREATE, 412, outbox.LANDED),
        (outbox.UPDATE, 412, outbox.CONFLICT),
        (outbox.DELETE, 412, outbox.CONFLICT),
        (outbox.UPDATE, 404, outbox.CONFLICT),
        (outbox.DELETE, 404, outbox.GONE),
        (outbox.CREATE, None, outbox.WAIT),
        (outbox.UPDATE, 503, outbox.WAIT),
        (outbox.UPDATE, 429, outbox.WAIT),
        (outbox.DELETE, 401, outbox.SIGN_IN),
        (outbox.CREATE, 400, outbox.REFUSED),
        (outbox.UPDATE, 413, outbox.REFUSED),
        (outbox.CREATE, 404, outbox.REFUSED),
    ],
)
def test_each_answer_to_a_replayed_change_leads_on(kind, status, outcome):
    assert outbox.after_answer({"kind": kind}, status) == outcome


def test_someone_waiting_for_a_change_gets_the_servers_refusal_but_not_a_lost_answer():
    assert outbox.for_caller(outbox.CONFLICT, 412) and outbox.for_caller(outbox.SIGN_IN, 401)
    assert outbox.for_caller(outbox.WAIT, 503) and outbox.for_caller(outbox.GONE, 404)
    assert not outbox.for_caller(outbox.WAIT, None)
    assert not outbox.for_caller(outbox.DONE, 200) and not outbox.for_caller(outbox.LANDED, 412)


def test_a_conflict_gathers_the_later_edits_and_shows_both_versions():
    record, first, _ = add(outbox.empty(), outbox.UPDATE, "a", {"title": "mine"}, '"1"')
    record = outbox.mark_sending(record, first)
    record, _, _ = add(record, outbox.UPDATE, "a", {"completed": True}, '"1"')
    record, _, _ = add(record, outbox.UPDATE, "b", {"title": "other"}, '"1"')
    theirs = todo("a", 2, title="theirs", memo="their memo")
    record = conflicts.conflicted(record, first, todo("a", 1), theirs)[0]
    assert [op["id"] for op in record["ops"]] == ["b"]
    (conflict,) = record["conflicts"]
    assert conflict["mine"] == todo("a", 1, title="mine", completed=True)
    assert conflict["theirs"] == theirs
    assert conflicts.differences(conflict["mine"], theirs) == ["title", "memo", "completed"]
    assert outbox.waiting(record) == 2


def test_keeping_mine_sends_my_version_over_theirs_and_keeping_theirs_sends_nothing():
    record, seq, _ = add(outbox.empty(), outbox.UPDATE, "a", {"title": "mine"}, '"1"')
    theirs = todo("a", 3, memo="their memo")
    conflicted = conflicts.conflicted(record, seq, todo("a", 1), theirs)[0]
    kept, _, fresh = conflicts.resolve(conflicted, seq, True, "unused")
    assert fresh and kept["conflicts"] == []
    assert [(op["kind"], op["body"], op["tag"]) for op in kept["ops"]] == [
        (outbox.UPDATE, {"title": "mine", "memo": ""}, '"3"')
    ]
    dropped, nothing, _ = conflicts.resolve(conflicted, seq, False, "unused")
    assert (dropped["ops"], dropped["conflicts"], nothing) == ([], [], None)


def test_an_edit_of_a_todo_deleted_elsewhere_is_created_again_under_its_id_when_kept():
    todo_id = ids.uuid7(1_750_000_000_000, [1] * 19)
    record, seq, _ = add(outbox.empty(), outbox.UPDATE, todo_id, {"title": "mine"}, '"1"')
    conflicted = conflicts.conflicted(record, seq, todo(todo_id, 1, createdAt=MADE), None)[0]
    assert conflicts.needs_choice(conflicted["conflicts"][0])
    kept = conflicts.resolve(conflicted, seq, True, "fresh-id")[0]
    (op,) = kept["ops"]
    assert (op["kind"], op["id"], op["made"]) == (outbox.CREATE, todo_id, MADE)
    assert op["body"] == {"title": "mine", "memo": "", "priority": 3, "completed": False}
    # A seeded id (not a UUIDv7) cannot be created again: a new one takes its place.
    record, seq, _ = add(outbox.empty(), outbox.UPDATE, "L5", {"title": "mine"}, '"0"')
    conflicted = conflicts.conflicted(record, seq, todo("L5", 0), None)[0]
    assert conflicts.resolve(conflicted, seq, True, "fresh-id")[0]["ops"][0]["id"] == "fresh-id"


def test_a_delete_that_met_an_edit_elsewhere_asks_and_deletes_that_version_when_kept():
    record, seq, _ = add(outbox.empty(), outbox.DELETE, "a", None, '"1"')
    conflicted = conflicts.conflicted(record, seq, None, todo("a", 4))[0]
    (conflict,) = conflicted["conflicts"]
    assert conflict["kind"] == outbox.DELETE and conflict["mine"] is None
    kept = conflicts.resolve(conflicted, seq, True, "unused")[0]
    assert [(op["kind"], op["tag"]) for op in kept["ops"]] == [(outbox.DELETE, '"4"')]


def test_a_conflict_whose_two_sides_agree_is_settled_without_asking():
    """An earlier try landed but its answer was lost: the server already holds exactly this change."""
    record, seq, _ = add(outbox.empty(), outbox.UPDATE, "a", {"title": "mine"}, '"1"')
    settled = conflicts.conflicted(record, seq, todo("a", 1), todo("a", 2, title="mine"))[0]
    assert (settled["ops"], settled["conflicts"]) == ([], [])


def test_a_create_that_had_landed_sends_what_was_folded_in_after_as_an_edit():
    record, seq, _ = add(outbox.empty(), outbox.CREATE, "n1", {"title": "a", "memo": "", "priority": 3})
    record, _, _ = add(record, outbox.UPDATE, "n1", {"title": "b"}, '"0"')
    fetched = todo("n1", 1, title="a")
    record = outbox.landed(record, seq, fetched)[0]
    assert [(op["kind"], op["body"], op["tag"]) for op in record["ops"]] == [(outbox.UPDATE, {"title": "b"}, '"1"')]
    assert outbox.landed(add(outbox.empty(), outbox.CREATE, "n2", {"title": "t-n2"})[0], 1, todo("n2"))[0]["ops"] == []


def test_an_outbox_read_back_from_storage_is_checked():
    record = add(outbox.empty(), outbox.CREATE, "n1", {"title": "a"})[0]
    assert outbox.restore(record) == record
    for broken in [None, "x", [], {"seq": "1", "ops": []}, {"seq": True, "ops": []}, {"seq": 1, "ops": {}}]:
        assert outbox.restore(broken) == outbox.empty()
    odd = {"seq": 3, "ops": [None, "x", {"kind": "rename"}, record["ops"][0]], "conflicts": None}
    assert outbox.restore(odd) == {"seq": 3, "ops": [record["ops"][0]], "conflicts": []}


@given(st.integers(0, 2**48 - 1), st.lists(st.integers(0, 15), min_size=19, max_size=19))
def test_an_id_made_here_is_a_uuidv7_in_the_apis_form_that_records_its_time(ms, nibbles):
    made = ids.uuid7(ms, nibbles)
    assert ids.is_uuid7(made)
    parsed = uuid.UUID(made)
    assert (parsed.version, parsed.variant, made) == (7, uuid.RFC_4122, parsed.hex)
    assert int(made[:12], 16) == ms


@pytest.mark.parametrize(
    "text", ["L5", "", None, "0" * 32, "01977420dc006012b456789abcdef012", "01977420dc007012c456789abcdef012", "A" * 32]
)
def test_other_ids_are_not_uuidv7s(text):
    assert not ids.is_uuid7(text)


def test_an_id_takes_the_servers_clock_only_where_this_one_runs_well_ahead():
    assert ids.id_time(1_000_000, None) == 1_000_000
    assert ids.id_time(1_000_000, -900) == 1_000_000
    assert ids.id_time(1_000_000, 5_000) == 1_000_000
    assert ids.id_time(1_000_000, -600_000) == 400_000


class Server:
    """The API's contract for the requests the outbox makes, held in a dict: versions, If-Match, If-None-Match."""

    def __init__(self, todos):
        self.todos = {item["id"]: dict(item) for item in todos}
        self.creates = []
        self.refused = 0  # requests answered 412

    def read(self, todo_id):
        current = self.todos.get(todo_id)
        return (404, None) if current is None else (200, dict(current))

    def answer(self, request):
        status, body = self.act(request)
        self.refused += status == 412
        return status, body

    def act(self, request):
        todo_id = request["url"].rsplit("/", 1)[1]
        current = self.todos.get(todo_id)
        if request["noneMatch"] == "*":
            if current is not None:
                return 412, None
            created = {"id": todo_id, "completed": False, **request["body"], "version": 1}
            self.todos[todo_id] = created
            self.creates.append(todo_id)
            return 201, dict(created)
        if current is None:
            return 404, None
        if request["tag"] is not None and request["tag"] != remote.version_tag(current):
            return 412, None
        if request["method"] == "DELETE":
            del self.todos[todo_id]
            return 200, current
        changed = {**current, **request["body"], "version": current["version"] + 1}
        self.todos[todo_id] = changed
        return 200, dict(changed)


class Page:
    """What page/replay.py does with each answer, on a base list and an outbox, without a browser."""

    def __init__(self, base):
        self.base = [dict(item) for item in base]
        self.record = outbox.empty()
        self.made = 0
        self.chosen = 0  # conflicts put to the person

    def view(self):
        return outbox.view(self.base, self.record)

    def act(self, action, pick, title):
        """One thing the person does to the list as it shows: create, edit, toggle or delete."""
        shown = self.view()
        if action == "create" or len(shown) == 0:
            self.made += 1
            body = {"title": title, "memo": "", "priority": 3}
            self.record = add(self.record, outbox.CREATE, f"new{self.made}", body)[0]
            return
        target = shown[pick % len(shown)]
        tag = remote.version_tag(target)
        if action == "edit":
            self.record = add(self.record, outbox.UPDATE, target["id"], {"title": title}, tag)[0]
        elif action == "toggle":
            self.record = add(self.record, outbox.UPDATE, target["id"], {"completed": not target["completed"]}, tag)[0]
        else:
            self.record = add(self.record, outbox.DELETE, target["id"], None, tag)[0]

    def keep(self, todo_id, todo):
        self.base = [item for item in self.base if item["id"] != todo_id] + ([todo] if todo is not None else [])

    def step(self, server, lose_answer):
        """Send the oldest change; ``lose_answer``: the server acts but its answer never arrives."""
        self.record, op = outbox.take_next(self.record)
        seq, todo_id = op["seq"], op["id"]
        outcome = outbox.SEND
        if op["tried"]:
            status, body = server.read(todo_id)
            outcome = outbox.resend_step(op, status, body)
        if outcome == outbox.SEND:
            status, body = server.answer(outbox.request_of(op, API))
            if lose_answer:
                status, body = None, None
            outcome = outbox.after_answer(op, status)
        if outcome == outbox.WAIT:
            self.record = outbox.unmark(self.record, seq)
        elif outcome in (outbox.DONE, outbox.GONE):
            answered = body if outcome == outbox.DONE and op["kind"] != outbox.DELETE else None
            self.record = outbox.settle(self.record, seq, answered)
            self.keep(todo_id, answered)
        else:
            theirs = server.todos.get(todo_id)
            theirs = None if theirs is None else dict(theirs)
            if outcome == outbox.LANDED:
                self.record = outbox.landed(self.record, seq, theirs)[0]
            else:
                mine = next((item for item in self.view() if item["id"] == todo_id), {"id": todo_id})
                self.record = conflicts.conflicted(self.record, seq, mine, theirs)[0]
            self.keep(todo_id, theirs)

    def choose_mine(self):
        self.chosen += len(self.record["conflicts"])
        for conflict in list(self.record["conflicts"]):
            self.made += 1
            self.record = conflicts.resolve(self.record, conflict["seq"], True, f"again{self.made}")[0]


def writable(todos):
    return sorted(
        (item["id"], *(item.get(name) for name in outbox.WRITABLE)) for item in todos if item.get("id") is not None
    )


ACTIONS = st.tuples(st.sampled_from(["create", "edit", "toggle", "delete"]), st.integers(0, 9), st.text(max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(ACTIONS, max_size=4), st.booleans()), max_size=12), st.integers(0, 3))
def test_replaying_with_lost_answers_and_edits_between_tries_leaves_the_server_holding_the_view(rounds, start):
    """However answers are lost and changes fold in between tries, the server ends holding exactly what the person
    sees, each create made once."""
    initial = [todo(f"s{n}") for n in range(start)]
    server, page = Server(initial), Page(initial)
    for actions, lose_answer in rounds:
        for action in actions:
            page.act(*action)
        if any(not op["sending"] for op in page.record["ops"]):
            page.step(server, lose_answer)
        page.choose_mine()
    for _ in range(100):
        if not page.record["ops"]:
            break
        page.step(server, False)
        page.choose_mine()
    assert page.record["ops"] == [] and page.record["conflicts"] == []
    assert writable(server.todos.values()) == writable(page.view())
    assert len(server.creates) == len(set(server.creates))
    # Nobody else writes: the person's own changes, sent again after a lost answer, never meet a 412 or a conflict.
    assert (server.refused, page.chosen) == (0, 0)


@given(st.lists(ACTIONS, max_size=15), st.integers(0, 3))
def test_folding_shows_the_same_list_as_making_each_change_in_turn(actions, start):
    """The outbox folds changes together; the list the person sees is as if each had been made on its own."""
    initial = [todo(f"s{n}") for n in range(start)]
    page = Page(initial)
    expected = [dict(item) for item in initial]
    for action, pick, title in actions:
        before = page.made
        page.act(action, pick, title)
        shown = expected
        if action == "create" or len(shown) == 0:
            made = {"id": f"new{page.made}", "title": title, "memo": "", "priority": 3, "completed": False}
            expected = [*shown, made]
            assert page.made == before + 1
            continue
        target = shown[pick % len(shown)]
        if action == "delete":
            expected = [item for item in shown if item["id"] != target["id"]]
        else:
            change = {"title": title} if action == "edit" else {"completed": not target["completed"]}
            expected = [{**item, **change} if item["id"] == target["id"] else item for item in shown]
    assert writable(page.view()) == writable(expected)
    # Folding never leaves two waiting changes to one todo that could have been one.
    kinds = [(op["id"], op["kind"]) for op in page.record["ops"]]
    assert len(kinds) == len(set(op["id"] for op in page.record["ops"]))


def test_a_change_whose_answer_was_lost_is_read_before_it_is_sent_again():
    """The page closed after the server took a move: the next page settles it from the server's copy, no 412."""
    record = add(outbox.empty(), outbox.UPDATE, "a", {"position": "U"}, '"2"')[0]
    record, op = outbox.take_next(record)
    assert not op["tried"]
    record = outbox.unmark_all(record)  # a new page starts from what was on its way
    record = add(record, outbox.UPDATE, "a", {"position": "T"}, '"2"')[0]  # made on the same version, not folded in
    assert [item["body"] for item in record["ops"]] == [{"position": "U"}, {"position": "T"}]
    record, op = outbox.take_next(record)
    assert op["tried"]
    assert outbox.resend_step(op, 200, todo("a", 3, position="U")) == outbox.DONE
    assert outbox.resend_step(op, 200, todo("a", 2, position="V")) == outbox.SEND
    assert outbox.resend_step(op, 200, todo("a", 3, position="V")) == outbox.CONFLICT
    assert outbox.resend_step(op, None, None) == outbox.WAIT
    record = outbox.settle(record, op["seq"], todo("a", 3, position="U"))
    assert [(item["body"], item["tag"]) for item in record["ops"]] == [({"position": "T"}, '"3"')]
