"""What the list shows and what the form sends: labels, sort order, hints and request bodies."""

from todoui import texts

# The fields the form edits, in the order it shows them.
FIELDS = ["title", "memo", "priority"]
TITLE_MAX = 200
MEMO_MAX = 2000
PRIORITY_MIN = 1
PRIORITY_MAX = 5
DEFAULT_PRIORITY = 3
# A larger number is more important, as in the original three-level app
# (1 低, 2 中, 3 高), now spread over five levels.
PRIORITY_NAMES = texts.PRIORITY_NAMES


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


def text_of(value):
    """A field as text to display: missing fields are empty, never "None"."""
    if value is None:
        return ""
    if isinstance(value, str):
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
    return created if isinstance(created, str) else ""


def compare_todos(a, b):
    """-1, 0 or 1: open before completed, then higher priority, then newer, then by id."""
    if _is_completed(a) != _is_completed(b):
        return 1 if _is_completed(a) else -1
    if _rank(a) != _rank(b):
        return -1 if _rank(a) > _rank(b) else 1
    # RFC 3339 UTC timestamps written by one server sort as text.
    if _created(a) != _created(b):
        return -1 if _created(a) > _created(b) else 1
    id_a, id_b = text_of(a.get("id")), text_of(b.get("id"))
    if id_a != id_b:
        return -1 if id_a < id_b else 1
    return 0


def sort_todos(todos):
    """A new list in display order (a stable merge sort, the same in CPython and in the browser)."""
    if len(todos) <= 1:
        return list(todos)
    middle = len(todos) // 2
    left = sort_todos(todos[:middle])
    right = sort_todos(todos[middle:])
    merged = []
    i = 0
    j = 0
    while i < len(left) and j < len(right):
        if compare_todos(right[j], left[i]) < 0:
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


def field_hints(values):
    """Advice shown while typing; the API still decides, so nothing here blocks sending."""
    hints = {"title": "", "memo": ""}
    title = values["title"]
    memo = values["memo"]
    if len(title.strip()) == 0:
        hints["title"] = texts.ENTER_TITLE
    elif count_chars(title) > TITLE_MAX:
        hints["title"] = texts.fill(texts.TITLE_TOO_LONG, [TITLE_MAX])
    if count_chars(memo) > MEMO_MAX:
        hints["memo"] = texts.fill(texts.MEMO_TOO_LONG, [MEMO_MAX])
    return hints


def form_values(todo):
    """The form's field values for editing ``todo``, or for a new todo when it is None."""
    if todo is None:
        return {"title": "", "memo": "", "priority": str(DEFAULT_PRIORITY)}
    priority = todo.get("priority")
    return {
        "title": text_of(todo.get("title")),
        "memo": text_of(todo.get("memo")),
        "priority": str(int(priority)) if is_priority(priority) else str(DEFAULT_PRIORITY),
    }


def parse_priority(text):
    """The select's value as the API wants it: an integer; anything else goes as it is, for the API to name."""
    for level in range(PRIORITY_MIN, PRIORITY_MAX + 1):
        if text == str(level):
            return level
    return text


def new_todo_body(values):
    """The body of ``POST /todos`` from the form's values. Text is sent exactly as typed."""
    return {
        "title": values["title"],
        "memo": values["memo"],
        "priority": parse_priority(values["priority"]),
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


def neighbour_id(todos, todo_id):
    """The id of the row that takes focus when ``todo_id``'s row goes: the next one, else the previous, else None."""
    ordered = sort_todos(todos)
    for index in range(len(ordered)):
        if ordered[index].get("id") == todo_id:
            if index + 1 < len(ordered):
                return ordered[index + 1].get("id")
            if index > 0:
                return ordered[index - 1].get("id")
    return None
