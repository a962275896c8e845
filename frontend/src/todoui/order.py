"""Your own order: position keys made between two neighbours, and the writes that move one todo.

A position is a fraction in base 62 written with the digits ``0-9A-Za-z``
(``"V"`` is 31/62): keys compare by code points as their fractions compare,
because none ends in ``0``, and between any two there is always another. So
moving a todo changes its key alone: one write, the other todos untouched.
Todos without a key come after those with one, by id (as the API says).
"""

from todoui import model

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = 62
POSITION_MAX = model.POSITION_MAX


def _digit(char):
    return DIGITS.find(char)


def is_position(value):
    """Whether ``value`` is a key the API stores: 1 to 64 of ``0-9A-Za-z``, not ending in ``0``."""
    if not model.is_text(value) or len(value) < 1 or len(value) > POSITION_MAX:
        return False
    for index in range(len(value)):
        if _digit(value[index]) < 0:
            return False
    return value[len(value) - 1] != "0"


def position_of(todo):
    """The todo's key, or None when it has none (or one the API would not have given)."""
    if todo is None:
        return None
    key = todo.get("position")
    return key if is_position(key) else None


def _digit_at(key, index):
    return _digit(key[index]) if index < len(key) else 0


def _midpoint(low, high):
    # A key between the fractions low ("" is 0) and high (None is 1); low < high.
    if high is not None:
        common = 0
        while common < len(high) and _digit_at(low, common) == _digit(high[common]):
            common += 1
        if common > 0:
            return high[:common] + _midpoint(low[common:], high[common:])
    low_digit = _digit_at(low, 0)
    high_digit = BASE if high is None else _digit(high[0])
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit) // 2]
    if high is not None and len(high) > 1:
        # The first digit of high alone is above low and below high.
        return high[:1]
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def _after(low):
    # The next key up that is no longer than low (one more digit when low is all "z"): appending stays short.
    for index in range(len(low)):
        digit = _digit(low[index])
        if digit < BASE - 1:
            return low[:index] + DIGITS[digit + 1]
    return low + DIGITS[1]


def _before(high):
    # The next key down, short in the same way.
    for index in range(len(high)):
        digit = _digit(high[index])
        if digit > 1:
            return high[:index] + DIGITS[digit - 1]
    # Only 0s and 1s, the last a 1.
    return high[: len(high) - 1] + "0" + DIGITS[BASE - 1]


def key_between(low, high):
    """A key strictly between the keys ``low`` and ``high`` (None: no bound), or None when ``low >= high``.

    Before the first or after the last it steps by one digit, so a list
    built by adding at either end keeps short keys; between two it takes the
    middle. The key may be longer than ``POSITION_MAX`` after very many moves
    into one gap: ``place`` then spreads the keys anew.
    """
    if low is None and high is None:
        return DIGITS[BASE // 2]
    if low is None:
        return _before(high)
    if high is None:
        return _after(low)
    if low >= high:
        return None
    return _midpoint(low, high)


def own_key(todo):
    """What your own order compares, read from the todo once: ``[no key, key, id, todo]``."""
    key = position_of(todo)
    return [key is None, "" if key is None else key, model.text_of(todo.get("id")), todo]


def compare_own(a, b):
    """-1, 0 or 1 for two ``own_key`` keys: by position, those without one after, then by id."""
    for index in range(3):
        if a[index] != b[index]:
            return -1 if a[index] < b[index] else 1
    return 0


def own_order(todos):
    """A new list in your own order: by position, todos without one after those with one, by id."""
    return [key[3] for key in model.merge_sort([own_key(todo) for todo in todos], compare_own)]


def index_of(todos, todo_id):
    """Where the todo ``todo_id`` is in ``todos``, or -1."""
    for index in range(len(todos)):
        if todos[index].get("id") == todo_id:
            return index
    return -1


def moved(todo, key):
    """A copy of ``todo`` at the position ``key``: what the row shows while the move is saved.

    The copy is made field by field: in the browser ``dict()`` would wrap the same object.
    """
    copy = {}
    for name in todo.keys():  # noqa: SIM118 (Transcrypt's dicts are iterated through keys())
        copy[name] = todo[name]
    copy["position"] = key
    return copy


def _write(todo, key):
    return {"id": todo.get("id"), "position": key}


def spread_keys(count):
    """``count`` keys, evenly apart and as short as that many allows, in ascending order."""
    width = 1
    while BASE**width <= count:
        width += 1
    span = BASE**width
    keys = []
    for index in range(count):
        value = (index + 1) * span // (count + 1)
        key = ""
        for _ in range(width):
            key = DIGITS[value % BASE] + key
            value = value // BASE
        while key[len(key) - 1] == "0":
            key = key[: len(key) - 1]
        keys.append(key)
    return keys


def _spread(ordered):
    # Fresh keys for the whole list in its new order: what is left when a gap has no short key any more.
    keys = spread_keys(len(ordered))
    writes = []
    for index in range(len(ordered)):
        if position_of(ordered[index]) != keys[index]:
            writes.append(_write(ordered[index], keys[index]))
    return writes


def place(todos, todo_id, after_id, before_id=None):
    """The writes (``[{"id", "position"}]``) that put ``todo_id`` right after ``after_id`` in your own order.

    ``after_id`` None: right before ``before_id``, or first when that is None
    too. One write when the todos there have keys; todos without one that
    must come before the moved todo get theirs first (in the order they
    show). No writes when nothing would move or an id is unknown.
    """
    current = own_order(todos)
    moving = index_of(current, todo_id)
    if moving < 0:
        return []
    others = [todo for todo in current if todo.get("id") != todo_id]
    if after_id is not None:
        index = index_of(others, after_id)
        if index < 0:
            return []
    elif before_id is not None:
        index = index_of(others, before_id) - 1
        if index < -1:
            return []
    else:
        index = -1
    if index + 1 == moving:
        return []
    writes = []
    lower = others[index] if index >= 0 else None
    low_key = position_of(lower)
    high_key = position_of(others[index + 1]) if index + 1 < len(others) else None
    if lower is not None and low_key is None:
        # The todos from the first without a key up to the new neighbour get keys, in the order they show.
        first = index
        while first > 0 and position_of(others[first - 1]) is None:
            first -= 1
        low_key = position_of(others[first - 1]) if first > 0 else None
        for item in others[first : index + 1]:
            low_key = key_between(low_key, None)
            writes.append(_write(item, low_key))
        high_key = None
    key = key_between(low_key, high_key)
    if key is None or len(key) > POSITION_MAX or len(low_key or "") > POSITION_MAX:
        moved = others[: index + 1]
        moved.append(current[moving])
        for item in others[index + 1 :]:
            moved.append(item)
        return _spread(moved)
    writes.append(_write(current[moving], key))
    return writes


def new_position(todos):
    """The key of a todo added at the end of your own order, or None when it gets none.

    Added todos go last. When some listed todo has no key, a new one gets
    none either: it then comes last by its id, which is newer than theirs.
    """
    last = None
    for todo in todos:
        key = position_of(todo)
        if key is None:
            return None
        if last is None or key > last:
            last = key
    key = key_between(last, None)
    return key if len(key) <= POSITION_MAX else None


def move_target(shown, todo_id, slot):
    """Where a todo dropped at ``slot`` of the rows shown goes: ``{"after": id}``, ``{"before": id}``, or None.

    ``shown``: the todos on screen in their order; ``slot``: the index among
    the others at which it lands (its own index moves it nowhere). Open and
    completed todos are shown apart, so a todo stays among its kind.
    """
    moving = index_of(shown, todo_id)
    if moving < 0:
        return None
    completed = shown[moving].get("completed") is True
    others = [todo for todo in shown if todo.get("id") != todo_id]
    start = 0
    end = 0
    for todo in others:
        if (todo.get("completed") is True) == completed:
            end += 1
        elif end == start:
            start += 1
            end += 1
    # The kind of the moved todo takes slots start..end of the others.
    slot = max(start, min(end, slot))
    if slot == moving or end == start:
        return None
    if slot > start:
        return {"after": others[slot - 1].get("id"), "before": None}
    return {"after": None, "before": others[slot].get("id")}


def landing_slot(others, target, moving):
    """The slot among ``others`` (todo ids shown, the dragged one left out) where ``target`` puts the dragged
    todo; ``moving``: its own slot, where no target leaves it."""
    if target is None:
        return moving
    for index in range(len(others)):
        if others[index] == target["after"]:
            return index + 1
        if others[index] == target["before"]:
            return index
    return moving


def shift_of(index, moving, slot):
    """How the row at ``index`` of the others makes room for the dragged row (from ``moving``, held over
    ``slot``): 1 a row's height down, -1 up, 0 not at all."""
    if slot <= index < moving:
        return 1
    if moving <= index < slot:
        return -1
    return 0


def drop_slot(middles, y):
    """The slot a dragged row lands in: how many of the other rows' middles (top to bottom) are above ``y``."""
    slot = 0
    for middle in middles:
        if middle < y:
            slot += 1
    return slot


def key_step(key, alt):
    """How far a key press moves the focused row in your own order: Alt+ArrowUp -1, Alt+ArrowDown 1, else 0."""
    if not alt:
        return 0
    if key == "ArrowUp":
        return -1
    if key == "ArrowDown":
        return 1
    return 0
