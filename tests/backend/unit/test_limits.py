"""The field limits are written once, in chalicelib.todos; the OpenAPI document must agree with them."""

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from chalicelib import errors, http, openapi, todos

# Characters on both sides of each rule, mixed into arbitrary text.
EDGES = "\t\n\r\x00\x7f\x85 \u00a0\u00ad\u0600\u200b\u202e\u2066\u3000\u3164\ufeff\U000e0020\U0001d173a"


def _schemas():
    return openapi.document()["components"]["schemas"]


def test_the_document_states_the_limits_of_the_rules():
    for name in ("NewTodo", "TodoChanges"):
        props = _schemas()[name]["properties"]
        assert props["title"]["maxLength"] == todos.TITLE_MAX
        assert props["memo"]["maxLength"] == todos.MEMO_MAX
        number, text = props["priority"]["oneOf"]
        assert (number["minimum"], number["maximum"]) == (todos.PRIORITY_MIN, todos.PRIORITY_MAX)
        assert text["enum"] == [str(n) for n in range(todos.PRIORITY_MIN, todos.PRIORITY_MAX + 1)]


def test_the_document_states_the_title_and_memo_patterns_of_the_rules():
    for name in ("NewTodo", "TodoChanges"):
        props = _schemas()[name]["properties"]
        assert (props["title"]["pattern"], props["memo"]["pattern"]) == (todos.TITLE_PATTERN, todos.MEMO_PATTERN)


def _accepts(field, value):
    try:
        todos.validate_changes({field: value})
    except errors.ValidationError:
        return False
    return True


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(EDGES)), max_size=12))
def test_the_api_accepts_exactly_the_titles_and_memos_the_document_s_patterns_match(text):
    props = _schemas()["NewTodo"]["properties"]
    for field in ("title", "memo"):
        # An anchored ECMAScript pattern matches as Python's fullmatch does (Python's "$" also passes a final "\n").
        matches = len(text) >= props[field].get("minLength", 0) and re.fullmatch(props[field]["pattern"], text)
        assert _accepts(field, text) == bool(matches), (field, text)


def test_the_document_states_the_limits_the_api_enforces():
    parameters = openapi.document()["components"]["parameters"]
    assert parameters["Limit"]["schema"]["maximum"] == http.LIMIT_MAX
    assert f"{{0,{http.IF_MATCH_TAGS_MAX - 1}}}" in parameters["IfMatch"]["schema"]["pattern"]
    assert f"At most {http.IF_MATCH_TAGS_MAX} tags" in parameters["IfMatch"]["description"]
    assert f"{http.JSON_DEPTH_MAX} levels" in json.dumps(openapi.document())
    assert f"{http.BODY_MAX_BYTES // 1024} KiB" in openapi.document()["info"]["description"]


def test_the_demo_owner_shows_as_an_optional_token_only_where_the_stage_allows_it():
    strict = openapi.document()["paths"]["/todos"]["get"]["security"]
    relaxed = openapi.document(anonymous_allowed=True)["paths"]["/todos"]["get"]["security"]
    assert strict == [{"CognitoIdToken": []}] and relaxed == [{"CognitoIdToken": []}, {}]
    assert "security" not in openapi.document()["paths"]["/openapi.json"]["get"]
