"""Due dates (frontend/src/todoui/dates.py): real dates, what is due today or overdue, and how a row says so."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from todoui import dates

TODAY = "2026-03-05"  # a Thursday


@pytest.mark.parametrize("text", ["2026-03-05", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"])
def test_real_dates_are_dates(text):
    assert dates.is_date(text)


@pytest.mark.parametrize(
    "value",
    ["2026-02-30", "2025-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "0000-01-01", "2026-3-5", "2026/03/05",
     "20260305", "2026-03-05T00:00", " 2026-03-05", "\uff12\uff10\uff12\uff16-03-05", "", None, 20260305, True],
)  # fmt: skip
def test_anything_else_is_not(value):
    assert not dates.is_date(value)


@given(st.dates())
def test_every_calendar_date_is_a_date_and_its_weekday_and_next_day_are_the_calendars(day):
    text = day.isoformat()
    assert dates.is_date(text)
    assert dates.date_text(day.year, day.month, day.day) == text
    assert dates.weekday(day.year, day.month, day.day) == day.isoweekday() % 7
    if day < datetime.date.max:
        assert dates.next_day(text) == (day + datetime.timedelta(days=1)).isoformat()


def todo(due, completed=False):
    return {"id": "a", "title": "t", "due": due, "completed": completed}


@pytest.mark.parametrize(
    "due, completed, state",
    [
        ("2026-03-04", False, dates.OVERDUE),
        ("2025-12-31", False, dates.OVERDUE),
        ("2026-03-05", False, dates.TODAY),
        ("2026-03-06", False, dates.TOMORROW),
        ("2026-03-07", False, dates.LATER),
        ("2026-03-04", True, dates.LATER),
        (None, False, dates.NONE),
        ("2026-02-30", False, dates.NONE),
    ],
)
def test_a_due_date_is_overdue_today_tomorrow_or_later_for_an_open_todo(due, completed, state):
    assert dates.due_state(todo(due, completed), TODAY) == state
    assert dates.is_due(todo(due, completed), TODAY) == (state in (dates.OVERDUE, dates.TODAY))


def test_the_next_day_crosses_months_and_years():
    assert dates.next_day("2026-02-28") == "2026-03-01"
    assert dates.next_day("2024-02-28") == "2024-02-29"
    assert dates.next_day("2026-12-31") == "2027-01-01"


@pytest.mark.parametrize(
    "due, completed, text",
    [
        ("2026-03-02", False, "期限切れ 3/2(月)"),
        ("2026-03-05", False, "今日まで"),
        ("2026-03-06", False, "明日まで"),
        ("2026-03-08", False, "3/8(日)まで"),
        ("2027-01-09", False, "2027/1/9(土)まで"),
        ("2025-12-31", False, "期限切れ 2025/12/31(水)"),
        ("2026-03-02", True, "3/2(月)まで"),
        (None, False, ""),
    ],
)
def test_a_row_says_when_a_todo_is_due_in_words_not_only_in_colour(due, completed, text):
    item = todo(due, completed)
    assert dates.due_text(item, dates.due_state(item, TODAY), TODAY) == text
