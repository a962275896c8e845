"""The field limits are written once, in chalicelib.todos; the OpenAPI document must agree with them."""

import json

from chalicelib import openapi, todos


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


def test_the_document_states_the_limits_the_api_enforces():
    parameters = openapi.document()["components"]["parameters"]
    assert parameters["Limit"]["schema"]["maximum"] == todos.LIMIT_MAX
    assert f"{{0,{todos.IF_MATCH_TAGS_MAX - 1}}}" in parameters["IfMatch"]["schema"]["pattern"]
    assert f"At most {todos.IF_MATCH_TAGS_MAX} tags" in parameters["IfMatch"]["description"]
    assert f"{todos.JSON_DEPTH_MAX} levels" in json.dumps(openapi.document())
    assert f"{todos.BODY_MAX_BYTES // 1024} KiB" in openapi.document()["info"]["description"]


def test_the_demo_owner_shows_as_an_optional_token_only_where_the_stage_allows_it():
    strict = openapi.document()["paths"]["/todos"]["get"]["security"]
    relaxed = openapi.document(anonymous_allowed=True)["paths"]["/todos"]["get"]["security"]
    assert strict == [{"CognitoIdToken": []}] and relaxed == [{"CognitoIdToken": []}, {}]
    assert "security" not in openapi.document()["paths"]["/openapi.json"]["get"]
