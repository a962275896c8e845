"""Calendar dates as the API writes them (``YYYY-MM-DD``): which are real, how they read, and what is due.

A date has no time of day, so no time zone: "today" is the browser's local
date, given by the page as the same kind of text, and dates compare as text.
"""

from todoui import texts

DIGITS = "0123456789"
DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
# What the due label of a todo says about it.
OVERDUE = "overdue"  # open, and the date has passed
TODAY = "today"  # open, and due today
TOMORROW = "tomorrow"
LATER = "later"  # open and due later, or completed with a date
NONE = "none"


def _number(text):
    """The value of a string of ASCII digits, or -1 when it is empty or holds anything else."""
    if len(text) == 0:
        return -1
    value = 0
    for index in range(len(text)):
        digit = DIGITS.find(text[index])
        if digit < 0:
            return -1
        value = value * 10 + digit
    return value


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def month_days(year, month):
    """How many days ``month`` (1 to 12) of ``year`` has."""
    if month == 2 and _is_leap(year):
        return 29
    return DAYS_IN_MONTH[month - 1]


def parts(text):
    """``[year, month, day]`` of a real date written ``YYYY-MM-DD`` (years 0001 to 9999), else None."""
    if text is None or type(text) is not str or len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    year = _number(text[0:4])
    month = _number(text[5:7])
    day = _number(text[8:10])
    if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days(year, month):
        return None
    return [year, month, day]


def is_date(value):
    """Whether ``value`` is a real calendar date written ``YYYY-MM-DD`` (``2026-02-30`` is not)."""
    return parts(value) is not None


def _padded(number, width):
    text = str(number)
    while len(text) < width:
        text = "0" + text
    return text


def date_text(year, month, day):
    """``YYYY-MM-DD`` of a date given as numbers (what the page reads from the browser's clock)."""
    return _padded(year, 4) + "-" + _padded(month, 2) + "-" + _padded(day, 2)


def weekday(year, month, day):
    """0 for Sunday to 6 for Saturday (the Gregorian calendar, also before it was used)."""
    offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
    if month < 3:
        year -= 1
    return (year + year // 4 - year // 100 + year // 400 + offsets[month - 1] + day) % 7


def next_day(today):
    """The date after ``today`` (a real date), as text."""
    found = parts(today)
    year = found[0]
    month = found[1]
    day = found[2] + 1
    if day > month_days(year, month):
        day = 1
        month += 1
    if month > 12:
        month = 1
        year += 1
    return date_text(year, month, day)


def due_of(todo):
    """A todo's due date when it is a real one, else None."""
    due = todo.get("due")
    return due if is_date(due) else None


def due_state(todo, today):
    """What the todo's due date means today: ``OVERDUE``, ``TODAY``, ``TOMORROW``, ``LATER`` or ``NONE``."""
    due = due_of(todo)
    if due is None:
        return NONE
    if todo.get("completed") is True:
        return LATER
    if due < today:
        return OVERDUE
    if due == today:
        return TODAY
    if due == next_day(today):
        return TOMORROW
    return LATER


def is_due(todo, today):
    """Whether an open todo is due today or overdue: what the 今日 view shows and its count counts."""
    state = due_state(todo, today)
    return state in (OVERDUE, TODAY)


def short_date(due, today):
    """``3/5(木)``: a date in a list's few characters; the year is written when it is not this year's."""
    found = parts(due)
    text = str(found[1]) + "/" + str(found[2]) + "(" + texts.WEEKDAYS[weekday(found[0], found[1], found[2])] + ")"
    if due[0:4] != today[0:4]:
        text = str(found[0]) + "/" + text
    return text


def due_text(todo, state, today):
    """The words a row shows for its due date, whose ``due_state`` is ``state`` ("" when it has none)."""
    if state == NONE:
        return ""
    return texts.fill(texts.DUE_LABELS[state], [short_date(due_of(todo), today)])
