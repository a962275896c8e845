"""Keeping the list in step and the app's files on the device (frontend/src/todoui/sync.py, shell.py) under CPython."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from todoui import model, outbox, shell, sync, texts

COLLECTION = "http://h/api/todos"


def todo(todo_id, **fields):
    return {"id": todo_id, "title": "t", "memo": "", "priority": 3, "completed": False, "version": 1, **fields}


def test_only_the_rows_that_changed_are_put_and_only_those_gone_are_dropped():
    before = [todo("a"), todo("b"), todo("c", title="old")]
    after = [todo("c", title="new", version=2), todo("a"), todo("d")]
    assert sync.changes(before, after) == {"put": [todo("c", title="new", version=2), todo("d")], "drop": ["b"]}
    assert sync.changes(after, after) == {"put": [], "drop": []}


def test_a_field_added_or_removed_counts_as_a_change():
    assert sync.changes([todo("a")], [todo("a", due="2026-05-01")])["put"] == [todo("a", due="2026-05-01")]
    assert not sync.same_todo(todo("a", due=None), todo("a"))


IDS = st.sampled_from(["a", "b", "c", "d", "e"])
TODOS = st.lists(st.builds(lambda i, t, v: todo(i, title=t, version=v), IDS, st.text(max_size=2), st.integers(1, 3)))


@given(TODOS, TODOS)
def test_putting_and_dropping_the_changed_rows_turns_one_list_into_the_other(before, after):
    before = list({item["id"]: item for item in before}.values())
    after = list({item["id"]: item for item in after}.values())
    rows = sync.changes(before, after)
    shown = before
    for todo_id in rows["drop"]:
        shown = model.without(shown, todo_id)
    for item in rows["put"]:
        shown = model.upsert(shown, item)
    assert sorted(shown, key=lambda item: item["id"]) == sorted(after, key=lambda item: item["id"])


@pytest.mark.parametrize(
    "visible, offline, busy, now, last, due",
    [
        (True, False, False, 100, None, True),
        (True, False, False, 100, 97, True),
        (True, False, False, 100, 99, False),  # a focus right after a check does not check again
        (False, False, False, 100, None, False),  # a hidden page never asks
        (True, True, False, 100, None, False),  # nor one the browser knows is offline
        (True, False, True, 100, None, False),  # nor twice at once
    ],
)
def test_the_list_is_checked_only_from_a_visible_page_and_never_twice_at_once(visible, offline, busy, now, last, due):
    assert sync.check_due(visible, offline, busy, now, last) is due


def test_a_poll_brings_another_devices_change_within_thirty_seconds():
    assert sync.POLL_SECONDS + 10 <= 30  # a request answers well within 10 s (the transport's timeout)


def test_tries_that_could_not_send_wait_longer_each_time_up_to_a_poll():
    assert [sync.retry_delay(tries) for tries in range(1, 7)] == [2, 5, 10, 20, 20, 20]


@pytest.mark.parametrize(
    "offline, sending, choosing, needs_sign_in, stalled, text",
    [
        (True, 0, 0, False, False, texts.OFFLINE),
        (True, 3, 1, False, False, texts.fill(texts.OFFLINE_WAITING, [4])),
        (True, 3, 0, True, True, texts.fill(texts.OFFLINE_WAITING, [3])),
        (False, 0, 0, False, False, None),
        # A change on its way while all is well: nothing to say.
        (False, 1, 0, False, False, None),
        (False, 2, 0, True, False, texts.fill(texts.WAITING_SIGN_IN, [2])),
        (False, 1, 0, False, True, texts.fill(texts.STALLED, [1])),
        (False, 0, 2, False, False, texts.fill(texts.CHOICE_WAITING, [2])),
    ],
)
def test_the_banner_says_offline_and_how_many_changes_wait(offline, sending, choosing, needs_sign_in, stalled, text):
    assert sync.banner_text(offline, sending, choosing, needs_sign_in, stalled) == text


@pytest.mark.parametrize(
    "method, url, target",
    [
        ("POST", COLLECTION, {"kind": outbox.CREATE, "segment": None}),
        ("PUT", COLLECTION + "/a%2Fb", {"kind": outbox.UPDATE, "segment": "a%2Fb"}),
        ("PATCH", COLLECTION + "/L5", {"kind": outbox.UPDATE, "segment": "L5"}),
        ("DELETE", COLLECTION + "/L5", {"kind": outbox.DELETE, "segment": "L5"}),
        ("GET", COLLECTION + "/L5", None),
        ("GET", COLLECTION, None),
        ("POST", COLLECTION + "/L5", None),
        ("PUT", COLLECTION + "/", None),
        ("PUT", COLLECTION + "/L5?x=1", None),
        ("PUT", "http://h/api/todosX/L5", None),
    ],
)
def test_the_requests_that_are_changes_to_a_todo_go_into_the_outbox(method, url, target):
    assert sync.write_target(method, url, COLLECTION) == target


def test_the_list_is_kept_under_the_persons_sub_and_the_demo_list_apart():
    assert sync.owner_of({"sub": "0d5e-1", "email": "a@b"}) == "0d5e-1"
    for claims in [None, {}, {"sub": ""}, {"sub": 3}, "x"]:
        assert sync.owner_of(claims) == sync.ANONYMOUS
    assert sync.storage_key(sync.LIST, "0d5e-1") != sync.storage_key(sync.OUTBOX, "0d5e-1")


def test_a_stored_list_is_read_back_checked():
    record = sync.list_record([todo("a")], '"abc"')
    assert sync.restore_list(record) == record
    assert sync.restore_list({"todos": [todo("a"), None, "x"], "etag": 5}) == sync.list_record([todo("a")], None)
    for broken in [None, [], "x", {"todos": "x"}, {}]:
        assert sync.restore_list(broken) is None


@pytest.mark.parametrize(
    "state, kept, copy",
    [
        (sync.FRESH, False, True),
        (sync.SAME, True, True),
        (sync.OFFLINE, True, True),
        (sync.OFFLINE, False, False),
        (sync.FAILED, True, False),
    ],
)
def test_the_device_answers_for_the_list_when_the_server_cannot(state, kept, copy):
    assert sync.shows_copy(state, kept) is copy


def test_a_message_from_another_tab_is_checked():
    assert sync.message_of(sync.message("sub-1", sync.CHANGED)) == {"owner": "sub-1", "what": sync.CHANGED}
    for odd in [None, "x", [], {"owner": 1, "what": sync.CHANGED}, {"owner": "a", "what": "reload"}]:
        assert sync.message_of(odd) is None


def test_a_conflict_shows_both_versions_field_by_field_and_marks_what_differs():
    mine = todo("a", title="買い物", memo="牛乳", priority=5, completed=True)
    theirs = todo("a", title="買い物", memo="卵", priority=5, completed=False, version=4)
    view = sync.conflict_view({"seq": 1, "id": "a", "kind": outbox.UPDATE, "mine": mine, "theirs": theirs})
    assert view["lead"] == texts.fill(texts.CONFLICT_CHANGED, ["買い物"])
    assert view["mineNote"] is None and view["theirsNote"] is None
    assert view["rows"] == [
        {"label": "タイトル", "mine": "買い物", "theirs": "買い物", "differs": False},
        {"label": "メモ", "mine": "牛乳", "theirs": "卵", "differs": True},
        {"label": "重要度", "mine": "最高", "theirs": "最高", "differs": False},
        {"label": "完了", "mine": texts.COMPLETED_YES, "theirs": texts.COMPLETED_NO, "differs": True},
    ]


def test_a_conflict_shows_a_due_date_and_a_new_place_in_the_order_when_there_is_one():
    mine = todo("a", due="2026-05-01", position="a1")
    theirs = todo("a", due=None, position="b")
    rows = sync.conflict_view({"seq": 1, "id": "a", "kind": outbox.UPDATE, "mine": mine, "theirs": theirs})["rows"]
    shown = {row["label"]: row for row in rows}
    assert shown["期限"] == {"label": "期限", "mine": "2026-05-01", "theirs": texts.NO_DUE, "differs": True}
    assert shown["並び順"] == {
        "label": "並び順",
        "mine": texts.MOVED_HERE,
        "theirs": texts.MOVED_THERE,
        "differs": True,
    }
    # Without a date on either side and the same place, neither row is shown.
    plain = sync.conflict_view({"seq": 1, "id": "a", "kind": outbox.UPDATE, "mine": todo("a"), "theirs": todo("a")})
    assert [row["label"] for row in plain["rows"]] == ["タイトル", "メモ", "重要度", "完了"]


def test_an_empty_field_says_so_rather_than_showing_nothing():
    view = sync.conflict_view(
        {"seq": 1, "id": "a", "kind": outbox.UPDATE, "mine": todo("a", memo="m"), "theirs": todo("a")}
    )
    assert view["rows"][1] == {"label": "メモ", "mine": "m", "theirs": texts.EMPTY_VALUE, "differs": True}


def test_a_side_that_was_deleted_is_said_so_instead_of_its_fields():
    deleted_here = sync.conflict_view({"seq": 1, "id": "a", "kind": outbox.DELETE, "mine": None, "theirs": todo("a")})
    assert deleted_here["mineNote"] == texts.DELETED_HERE and deleted_here["theirsNote"] is None
    assert deleted_here["lead"] == texts.fill(texts.CONFLICT_DELETED_HERE, ["t"])
    assert [row["mine"] for row in deleted_here["rows"]] == [None, None, None, None]
    deleted_there = sync.conflict_view({"seq": 1, "id": "a", "kind": outbox.UPDATE, "mine": todo("a"), "theirs": None})
    assert deleted_there["theirsNote"] == texts.DELETED_THERE
    assert deleted_there["lead"] == texts.fill(texts.CONFLICT_DELETED_THERE, ["t"])
    conflict = {"mine": None, "theirs": todo("a", title="x")}
    assert sync.kept_text(conflict, True) == texts.fill(texts.KEPT_MINE, ["x"])
    assert sync.kept_text(conflict, False) == texts.fill(texts.KEPT_THEIRS, ["x"])


FILES = ["index.html", "config.js", "css/app.css", "js/main.js", "favicon.svg"]
SCOPE = "https://app.example/"


@pytest.mark.parametrize(
    "url, navigate, path",
    [
        (SCOPE, True, "index.html"),
        (SCOPE + "index.html", True, "index.html"),
        (SCOPE + "?from=mail#top", True, "index.html"),
        (SCOPE + "js/main.js", False, "js/main.js"),
        (SCOPE + "css/app.css#x", False, "css/app.css"),
        (SCOPE + "config.js", False, "config.js"),
        (SCOPE + "index.html", False, "index.html"),
        (SCOPE + "api/todos", False, None),  # the API's answers are never kept
        (SCOPE + "api/todos", True, None),
        (SCOPE + "js/main.js?v=2", False, None),
        (SCOPE + "other.html", True, None),
        (SCOPE + "js/unknown.js", False, None),
        ("https://cognito-idp.eu-west-1.amazonaws.com/", False, None),
        ("https://app.example.evil/js/main.js", False, None),
    ],
)
def test_the_worker_answers_only_the_apps_page_and_files_from_the_device(url, navigate, path):
    assert shell.shell_path(url, SCOPE, FILES, navigate) == path


def test_a_new_build_drops_the_caches_of_earlier_ones_and_no_one_elses():
    current = shell.cache_name("v2")
    names = [shell.cache_name("v1"), current, "someone-else", shell.cache_name("v0")]
    assert shell.stale_caches(names, current) == [shell.cache_name("v1"), shell.cache_name("v0")]
