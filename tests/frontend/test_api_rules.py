"""The page refuses what the API refuses, and no more: dates and positions against the API's own validators."""

import datetime

from hypothesis import given
from hypothesis import strategies as st
from todoui import dates, model, order

from chalicelib import todos


def stored(field, value):
    """Whether the API takes ``value`` for ``field`` in an update."""
    try:
        todos.validate_changes({field: value})
    except todos.ValidationError:
        return False
    return True


@given(st.one_of(st.dates().map(datetime.date.isoformat), st.text(alphabet="0123456789-", min_size=8, max_size=11)))
def test_the_page_and_the_api_agree_on_what_a_date_is(value):
    assert stored("due", value) == dates.is_date(value)


positions = st.one_of(
    st.text(alphabet=order.DIGITS, min_size=1, max_size=12),
    st.text(alphabet=order.DIGITS, min_size=60, max_size=70),
    st.text(max_size=70),
)


@given(positions)
def test_the_page_and_the_api_agree_on_what_a_position_is(value):
    assert stored("position", value) == order.is_position(value)


def test_the_longest_position_is_the_apis():
    assert model.POSITION_MAX == todos.POSITION_MAX
