"""The list's and the form's logic (frontend/src/todoui/model.py) under CPython."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from todoui import model, texts

from chalicelib import todos


def todo(todo_id, priority=3, completed=False, created=None, **fields):
    item = {"id": todo_id, "title": f"t-{todo_id}", "memo": "", "priority": priority, "completed": completed, **fields}
    if created is not None:
        item["createdAt"] = created
    return item


@pytest.mark.parametrize("priority, label", [(1, "最低"), (2, "低"), (3, "中"), (4, "高"), (5, "最高")])
def test_each_priority_has_a_japanese_label(priority, label):
    assert model.priority_label(priority) == label


@pytest.mark.parametrize("value, shown", [(True, "True"), (0, "0"), (6, "6"), ("3", "3"), (None, "")])
def test_values_that_are_not_priorities_are_shown_as_they_are_and_never_as_a_label(value, shown):
    assert model.priority_label(value) == shown


def test_the_select_offers_priorities_one_to_five_in_order_with_their_labels():
    assert model.priority_options() == [["1", "1 最低"], ["2", "2 低"], ["3", "3 中"], ["4", "4 高"], ["5", "5 最高"]]


def test_open_todos_come_first_then_higher_priority_then_newer_then_by_id():
    items = [
        todo("done-high", priority=5, completed=True, created="2024-05-01T00:00:00.000Z"),
        todo("old-high", priority=5, created="2024-01-01T00:00:00.000Z"),
        todo("low", priority=1, created="2024-06-01T00:00:00.000Z"),
        todo("new-high", priority=5, created="2024-03-01T00:00:00.000Z"),
        todo("seed-b", priority=5),
        todo("seed-a", priority=5),
        todo("done-low", priority=1, completed=True),
    ]
    ordered = [item["id"] for item in model.sort_todos(items)]
    assert ordered == ["new-high", "old-high", "seed-a", "seed-b", "low", "done-high", "done-low"]


def test_sorting_returns_a_new_list_and_leaves_the_input_alone():
    items = [todo("b", priority=1), todo("a", priority=5)]
    ordered = model.sort_todos(items)
    assert [item["id"] for item in items] == ["b", "a"]
    assert [item["id"] for item in ordered] == ["a", "b"]


def test_a_todo_with_a_broken_priority_sorts_below_every_real_one():
    ordered = model.sort_todos([todo("bad", priority="high"), todo("lowest", priority=1)])
    assert [item["id"] for item in ordered] == ["lowest", "bad"]


todos_strategy = st.lists(
    st.builds(
        todo,
        todo_id=st.text(alphabet="abcdef0123", min_size=1, max_size=4),
        priority=st.integers(1, 5),
        completed=st.booleans(),
        created=st.one_of(st.none(), st.sampled_from(["2024-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"])),
    ),
    max_size=30,
)


@given(todos_strategy)
def test_the_merge_sort_agrees_with_pythons_sort_on_the_same_order(items):
    expected = sorted(
        items,
        key=lambda item: (item["completed"], -item["priority"], _descending(item.get("createdAt", "")), item["id"]),
    )
    assert model.sort_todos(items) == expected


def _descending(text):
    return [-ord(char) for char in text] + [1]


def test_a_row_shows_every_field_as_text_with_accessible_names_that_include_the_title():
    view = model.row_view(todo("L5", priority=4, completed=True, title="<b>買い物</b>", memo="牛乳\n卵"))
    assert view == {
        "id": "L5",
        "title": "<b>買い物</b>",
        "memo": "牛乳\n卵",
        "priority": "高",
        "level": 4,
        "completed": True,
        "checkLabel": "「<b>買い物</b>」を完了にする",
        "updateLabel": "「<b>買い物</b>」を変更",
        "deleteLabel": "「<b>買い物</b>」を削除",
    }


def test_a_row_of_an_item_missing_fields_shows_empty_text_not_none():
    view = model.row_view({"id": "x"})
    assert (view["title"], view["memo"], view["priority"], view["completed"]) == ("", "", "", False)


def test_the_summary_is_the_empty_state_without_todos_and_counts_open_ones_otherwise():
    assert model.summary_text([]) == texts.EMPTY_LIST
    assert model.summary_text([todo("a"), todo("b", completed=True)]) == "全 2 件 (未完了 1 件)"


def test_characters_are_counted_as_code_points_like_the_api_does():
    assert model.count_chars("𩸽を食べる") == 5
    assert model.counter_text("𩸽", model.TITLE_MAX) == "1 / 200"


@pytest.mark.parametrize(
    "title, memo, hints",
    [
        ("買い物", "", {"title": "", "memo": "", "due": ""}),
        ("  \n", "", {"title": "タイトルを入力してください。", "memo": "", "due": ""}),
        ("あ" * 201, "", {"title": "タイトルは 200 文字以内にしてください。", "memo": "", "due": ""}),
        ("𩸽" * 200, "め" * 2001, {"title": "", "memo": "メモは 2000 文字以内にしてください。", "due": ""}),
    ],
)
def test_hints_name_what_the_api_would_refuse(title, memo, hints):
    assert model.field_hints({"title": title, "memo": memo, "priority": "3", "due": ""}) == hints


@pytest.mark.parametrize("due, fine", [("", True), (None, True), ("2026-02-28", True), ("2026-02-30", False),
                                       ("2026-2-28", False), ("275760-01-01", False), (20260228, False)])  # fmt: skip
def test_a_due_date_must_be_a_real_date_or_nothing(due, fine):
    problem = model.field_problem("due", due)
    assert problem == ("" if fine else texts.FIELD_RULES["due"])
    assert (model.body_problem({"title": "t", "due": due}) is None) == fine


@pytest.mark.parametrize(
    "title",
    ["", " ", "\t\n", "\u3000", "\u200b", "\u180e", "\u0085", "\u2060\ufeff\u00ad", " \u200b \U000e0041", "\u202e"],
)
def test_a_title_of_only_white_space_or_invisible_characters_is_blank_and_is_not_sent(title):
    assert model.is_blank(title)
    assert model.body_problem({"title": title, "memo": "", "priority": 3}) == {
        "field": "title",
        "text": texts.ENTER_TITLE,
    }


@pytest.mark.parametrize("title", ["a", "買い物", " \u200bx", "\u2800", "𩸽", "\u0301"])
def test_a_title_with_one_visible_character_is_not_blank(title):
    assert not model.is_blank(title)


@pytest.mark.parametrize(
    "field, text, character",
    [
        ("title", "a\x00", "U+0000"),
        ("title", "tab\there", "U+0009"),
        ("title", "line\nbreak", "U+000A"),
        ("title", "del\x7f", "U+007F"),
        ("title", "c1\x9b", "U+009B"),
        ("memo", "bell\x07", "U+0007"),
        ("memo", "cr\r\n", "U+000D"),
        ("memo", "rtl\u202e", "U+202E"),
        ("title", "isolate\u2066", "U+2066"),
        ("title", "lone \ud800", "U+D800"),
    ],
)
def test_control_and_direction_characters_are_refused_by_their_code_point_before_sending(field, text, character):
    body = {"title": "t", "memo": "", "priority": 3, field: text}
    label = texts.FIELD_NAMES[field]
    assert model.body_problem(body) == {"field": field, "text": texts.fill(texts.BAD_CHARACTER, [label, character])}


def test_a_memo_keeps_tabs_and_newlines():
    assert model.body_problem({"title": "t", "memo": "一\t二\n三", "priority": 3}) is None
    assert model.refused_character("😀\U0001f600", False) is None
    assert model.refused_character("a\U000e0001", False) is None


def test_only_the_fields_a_body_sends_are_checked_in_the_forms_order():
    assert model.body_problem({"memo": "m"}) is None
    assert model.body_problem({"priority": 9})["field"] == "priority"
    assert model.body_problem({"title": "", "memo": "め" * 2001})["field"] == "title"
    assert model.body_problem({"priority": "2"}) is None
    assert model.body_problem({"priority": True})["text"] == "重要度は 1 から 5 の中から選んでください。"


@given(st.text(max_size=300))
def test_whatever_the_api_refuses_in_a_title_or_a_memo_the_page_refuses_before_sending(text):
    for field in ["title", "memo"]:
        body = {"title": "t", "memo": "", "priority": 3, field: text}
        try:
            todos.validate_new(body)
        except todos.ValidationError:
            assert model.body_problem(body) is not None


def test_every_single_character_the_api_refuses_as_a_title_the_page_refuses_too():
    refused_by_api = []
    for point in [*range(0x30000), *range(0xE0000, 0xE1000)]:
        try:
            todos.validate_new({"title": chr(point), "memo": "", "priority": 3})
        except todos.ValidationError:
            refused_by_api.append(point)
    assert len(refused_by_api) > 20
    assert [hex(point) for point in refused_by_api if model.field_problem("title", chr(point)) == ""] == []


def test_a_new_form_is_empty_with_the_middle_priority_and_an_edit_form_holds_the_todo():
    assert model.form_values(None) == {"title": "", "memo": "", "priority": "3", "due": ""}
    edited = model.form_values(todo("a", priority=5, title="T", memo="M", due="2026-03-05"))
    assert edited == {"title": "T", "memo": "M", "priority": "5", "due": "2026-03-05"}


def test_the_new_todo_body_keeps_text_exactly_as_typed_and_sends_the_priority_as_an_integer():
    body = model.new_todo_body({"title": "  前後の空白 ", "memo": "<script>", "priority": "5", "due": ""})
    assert body == {"title": "  前後の空白 ", "memo": "<script>", "priority": 5, "due": None}
    dated = model.new_todo_body({"title": "t", "memo": "", "priority": "3", "due": "2026-03-05"})
    assert dated["due"] == "2026-03-05"


def test_a_priority_that_is_not_one_to_five_is_sent_as_it_is_so_the_api_names_the_problem():
    assert model.new_todo_body({"title": "t", "memo": "", "priority": "9", "due": ""})["priority"] == "9"


def test_an_update_sends_only_the_fields_that_changed():
    original = todo("a", priority=2, title="T", memo="M")
    assert model.changed_fields(original, {"title": "T", "memo": "M", "priority": "2", "due": ""}) == {}
    assert model.changed_fields(original, {"title": "T2", "memo": "M", "priority": "4", "due": ""}) == {
        "title": "T2",
        "priority": 4,
    }


def test_an_update_sets_changes_and_clears_the_due_date_with_null():
    undated = todo("a", title="T", memo="M")
    dated = todo("a", title="T", memo="M", due="2026-03-05")
    values = {"title": "T", "memo": "M", "priority": "3"}
    assert model.changed_fields(undated, {**values, "due": "2026-03-05"}) == {"due": "2026-03-05"}
    assert model.changed_fields(dated, {**values, "due": "2026-03-06"}) == {"due": "2026-03-06"}
    assert model.changed_fields(dated, {**values, "due": "2026-03-05"}) == {}
    assert model.changed_fields(dated, {**values, "due": ""}) == {"due": None}


def test_undo_of_a_delete_recreates_the_writable_fields_only():
    deleted = todo("a", priority=4, completed=True, title="T", memo="M", version=3, createdAt="2024-01-01")
    assert model.restore_body(deleted) == {"title": "T", "memo": "M", "priority": 4, "completed": True}
    placed = {**deleted, "due": "2026-03-05", "position": "V"}
    assert model.restore_body(placed) == {
        "title": "T",
        "memo": "M",
        "priority": 4,
        "completed": True,
        "due": "2026-03-05",
        "position": "V",
    }


def test_upsert_replaces_by_id_or_appends_and_without_removes_by_id():
    items = [todo("a"), todo("b")]
    changed = todo("b", title="changed")
    assert model.upsert(items, changed) == [items[0], changed]
    assert model.upsert(items, todo("c"))[2]["id"] == "c"
    assert model.without(items, "a") == [items[1]]
    assert model.find(items, "b") is items[1]
    assert model.find(items, "zz") is None


@pytest.mark.parametrize("value, text", [("x", True), ("", True), (None, False), (3, False), (["x"], False)])
def test_only_strings_are_text(value, text):
    assert model.is_text(value) is text


def test_the_forms_limits_are_the_apis():
    """One source: the API's rules in chalicelib/todos.py; the page repeats them for its hints."""
    ui_limits = (model.TITLE_MAX, model.MEMO_MAX, model.PRIORITY_MIN, model.PRIORITY_MAX)
    assert ui_limits == (todos.TITLE_MAX, todos.MEMO_MAX, todos.PRIORITY_MIN, todos.PRIORITY_MAX)
    assert todos.PRIORITY_MIN <= model.DEFAULT_PRIORITY <= todos.PRIORITY_MAX
    assert len(model.PRIORITY_NAMES) == todos.PRIORITY_MAX - todos.PRIORITY_MIN + 1


def test_every_choice_the_form_offers_makes_a_body_the_api_accepts_and_the_limits_hints_agree():
    for value, _text in model.priority_options():
        values = {"title": "t" * todos.TITLE_MAX, "memo": "m" * todos.MEMO_MAX, "priority": value, "due": ""}
        assert model.field_hints(values) == {"title": "", "memo": "", "due": ""}
        assert todos.validate_new(model.new_todo_body(values))["priority"] == int(value)
    too_long = {"title": "t" * (todos.TITLE_MAX + 1), "memo": "m" * (todos.MEMO_MAX + 1), "priority": "3", "due": ""}
    assert model.field_hints(too_long)["title"] != "" and model.field_hints(too_long)["memo"] != ""
    with pytest.raises(todos.ValidationError):
        todos.validate_new(model.new_todo_body(too_long))
