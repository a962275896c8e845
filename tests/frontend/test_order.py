"""Your own order (frontend/src/todoui/order.py): keys between neighbours, and the writes a move makes."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from todoui import order

keys = st.text(alphabet=order.DIGITS, min_size=1, max_size=12).filter(order.is_position)
bounds = st.one_of(st.none(), keys)


def todo(todo_id, position=None, completed=False, title=None):
    item = {"id": todo_id, "title": title or f"t-{todo_id}", "memo": "", "priority": 3, "completed": completed}
    if position is not None:
        item["position"] = position
    return item


def ids(items):
    return [item["id"] for item in items]


def apply(items, writes):
    changed = {write["id"]: write["position"] for write in writes}
    return [{**item, "position": changed[item["id"]]} if item["id"] in changed else item for item in items]


def test_the_digits_are_in_code_point_order():
    assert list(order.DIGITS) == sorted(order.DIGITS) and len(order.DIGITS) == order.BASE


@pytest.mark.parametrize("key", ["V", "0z", "zzzz1", "a" * 64])
def test_keys_the_api_stores_are_positions(key):
    assert order.is_position(key)


@pytest.mark.parametrize("value", ["", "V0", "a" * 65, "-1", "é", "a b", None, 5, True])
def test_other_values_are_not(value):
    assert not order.is_position(value)


@given(bounds, bounds)
def test_a_key_between_two_keys_lies_strictly_between_them_and_is_short(low, high):
    assume(low is None or high is None or low < high)
    key = order.key_between(low, high)
    assert order.is_position(key) or len(key) > order.POSITION_MAX
    assert low is None or low < key
    assert high is None or key < high
    assert len(key) <= max(len(low or ""), len(high or "")) + 1


@st.composite
def close_keys(draw):
    """Two keys that differ only near their ends: where a key in the middle is hardest to find."""
    prefix = draw(st.text(alphabet=order.DIGITS, max_size=6))
    low_digit = draw(st.integers(0, order.BASE - 2))
    high_digit = draw(st.integers(low_digit + 1, min(order.BASE - 1, low_digit + 3)))
    low = (prefix + order.DIGITS[low_digit] + draw(st.text(alphabet=order.DIGITS, max_size=3))).rstrip("0")
    high = (prefix + order.DIGITS[high_digit] + draw(st.text(alphabet=order.DIGITS, max_size=3))).rstrip("0")
    assume(order.is_position(low) and order.is_position(high) and low < high)
    return low, high


@given(close_keys())
def test_a_key_between_two_close_keys_lies_strictly_between_them(pair):
    low, high = pair
    key = order.key_between(low, high)
    assert low < key < high and order.is_position(key)
    assert len(key) <= max(len(low), len(high)) + 1


@pytest.mark.parametrize(
    "low, high, key", [("V", "X", "W"), ("V", "W", "VV"), ("1", "2", "1V"), ("0z", "1", "0zV"), ("A", "A5", "A2")]
)
def test_a_key_between_takes_the_middle(low, high, key):
    assert order.key_between(low, high) == key


@given(keys)
def test_a_key_is_never_between_a_key_and_itself_or_a_smaller_one(key):
    assert order.key_between(key, key) is None
    assert order.key_between(key, order.key_between(None, key)) is None


def test_keys_at_either_end_step_by_one_digit_and_stay_short():
    key = order.key_between(None, None)
    assert key == "V"
    appended = [key]
    for _ in range(1000):
        appended.append(order.key_between(appended[len(appended) - 1], None))
    assert appended == sorted(appended) and len(set(appended)) == len(appended)
    assert max(len(key) for key in appended) <= 18
    prepended = [key]
    for _ in range(1000):
        prepended.append(order.key_between(None, prepended[len(prepended) - 1]))
    assert prepended == sorted(prepended, reverse=True)
    assert max(len(key) for key in prepended) <= 18
    assert all(order.is_position(key) for key in appended + prepended)


def test_keys_in_one_gap_grow_by_a_digit_every_few_moves():
    low, high = "V", "W"
    for _ in range(60):
        low = order.key_between(low, high)
    assert len(low) <= 12


def test_spread_keys_are_ascending_short_and_valid():
    for count in [0, 1, 2, 61, 62, 1000, 5000]:
        spread = order.spread_keys(count)
        assert len(spread) == count == len(set(spread))
        assert spread == sorted(spread)
        assert all(order.is_position(key) and len(key) <= 3 for key in spread)


def test_your_own_order_is_by_position_then_those_without_one_by_id():
    items = [todo("c"), todo("b", "W"), todo("a"), todo("d", "V"), todo("e", "V1")]
    assert ids(order.own_order(items)) == ["d", "e", "b", "a", "c"]


def test_a_move_between_two_todos_with_keys_is_one_write_of_the_moved_todo():
    items = [todo("a", "V"), todo("b", "W"), todo("c", "X")]
    writes = order.place(items, "c", "a")
    assert [write["id"] for write in writes] == ["c"]
    assert ids(order.own_order(apply(items, writes))) == ["a", "c", "b"]


def test_a_move_to_the_top_or_before_a_todo():
    items = [todo("a", "V"), todo("b", "W"), todo("c", "X")]
    assert ids(order.own_order(apply(items, order.place(items, "c", None)))) == ["c", "a", "b"]
    assert ids(order.own_order(apply(items, order.place(items, "a", None, "c")))) == ["b", "a", "c"]
    assert ids(order.own_order(apply(items, order.place(items, "a", None, "b")))) == ["a", "b", "c"]


def test_a_move_to_where_the_todo_already_is_or_of_an_unknown_todo_writes_nothing():
    items = [todo("a", "V"), todo("b", "W"), todo("c")]
    assert order.place(items, "b", "a") == []
    assert order.place(items, "a", None) == []
    assert order.place(items, "c", "b") == []
    assert order.place(items, "gone", "a") == []
    assert order.place(items, "a", "gone") == []
    assert order.place(items, "a", None, "gone") == []


def test_todos_without_a_key_before_the_new_place_get_keys_in_the_order_they_show():
    items = [todo("a", "V"), todo("b"), todo("c"), todo("d"), todo("e")]
    writes = order.place(items, "e", "c")
    assert [write["id"] for write in writes] == ["b", "c", "e"]
    assert ids(order.own_order(apply(items, writes))) == ["a", "b", "c", "e", "d"]


def test_a_move_in_a_list_without_keys_gives_the_first_todo_a_key_in_the_middle():
    items = [todo("a"), todo("b"), todo("c")]
    writes = order.place(items, "c", None)
    assert writes == [{"id": "c", "position": "V"}]


def test_when_a_gap_has_no_short_key_left_the_keys_are_spread_anew():
    low, high = "V" * 63 + "1", "V" * 63 + "2"
    items = [todo("a", low), todo("b", high), todo("c", "z")]
    writes = order.place(items, "c", "a")
    assert len(writes) == 3
    moved = apply(items, writes)
    assert ids(order.own_order(moved)) == ["a", "c", "b"]
    assert all(order.is_position(item["position"]) and len(item["position"]) == 1 for item in moved)


def test_two_todos_with_one_key_are_spread_apart_when_one_moves_between_them():
    items = [todo("a", "V"), todo("b", "V"), todo("c", "W")]
    moved = apply(items, order.place(items, "c", "a"))
    assert ids(order.own_order(moved)) == ["a", "c", "b"]


@st.composite
def lists_and_moves(draw):
    count = draw(st.integers(1, 12))
    positions = draw(st.lists(st.one_of(st.none(), keys), min_size=count, max_size=count))
    items = [todo(f"t{index:02}", position) for index, position in enumerate(positions)]
    moving = draw(st.sampled_from(items))["id"]
    others = [item["id"] for item in items if item["id"] != moving]
    neighbour = draw(st.one_of(st.none(), st.sampled_from(others))) if others else None
    return items, moving, neighbour, draw(st.booleans())


@given(lists_and_moves())
def test_any_move_puts_the_todo_right_after_or_before_the_one_named_and_leaves_the_rest_in_order(case):
    items, moving, neighbour, after = case
    rest = [item_id for item_id in ids(order.own_order(items)) if item_id != moving]
    if after:
        writes = order.place(items, moving, neighbour)
        place = 0 if neighbour is None else rest.index(neighbour) + 1
    else:
        writes = order.place(items, moving, None, neighbour)
        place = len(rest) if neighbour is None else rest.index(neighbour)
        if neighbour is None:
            # Neither named: first, as after None.
            place = 0
    expected = list(rest)
    expected.insert(place, moving)
    assert ids(order.own_order(apply(items, writes))) == expected
    assert all(order.is_position(write["position"]) for write in writes)
    # Only the keys that had to change: one write when every todo has a key of its own.
    keys = [item.get("position") for item in items]
    if None not in keys and len(set(keys)) == len(keys) and writes:
        assert len(writes) == 1 and writes[0]["id"] == moving


def test_a_new_todo_goes_last_with_a_key_when_every_todo_has_one():
    assert order.new_position([]) == "V"
    assert order.new_position([todo("a", "V"), todo("b", "X"), todo("c", "W")]) == "Y"
    assert order.new_position([todo("a", "V"), todo("b")]) is None
    assert order.new_position([todo("a", "z" * 64)]) is None


SHOWN = [todo("a", "V"), todo("b", "W"), todo("c", "X"), todo("x", "U", True), todo("y", "Y", True)]


@pytest.mark.parametrize(
    "todo_id, slot, target",
    [
        ("b", 0, {"after": None, "before": "a"}),
        ("b", 2, {"after": "c", "before": None}),
        ("a", 1, {"after": "b", "before": None}),
        ("c", 1, {"after": "a", "before": None}),
        ("b", 1, None),
        # Open todos stay above completed ones, and completed ones below.
        ("a", 4, {"after": "c", "before": None}),
        ("y", 0, {"after": None, "before": "x"}),
        ("x", 1, None),
        ("gone", 0, None),
    ],
)
def test_a_drop_or_a_step_lands_among_the_todos_of_its_kind(todo_id, slot, target):
    assert order.move_target(SHOWN, todo_id, slot) == target


def test_a_todo_alone_of_its_kind_goes_nowhere():
    assert order.move_target([todo("a"), todo("x", completed=True)], "x", 0) is None


def test_a_dragged_row_lands_below_every_middle_above_the_pointer():
    assert order.drop_slot([10, 30, 50], 5) == 0
    assert order.drop_slot([10, 30, 50], 31) == 2
    assert order.drop_slot([10, 30, 50], 99) == 3
    assert order.drop_slot([], 99) == 0


@pytest.mark.parametrize(
    "key, alt, step", [("ArrowUp", True, -1), ("ArrowDown", True, 1), ("ArrowUp", False, 0), ("Enter", True, 0)]
)
def test_alt_with_an_arrow_moves_the_row(key, alt, step):
    assert order.key_step(key, alt) == step


def test_a_moved_copy_has_the_new_key_and_leaves_the_todo_alone():
    original = todo("a", "V")
    copy = order.moved(original, "W")
    assert copy == {**original, "position": "W"} and original["position"] == "V"


def test_while_a_row_is_dragged_the_rows_it_passes_make_room():
    others = ["a", "b", "c", "d"]  # the dragged row was between b and c (its slot: 2)
    assert order.landing_slot(others, {"after": "a", "before": None}, 2) == 1
    assert order.landing_slot(others, {"after": None, "before": "d"}, 2) == 3
    assert order.landing_slot(others, None, 2) == 2
    assert [order.shift_of(index, 2, 0) for index in range(4)] == [1, 1, 0, 0]
    assert [order.shift_of(index, 2, 4) for index in range(4)] == [0, 0, -1, -1]
    assert [order.shift_of(index, 2, 2) for index in range(4)] == [0, 0, 0, 0]
