"""What the list shows: the view (due today, all, completed), the sort, the search, and the words of each row.

Every todo keeps a row; a view and a search only hide rows, and a sort only
moves them, so a change to one todo still redraws one row.
"""

from todoui import dates, model, order, texts

# The views.
TODAY = "today"  # open todos due today or overdue
ALL = "all"  # every todo, open before completed
COMPLETED = "completed"
VIEWS = [TODAY, ALL, COMPLETED]
# The sorts; open todos always come before completed ones.
OWN = "own"  # your own order: by position, then by id
DUE = "due"  # the earliest date first, todos without one last; then as by priority
PRIORITY = "priority"  # the more important first, then the newer
SORTS = [OWN, DUE, PRIORITY]
DEFAULT_SORT = OWN


def sort_options():
    """``[value, text]`` pairs for the sort select."""
    return [[sort, texts.SORT_NAMES[sort]] for sort in SORTS]


def chosen(value, allowed, default):
    """``value`` when it is one of ``allowed`` (a stored choice read back), else ``default``."""
    return value if value in allowed else default


def can_reorder(sort):
    """Whether rows can be moved by hand: only in your own order, where a move means something."""
    return sort == OWN


def _own_sort_key(todo):
    return [todo.get("completed") is True, order.own_key(todo)]


def _compare_own(a, b):
    if a[0] != b[0]:
        return 1 if a[0] else -1
    return order.compare_own(a[1], b[1])


def _due_sort_key(todo):
    due = dates.due_of(todo)
    return [todo.get("completed") is True, due is None, "" if due is None else due, model.priority_key(todo)]


def _compare_due(a, b):
    for index in range(3):
        if a[index] != b[index]:
            return -1 if a[index] < b[index] else 1
    return model.compare_priority(a[3], b[3])


def sort_todos(todos, sort):
    """A new list in the order of ``sort`` (``SORTS``)."""
    if sort == DUE:
        return [key[3][4] for key in model.merge_sort([_due_sort_key(todo) for todo in todos], _compare_due)]
    if sort == PRIORITY:
        return model.sort_todos(todos)
    return [key[1][3] for key in model.merge_sort([_own_sort_key(todo) for todo in todos], _compare_own)]


def search_words(query):
    """The words of a search, in lower case: split at white space, the ideographic space too."""
    words = []
    word = ""
    for char in query.lower():
        if model.is_blank(char):
            if len(word) > 0:
                words.append(word)
            word = ""
        else:
            word += char
    if len(word) > 0:
        words.append(word)
    return words


def matches(todo, words):
    """Whether every word of a search is in the todo's title or memo, whatever the case."""
    if len(words) == 0:
        return True
    text = (model.text_of(todo.get("title")) + "\n" + model.text_of(todo.get("memo"))).lower()
    return all([text.find(word) >= 0 for word in words])


def in_view(todo, view, today):
    """Whether ``view`` shows ``todo`` on the day ``today`` (``YYYY-MM-DD``)."""
    if view == TODAY:
        return dates.is_due(todo, today)
    if view == COMPLETED:
        return todo.get("completed") is True
    return True


def shows(todo, view, words, today):
    """Whether the row of ``todo`` is shown: in the view, and matching the search."""
    return in_view(todo, view, today) and matches(todo, words)


def visible(todos, sort, view, words, today):
    """The todos shown, in the order shown."""
    return [todo for todo in sort_todos(todos, sort) if shows(todo, view, words, today)]


def today_count(todos, today):
    """How many open todos are due today or overdue: the number on the 今日 view."""
    count = 0
    for todo in todos:
        if dates.is_due(todo, today):
            count += 1
    return count


def status_text(todos, shown, view, words):
    """The line under the list: the count of all todos, or of those shown, or why none are."""
    if len(todos) == 0:
        return texts.EMPTY_LIST
    if shown == 0 and len(words) > 0:
        return texts.NO_MATCH
    if shown == 0:
        return texts.EMPTY_VIEWS[view]
    if view == ALL and len(words) == 0:
        return model.summary_text(todos)
    return texts.fill(texts.SHOWN, [shown, len(todos)])


def caption(sort):
    """The table's caption for screen readers: what it lists, in which order."""
    return texts.fill(texts.CAPTION, [texts.SORT_NAMES[sort]])


def next_id(todos, todo_id, sort):
    """The id of the todo right after ``todo_id``'s in the order of ``sort``, shown or not; None when it is last."""
    ordered = sort_todos(todos, sort)
    index = order.index_of(ordered, todo_id)
    if index < 0 or index + 1 >= len(ordered):
        return None
    return ordered[index + 1].get("id")


def neighbour_id(shown, todo_id):
    """The id of the row that takes focus when ``todo_id``'s row goes: the next shown, else the previous, else None."""
    index = order.index_of(shown, todo_id)
    if index < 0:
        return None
    if index + 1 < len(shown):
        return shown[index + 1].get("id")
    if index > 0:
        return shown[index - 1].get("id")
    return None


def row_view(todo, today):
    """Everything one row shows (``model.row_view``), with its due date on ``today`` and its move buttons' names."""
    view = model.row_view(todo)
    state = dates.due_state(todo, today)
    view["due"] = dates.due_text(todo, state, today)
    view["dueState"] = state
    view["overdue"] = state == dates.OVERDUE
    view["upLabel"] = texts.fill(texts.MOVE_UP_LABEL, [view["title"]])
    view["downLabel"] = texts.fill(texts.MOVE_DOWN_LABEL, [view["title"]])
    return view


def moved_text(shown, todo_id):
    """What a screen reader hears after a move: the todo and where it now is among those shown."""
    index = order.index_of(shown, todo_id)
    title = model.text_of(shown[index].get("title")) if index >= 0 else ""
    return texts.fill(texts.MOVED, [title, index + 1, len(shown)])
