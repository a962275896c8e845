"""What the list shows (frontend/src/todoui/views.py): views, sorts, search, counts and each row's words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from todoui import model, texts, views

TODAY = "2026-03-05"


def todo(todo_id, title="", memo="", priority=3, completed=False, due=None, position=None, created=None):
    item = {"id": todo_id, "title": title or f"t-{todo_id}", "memo": memo, "priority": priority, "completed": completed}
    for name, value in [("due", due), ("position", position), ("createdAt", created)]:
        if value is not None:
            item[name] = value
    return item


def ids(items):
    return [item["id"] for item in items]


ITEMS = [
    todo("a", priority=1, due="2026-03-09", position="X"),
    todo("b", priority=5, due="2026-03-04", position="W"),
    todo("c", priority=3, position="V"),
    todo("d", priority=3, due="2026-03-05"),
    todo("e", priority=5, completed=True, due="2026-03-01", position="U"),
    todo("f", priority=4, completed=True),
]


def test_your_own_order_puts_open_todos_first_each_kind_by_position_then_by_id():
    assert ids(views.sort_todos(ITEMS, views.OWN)) == ["c", "b", "a", "d", "e", "f"]


def test_the_order_by_due_date_puts_the_earliest_first_and_todos_without_one_last():
    assert ids(views.sort_todos(ITEMS, views.DUE)) == ["b", "d", "a", "c", "e", "f"]


def test_the_order_by_priority_is_the_more_important_first():
    assert ids(views.sort_todos(ITEMS, views.PRIORITY)) == ["b", "c", "d", "a", "e", "f"]


def test_todos_due_on_one_day_are_ordered_by_priority_then_newer():
    items = [
        todo("low", priority=1, due="2026-03-09"),
        todo("old", priority=5, due="2026-03-09", created="2025-01-01T00:00:00Z"),
        todo("new", priority=5, due="2026-03-09", created="2026-01-01T00:00:00Z"),
    ]
    assert ids(views.sort_todos(items, views.DUE)) == ["new", "old", "low"]


todos_strategy = st.lists(
    st.builds(
        todo,
        todo_id=st.text(alphabet="abc123", min_size=1, max_size=3),
        priority=st.integers(1, 5),
        completed=st.booleans(),
        due=st.one_of(st.none(), st.sampled_from(["2026-03-01", "2026-03-05", "2027-01-01", "2026-02-30"])),
        position=st.one_of(st.none(), st.sampled_from(["V", "W", "a1", "0z"])),
    ),
    max_size=25,
)


@given(todos_strategy)
def test_each_sort_agrees_with_pythons_sort_on_the_same_keys(items):
    def due(item):
        return item.get("due") if item.get("due") != "2026-02-30" else None

    own = sorted(items, key=lambda i: (i["completed"], "position" not in i, i.get("position", ""), i["id"]))
    assert views.sort_todos(items, views.OWN) == own
    by_priority = model.sort_todos(items)
    rank = {id(item): index for index, item in enumerate(by_priority)}
    by_due = sorted(items, key=lambda i: (i["completed"], due(i) is None, due(i) or "", rank[id(i)]))
    assert views.sort_todos(items, views.DUE) == by_due


def test_the_today_view_shows_open_todos_due_today_or_overdue_and_its_count_counts_them():
    assert ids(views.visible(ITEMS, views.OWN, views.TODAY, [], TODAY)) == ["b", "d"]
    assert views.today_count(ITEMS, TODAY) == 2
    assert views.today_count(ITEMS, "2026-03-09") == 3
    assert views.today_count(ITEMS, "2026-03-01") == 0


def test_the_all_view_shows_every_todo_and_the_completed_view_the_completed_ones():
    assert ids(views.visible(ITEMS, views.OWN, views.ALL, [], TODAY)) == ["c", "b", "a", "d", "e", "f"]
    assert ids(views.visible(ITEMS, views.OWN, views.COMPLETED, [], TODAY)) == ["e", "f"]


SEARCHED = [
    todo("1", title="Buy MILK", memo="at the shop"),
    todo("2", title="牛乳を買う", memo="スーパーで Milk"),
    todo("3", title="Call mum", memo="about the milkman\nand \uff21\uff22\uff23"),
    todo("4", title="nothing", memo=""),
]


@pytest.mark.parametrize(
    "query, found",
    [
        ("", ["1", "2", "3", "4"]),
        ("  ", ["1", "2", "3", "4"]),
        ("milk", ["1", "2", "3"]),
        ("MiLk", ["1", "2", "3"]),
        ("milk shop", ["1"]),
        ("牛乳", ["2"]),
        ("milk\u3000スーパー", ["2"]),
        ("\uff41\uff42\uff43", ["3"]),
        ("zzz", []),
    ],
)
def test_search_finds_every_word_in_the_title_or_the_memo_whatever_the_case(query, found):
    words = views.search_words(query)
    assert ids(views.visible(SEARCHED, views.OWN, views.ALL, words, TODAY)) == found


def test_search_words_split_at_any_white_space_and_are_lower_case():
    assert views.search_words(" Milk\u3000SHOP\tnow ") == ["milk", "shop", "now"]
    assert views.search_words("") == []


def test_the_status_line_counts_what_is_shown_or_says_why_nothing_is():
    assert views.status_text([], 0, views.ALL, []) == texts.EMPTY_LIST
    assert views.status_text(ITEMS, 6, views.ALL, []) == "全 6 件 (未完了 4 件)"
    assert views.status_text(ITEMS, 2, views.TODAY, []) == "2 件を表示 (全 6 件)"
    assert views.status_text(ITEMS, 1, views.ALL, ["x"]) == "1 件を表示 (全 6 件)"
    assert views.status_text(ITEMS, 0, views.TODAY, []) == "今日までの ToDo はありません。"
    assert views.status_text(ITEMS, 0, views.COMPLETED, []) == "完了した ToDo はありません。"
    assert views.status_text(ITEMS, 0, views.TODAY, ["x"]) == texts.NO_MATCH


def test_a_stored_choice_is_used_only_when_it_is_one_the_page_offers():
    assert views.chosen("due", views.SORTS, views.DEFAULT_SORT) == "due"
    for stored in ["DUE", "", None, 3, ["due"]]:
        assert views.chosen(stored, views.SORTS, views.DEFAULT_SORT) == views.OWN


def test_the_sort_select_offers_each_sort_by_name_and_rows_move_only_in_your_own_order():
    assert views.sort_options() == [["own", "自分の順"], ["due", "期限順"], ["priority", "重要度順"]]
    assert [sort for sort in views.SORTS if views.can_reorder(sort)] == [views.OWN]
    assert views.caption(views.DUE) == "ToDo 一覧 (未完了が先、期限順)"


def test_the_next_todo_is_the_next_in_the_sort_and_the_neighbour_the_next_shown():
    assert views.next_id(ITEMS, "c", views.OWN) == "b"
    assert views.next_id(ITEMS, "c", views.PRIORITY) == "d"
    assert views.next_id(ITEMS, "f", views.OWN) is None
    assert views.next_id(ITEMS, "gone", views.OWN) is None
    shown = views.visible(ITEMS, views.OWN, views.TODAY, [], TODAY)
    assert views.neighbour_id(shown, "b") == "d"
    assert views.neighbour_id(shown, "d") == "b"
    assert views.neighbour_id(shown[:1], "b") is None
    assert views.neighbour_id(shown, "a") is None


def test_a_row_carries_its_due_date_and_the_names_of_its_move_buttons():
    row = views.row_view(ITEMS[1], TODAY)
    assert (row["due"], row["dueState"], row["overdue"]) == ("期限切れ 3/4(水)", "overdue", True)
    assert row["upLabel"] == "「t-b」を上へ移動" and row["downLabel"] == "「t-b」を下へ移動"
    assert row["title"] == "t-b" and row["checkLabel"] == "「t-b」を完了にする"
    plain = views.row_view(ITEMS[2], TODAY)
    assert (plain["due"], plain["dueState"], plain["overdue"]) == ("", "none", False)


def test_after_a_move_a_screen_reader_hears_where_the_todo_is():
    shown = views.visible(ITEMS, views.OWN, views.ALL, [], TODAY)
    assert views.moved_text(shown, "b") == "「t-b」を 2 番目に移動しました (全 6 件中)。"
