"""URLs, headers and error messages (frontend/src/todoui/remote.py) under CPython."""

import re
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st
from todoui import model, remote, texts


@pytest.mark.parametrize(
    "api_url, url",
    [
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/todos"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/todos"),
        (
            "https://abc.execute-api.ap-northeast-1.amazonaws.com/api/",
            "https://abc.execute-api.ap-northeast-1.amazonaws.com/api/todos",
        ),
    ],
)
def test_the_collection_url_sits_under_the_api_base_with_or_without_its_slash(api_url, url):
    assert remote.collection_url(api_url) == url


def test_an_item_url_percent_encodes_the_id_as_one_segment():
    assert remote.item_url("http://h/", "L5") == "http://h/todos/L5"
    assert remote.item_url("http://h/", "a/b?c#d 𩸽") == "http://h/todos/a%2Fb%3Fc%23d%20%F0%A9%B8%BD"


@given(st.text())
def test_quoting_matches_the_standard_librarys_strict_quoting(text):
    assert remote.quote_segment(text) == urllib.parse.quote(text, safe="-._~", errors="surrogatepass")


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, None),
        ("", None),
        ('</todos?cursor=abc>; rel="next"', "/todos?cursor=abc"),
        ("</todos?cursor=abc>; rel=next", "/todos?cursor=abc"),
        ('</a>; rel="prev", </b>; rel="next"', "/b"),
        ('</a?x=1,2>; title="a, b; c"; rel="prev next"', "/a?x=1,2"),
        ('</a>; REL="Next"', "/a"),
        ('</a>; rel="nextpage"', None),
        ('/no-brackets; rel="next"', None),
    ],
)
def test_the_next_link_is_read_from_an_rfc_8288_link_header(header, expected):
    assert remote.next_link(header) == expected


@pytest.mark.parametrize(
    "base, reference, resolved",
    [
        ("http://127.0.0.1:8000/todos", "/todos?cursor=x", "http://127.0.0.1:8000/todos?cursor=x"),
        ("https://h.example/api/todos?cursor=a", "/api/todos?cursor=b", "https://h.example/api/todos?cursor=b"),
        ("https://h.example/api/todos", "todos?cursor=b", "https://h.example/api/todos?cursor=b"),
        ("https://h.example/api/todos?x=1", "?cursor=b", "https://h.example/api/todos?cursor=b"),
        ("https://h.example/api/todos", "//other.example/p", "https://other.example/p"),
        ("https://h.example/api/todos", "http://127.0.0.1:1/t", "http://127.0.0.1:1/t"),
        ("http://h:1", "/todos", "http://h:1/todos"),
    ],
)
def test_link_targets_are_resolved_against_the_url_that_answered(base, reference, resolved):
    assert remote.resolve(base, reference) == resolved
    assert urllib.parse.urljoin(base, reference) == resolved


@pytest.mark.parametrize(
    "todo, tag",
    [
        ({"version": 4}, '"4"'),
        ({}, '"0"'),
        ({"version": True}, '"0"'),
    ],
)
def test_if_match_names_the_version_the_page_has_and_seeded_items_are_version_zero(todo, tag):
    assert remote.version_tag(todo) == tag


def test_the_api_message_loses_its_code_prefix():
    body = {"Code": "BadRequestError", "Message": "BadRequestError: priority is required."}
    assert remote.api_message(body) == "priority is required."
    assert remote.api_message({"Message": "plain"}) == "plain"
    assert remote.api_message(None) == ""
    assert remote.api_message({"Message": 3}) == ""


def refusal(message, status=400):
    return remote.describe_failure(status, {"Code": "BadRequestError", "Message": "BadRequestError: " + message})


@pytest.mark.parametrize(
    "message, text",
    [
        ("title must contain at least one non-whitespace character.", texts.ENTER_TITLE),
        ("title must contain at least one visible character.", texts.ENTER_TITLE),
        ("title must be at most 200 characters long.", "タイトルは 200 文字以内にしてください。"),
        ("memo must be at most 2000 characters long.", "メモは 2000 文字以内にしてください。"),
        ("title must not contain control characters (U+0007).", texts.fill(texts.BAD_CHARACTERS, ["タイトル"])),
        ("memo contains a bidirectional override (U+202E).", texts.fill(texts.BAD_CHARACTERS, ["メモ"])),
        (
            "title contains a lone surrogate, which is not valid Unicode.",
            texts.fill(texts.BAD_CHARACTERS, ["タイトル"]),
        ),
        ("title must be a string.", model.rule_text("title")),
        ("memo is required.", model.rule_text("memo")),
        (
            'priority must be an integer from 1 to 5 (or the same number as a string, "1" to "5").',
            "重要度は 1 から 5 の中から選んでください。",
        ),
        ("completed must be true or false.", texts.FIELD_RULES["completed"]),
    ],
)
def test_the_apis_refusal_of_a_field_the_page_knows_is_told_in_japanese_alone(message, text):
    failure = refusal(message)
    assert (failure["kind"], failure["text"], failure["detail"]) == (remote.INVALID, text, "")


def test_a_refused_form_field_is_named_so_the_dialog_can_flag_it_and_completed_is_not_a_form_field():
    assert refusal("title must be a string.")["field"] == "title"
    assert refusal("priority is required.")["field"] == "priority"
    assert refusal("completed must be true or false.")["field"] is None


@pytest.mark.parametrize(
    "message",
    [
        "the request body is not valid JSON (Expecting value at 1:1).",
        "nothing to update: give at least one of title, memo, priority, completed.",
        "the request body is larger than 65536 bytes.",
        "titles are fine",
    ],
)
def test_a_refusal_the_page_has_no_words_for_is_japanese_with_the_apis_english_apart(message):
    failure = refusal(message)
    assert failure == {"kind": remote.INVALID, "text": texts.INPUT_REFUSED, "field": None, "detail": message}
    assert not re.search("[a-z]", failure["text"])


def test_a_refusal_without_a_message_names_its_status():
    failure = remote.describe_failure(413, None)
    assert (failure["text"], failure["detail"]) == ("入力内容を受け付けられませんでした (HTTP 413)。", "")


@pytest.mark.parametrize(
    "message, field",
    [
        ("priority must be an integer from 1 to 5.", "priority"),
        ("memo must be at most 2000 characters long.", "memo"),
        ("the request body must be a JSON object.", None),
        ("titles are fine", None),
    ],
)
def test_the_field_a_400_is_about_is_read_from_the_start_of_the_apis_message(message, field):
    assert remote.field_named(message) == field


@pytest.mark.parametrize(
    "status, kind",
    [
        (404, remote.MISSING),
        (412, remote.STALE),
        (413, remote.INVALID),
        (415, remote.INVALID),
        (503, remote.UNAVAILABLE),
        (500, remote.UNEXPECTED),
        (502, remote.UNEXPECTED),
        (None, remote.UNAVAILABLE),
    ],
)
def test_each_failure_has_a_kind_that_decides_what_the_page_does(status, kind):
    assert remote.describe_failure(status, None)["kind"] == kind


def test_a_503_says_how_long_to_wait_when_the_api_says_so():
    assert "2 秒ほど待って" in remote.describe_failure(503, None, "2")["text"]
    assert "少し待って" in remote.describe_failure(503, None, "Wed, 21 Oct 2015 07:28:00 GMT")["text"]


def test_no_answer_at_all_is_told_as_a_connection_problem():
    assert remote.describe_failure(None, None)["text"] == texts.NETWORK


def test_a_401_asks_for_sign_in_and_keeps_the_form():
    failure = remote.describe_failure(401, {"Code": "UnauthorizedError", "Message": "UnauthorizedError: x"})
    assert failure["kind"] == remote.UNAUTHORIZED
    assert "ログイン" in failure["text"]
