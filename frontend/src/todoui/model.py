"""What the list shows and what the form sends: labels, sort order, hints and request bodies."""

from todoui import dates, texts

# The fields the form edits, in the order it shows them, and those it checks as they are typed.
FIELDS = ["title", "memo", "priority", "due"]
HINTED = ["title", "memo", "due"]
HEX = "0123456789ABCDEF"
TITLE_MAX = 200
MEMO_MAX = 2000
PRIORITY_MIN = 1
PRIORITY_MAX = 5
POSITION_MAX = 64
DEFAULT_PRIORITY = 3
# A larger number is more important, as in the original three-level app
# (1 低, 2 中, 3 高), now spread over five levels.
PRIORITY_NAMES = texts.PRIORITY_NAMES


def is_record(value):
    """Whether parsed JSON ``value`` can be read field by field: it is not null, a string or an array."""
    return not (value is None or isinstance(value, (str, list)))


def is_priority(value):
    """Whether ``value`` is one of the priorities 1 to 5 (JSON true is not 1)."""
    if value is True or value is False:
        return False
    return value in [1, 2, 3, 4, 5]


def priority_label(value):
    """The word for a priority: 最低 (1) to 最高 (5); other values are shown as they are."""
    if is_priority(value):
        return PRIORITY_NAMES[int(value) - 1]
    if value is None:
        return ""
    return str(value)


def priority_options():
    """``[value, text]`` pairs for the priority select, from 1 to 5."""
    return [
        [str(level), str(level) + " " + PRIORITY_NAMES[level - 1]] for level in range(PRIORITY_MIN, PRIORITY_MAX + 1)
    ]


def is_text(value):
    """Whether ``value`` is a string; in the browser, without the thrown and caught error by which Transcrypt's
    ``isinstance`` tells a string (a long list asks thousands of times). ``type(None)`` throws and catches one
    too, so a missing field is told apart first."""
    return value is not None and type(value) is str


def text_of(value):
    """A field as text to display: missing fields are empty, never "None"."""
    if value is None:
        return ""
    if is_text(value):
        return value
    return str(value)


def _is_completed(todo):
    return todo.get("completed") is True


def _rank(todo):
    priority = todo.get("priority")
    return int(priority) if is_priority(priority) else 0


def _created(todo):
    # Seeded items have no createdAt: they count as the oldest.
    created = todo.get("createdAt")
    return created if is_text(created) else ""


def priority_key(todo):
    """What the order by priority compares, read from the todo once rather than at every comparison."""
    return [_is_completed(todo), _rank(todo), _created(todo), text_of(todo.get("id")), todo]


def compare_priority(a, b):
    """-1, 0 or 1 for two ``priority_key`` keys."""
    if a[0] != b[0]:
        return 1 if a[0] else -1
    if a[1] != b[1]:
        return -1 if a[1] > b[1] else 1
    # RFC 3339 UTC timestamps written by one server sort as text.
    if a[2] != b[2]:
        return -1 if a[2] > b[2] else 1
    if a[3] != b[3]:
        return -1 if a[3] < b[3] else 1
    return 0


def compare_todos(a, b):
    """-1, 0 or 1: open before completed, then higher priority, then newer, then by id."""
    return compare_priority(priority_key(a), priority_key(b))


def merge_sort(keys, compare):
    """``keys`` in the order ``compare`` (-1, 0 or 1) gives; stable, and the same in CPython and in the browser."""
    if len(keys) <= 1:
        return keys
    middle = len(keys) // 2
    left = merge_sort(keys[:middle], compare)
    right = merge_sort(keys[middle:], compare)
    merged = []
    i = 0
    j = 0
    while i < len(left) and j < len(right):
        if compare(right[j], left[i]) < 0:
            merged.append(right[j])
            j += 1
        else:
            merged.append(left[i])
            i += 1
    while i < len(left):
        merged.append(left[i])
        i += 1
    while j < len(right):
        merged.append(right[j])
        j += 1
    return merged


def sort_todos(todos):
    """A new list by priority: open before completed, then higher priority, then newer, then by id."""
    return [key[4] for key in merge_sort([priority_key(todo) for todo in todos], compare_priority)]


def row_view(todo):
    """Everything one table row shows, as plain text and flags."""
    title = text_of(todo.get("title"))
    completed = _is_completed(todo)
    return {
        "id": text_of(todo.get("id")),
        "title": title,
        "memo": text_of(todo.get("memo")),
        "priority": priority_label(todo.get("priority")),
        "level": _rank(todo),
        "completed": completed,
        "checkLabel": texts.fill(texts.CHECK_LABEL, [title]),
        "updateLabel": texts.fill(texts.UPDATE_LABEL, [title]),
        "deleteLabel": texts.fill(texts.DELETE_LABEL, [title]),
    }


def summary_text(todos):
    """The line under the list: the empty state, or how many are open."""
    if len(todos) == 0:
        return texts.EMPTY_LIST
    open_count = 0
    for todo in todos:
        if not _is_completed(todo):
            open_count += 1
    return texts.fill(texts.SUMMARY, [len(todos), open_count])


def code_points(text):
    """The code points of ``text``, joining the UTF-16 surrogate pairs a browser string holds."""
    points = []
    index = 0
    while index < len(text):
        point = ord(text[index])
        if 0xD800 <= point <= 0xDBFF and index + 1 < len(text):
            low = ord(text[index + 1])
            if 0xDC00 <= low <= 0xDFFF:
                point = 0x10000 + (point - 0xD800) * 0x400 + (low - 0xDC00)
                index += 1
        points.append(point)
        index += 1
    return points


def count_chars(text):
    """Characters as the API counts them (code points), also where strings are UTF-16."""
    count = 0
    for index in range(len(text)):
        unit = ord(text[index])
        # In the browser a character beyond U+FFFF is two units; skip the second.
        if not (0xDC00 <= unit <= 0xDFFF):
            count += 1
    return count


def counter_text(text, limit):
    """``"12 / 200"``: how much of a field's limit is used."""
    return str(count_chars(text)) + " / " + str(limit)


# White space as the browser's trim() and the API see it. (Lists are written whole: Transcrypt's + joins them as text.)
_SPACES = [
    [0x09, 0x0D], [0x20, 0x20], [0xA0, 0xA0], [0x1680, 0x1680], [0x2000, 0x200A], [0x2028, 0x2029],
    [0x202F, 0x202F], [0x205F, 0x205F], [0x3000, 0x3000], [0xFEFF, 0xFEFF],
]  # fmt: skip
# Characters that draw nothing: Unicode's default-ignorable code points, such as U+200B.
_INVISIBLE = [
    [0x00AD, 0x00AD], [0x034F, 0x034F], [0x061C, 0x061C], [0x115F, 0x1160], [0x17B4, 0x17B5],
    [0x180B, 0x180F], [0x200B, 0x200F], [0x202A, 0x202E], [0x2060, 0x206F], [0x3164, 0x3164],
    [0xFE00, 0xFE0F], [0xFFA0, 0xFFA0], [0xFFF0, 0xFFFB], [0x1BCA0, 0x1BCA3], [0x1D173, 0x1D17A],
    [0xE0000, 0xE0FFF],
]  # fmt: skip
# What the API refuses in titles and memos: C0 and C1 controls (and DEL), bidirectional overrides and
# isolates, and lone surrogates (not Unicode). A memo keeps tab and newline.
_REFUSED = [[0x00, 0x1F], [0x7F, 0x9F], [0x202A, 0x202E], [0x2066, 0x2069], [0xD800, 0xDFFF]]
_MEMO_ALLOWS = [0x09, 0x0A]


def _within(point, ranges):
    return any([pair[0] <= point <= pair[1] for pair in ranges])


def is_blank(text):
    """Whether ``text`` shows nothing: only white space, invisible characters and controls."""
    for point in code_points(text):
        if not (_within(point, _SPACES) or _within(point, _INVISIBLE) or _within(point, _REFUSED)):
            return False
    return True


def refused_character(text, in_memo):
    """The first character the API refuses in a title (or a memo when ``in_memo``), as ``U+XXXX``, or None."""
    for point in code_points(text):
        if _within(point, _REFUSED) and not (in_memo and point in _MEMO_ALLOWS):
            name = ""
            while point > 0 or len(name) < 4:
                name = HEX[point % 16] + name
                point = point // 16
            return "U+" + name
    return None


def rule_text(name):
    """What the field ``name`` (a form field or ``completed``) must be, in words to show."""
    limits = {
        "title": [TITLE_MAX],
        "memo": [MEMO_MAX],
        "priority": [PRIORITY_MIN, PRIORITY_MAX],
        "completed": [],
        "due": [],
        "position": [POSITION_MAX],
    }
    return texts.fill(texts.FIELD_RULES[name], limits[name])


def field_problem(name, value):
    """Why the API would refuse ``value`` for the field ``name``, in words to show; "" when it would not.

    ``value``: as the form holds it (text) or as the body sends it (the priority as a number).
    """
    if name == "priority":
        level = parse_priority(value) if isinstance(value, str) else value
        return "" if is_priority(level) else rule_text(name)
    if name == "due":
        # The form's "" and the body's None are no date.
        return "" if value is None or value == "" or dates.is_date(value) else rule_text(name)
    if not isinstance(value, str):
        return rule_text(name)
    if name == "title" and is_blank(value):
        return texts.ENTER_TITLE
    if name == "title" and count_chars(value) > TITLE_MAX:
        return texts.fill(texts.TITLE_TOO_LONG, [TITLE_MAX])
    if name == "memo" and count_chars(value) > MEMO_MAX:
        return texts.fill(texts.MEMO_TOO_LONG, [MEMO_MAX])
    character = refused_character(value, name == "memo")
    if character is not None:
        return texts.fill(texts.BAD_CHARACTER, [texts.FIELD_NAMES[name], character])
    return ""


def field_hints(values):
    """What is wrong with the title, the memo and the date as typed: shown while typing, and why nothing is sent."""
    hints = {}
    for name in HINTED:
        hints[name] = field_problem(name, values[name])
    return hints


def body_problem(body):
    """``{"field", "text"}``: the first field of a request body the API would refuse, or None to send it."""
    for name in FIELDS:
        if name in body:
            text = field_problem(name, body[name])
            if len(text) > 0:
                return {"field": name, "text": text}
    return None


def form_values(todo):
    """The form's field values for editing ``todo``, or for a new todo when it is None."""
    if todo is None:
        return {"title": "", "memo": "", "priority": str(DEFAULT_PRIORITY), "due": ""}
    priority = todo.get("priority")
    return {
        "title": text_of(todo.get("title")),
        "memo": text_of(todo.get("memo")),
        "priority": str(int(priority)) if is_priority(priority) else str(DEFAULT_PRIORITY),
        "due": text_of(todo.get("due")),
    }


def parse_priority(text):
    """The select's value as the API wants it: an integer; anything else goes as it is, for the API to name."""
    for level in range(PRIORITY_MIN, PRIORITY_MAX + 1):
        if text == str(level):
            return level
    return text


def new_todo_body(values):
    """The body of ``POST /todos`` from the form's values. Text is sent exactly as typed; no date is null."""
    return {
        "title": values["title"],
        "memo": values["memo"],
        "priority": parse_priority(values["priority"]),
        "due": None if values["due"] == "" else values["due"],
    }


def changed_fields(todo, values):
    """The body of a partial update: only the fields the form changed (empty when none did)."""
    changes = {}
    wanted = new_todo_body(values)
    for name in FIELDS:
        if wanted[name] != todo.get(name):
            changes[name] = wanted[name]
    return changes


def restore_body(todo):
    """The body that creates ``todo`` again (undo of a delete)."""
    body = {
        "title": text_of(todo.get("title")),
        "memo": text_of(todo.get("memo")),
        "priority": todo.get("priority"),
        "completed": _is_completed(todo),
    }
    # A date and a place in your own order come back too; a todo that had none gets none.
    if todo.get("due") is not None:
        body["due"] = todo.get("due")
    if todo.get("position") is not None:
        body["position"] = todo.get("position")
    return body


def upsert(todos, todo):
    """A new list with ``todo`` in place of the item with its id, or added."""
    result = []
    found = False
    for item in todos:
        if item.get("id") == todo.get("id"):
            result.append(todo)
            found = True
        else:
            result.append(item)
    if not found:
        result.append(todo)
    return result


def without(todos, todo_id):
    """A new list without the item whose id is ``todo_id``."""
    return [item for item in todos if item.get("id") != todo_id]


def find(todos, todo_id):
    """The item whose id is ``todo_id``, or None."""
    for item in todos:
        if item.get("id") == todo_id:
            return item
    return None
