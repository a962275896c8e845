"""The domain rules in chalicelib.todos, without AWS."""

import base64
import json
import time
import unicodedata

import pytest

from chalicelib import errors, http, paging, todos
from devtools.quality import bench

VALID = {"title": "牛乳を買う", "memo": "", "priority": 1}


def body(value):
    return json.dumps(value).encode("utf-8")


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "a JSON object is required"),
        (b"   ", "a JSON object is required"),
        (b"{", "not valid JSON"),
        (b"{'title': 'x'}", "not valid JSON"),
        (b'{"priority": NaN}', "not valid JSON"),
        (b'{"priority": Infinity}', "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"3", "must be a JSON object"),
        (b'{"title": "\xff"}', "not valid UTF-8"),
        (b'{"title": "\\ud800"}', "lone surrogate"),
        (b'{"memo": "ok\\udfff"}', "lone surrogate"),
        (b'{"\\ud800": 1}', "lone surrogate"),
        (b"[" * 100 + b"]" * 100, "nested deeper"),
        (b'{"x":' * 40 + b"1" + b"}" * 40, "nested deeper"),
    ],
)
def test_bad_bodies_are_rejected_with_a_reason(raw, message):
    with pytest.raises(errors.ValidationError, match=message):
        http.parse_body(raw)


def test_body_over_64_kib_is_too_large_before_parsing():
    raw = b'{"title": "' + b"a" * http.BODY_MAX_BYTES + b'"}'
    with pytest.raises(errors.PayloadTooLarge):
        http.parse_body(raw)


def test_body_of_exactly_64_kib_is_parsed():
    padding = http.BODY_MAX_BYTES - len(b'{"title": "", "pad": ""}')
    raw = b'{"title": "", "pad": "' + b"a" * padding + b'"}'
    assert len(raw) == http.BODY_MAX_BYTES
    assert http.parse_body(raw)["title"] == ""


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert http.parse_body(body({"title": "[[[[" * 50, "memo": "{{{{" * 50}))["title"].startswith("[[[[")


@pytest.mark.parametrize("shape", bench.hostile_bodies(http.BODY_MAX_BYTES))
def test_a_hostile_64_kib_body_is_refused_in_time_linear_in_its_size(shape):
    raw = bench.hostile_bodies(http.BODY_MAX_BYTES)[shape]
    started = time.perf_counter()
    with pytest.raises(errors.ValidationError):
        todos.validate_new(http.parse_body(raw))
    # Linear work takes milliseconds here; work quadratic in the size took 20 s.
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text, depth",
    [
        ("", 0),
        ("{}", 1),
        ('{"a":[{"b":[]}]}', 4),
        (r'["[[[", {"x": "\\"}, [["\\\"]]"]]]', 3),
        (r'[[["\\"]]]', 3),
        (r'{"a":"\\"}[[', 2),
        (r'{"a":"\"}[[', 1),
        ('"[[' + "\\" * 3, 0),
        ("[" * 60000, 60000),
        ('"unterminated [[[', 0),
        ('[["x\\\n[[[', 2),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings_only(text, depth):
    assert http.nesting_depth(text) == depth


def test_surrogate_pairs_and_emoji_survive_parsing():
    parsed = http.parse_body(body({"title": "𩸽 🍣 \u00e9\n<script>"}))
    assert parsed["title"] == "𩸽 🍣 é\n<script>"


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"memo": "", "priority": 1}, "title is required"),
        ({"title": "x", "priority": 1}, "memo is required"),
        ({"title": "x", "memo": ""}, "priority is required"),
        ({**VALID, "title": None}, "title must be a string"),
        ({**VALID, "title": 5}, "title must be a string"),
        ({**VALID, "title": ""}, "non-whitespace"),
        ({**VALID, "title": " \u3000\u00a0"}, "non-whitespace"),
        ({**VALID, "title": " \t\n\u3000"}, "title must not contain control characters"),
        ({**VALID, "title": "x" * 201}, "at most 200"),
        ({**VALID, "memo": None}, "memo must be a string"),
        ({**VALID, "memo": ["a"]}, "memo must be a string"),
        ({**VALID, "memo": "m" * 2001}, "at most 2000"),
        ({**VALID, "priority": True}, "priority must be an integer"),
        ({**VALID, "priority": "03"}, "priority must be an integer"),
        ({**VALID, "priority": " 3"}, "priority must be an integer"),
        ({**VALID, "priority": "3.0"}, "priority must be an integer"),
        ({**VALID, "priority": "-1"}, "priority must be an integer"),
        ({**VALID, "priority": "6"}, "priority must be an integer"),
        ({**VALID, "priority": ""}, "priority must be an integer"),
        ({**VALID, "priority": 3.0}, "priority must be an integer"),
        ({**VALID, "priority": 2.5}, "priority must be an integer"),
        ({**VALID, "priority": 0}, "from 1 to 5"),
        ({**VALID, "priority": 6}, "from 1 to 5"),
        ({**VALID, "priority": None}, "priority must be an integer"),
        ({**VALID, "completed": "true"}, "completed must be true or false"),
        ({**VALID, "completed": 1}, "completed must be true or false"),
        ({**VALID, "completed": None}, "completed must be true or false"),
    ],
)
def test_new_todo_rules_name_the_field_and_the_rule(bad, message):
    with pytest.raises(errors.ValidationError, match=message):
        todos.validate_new(bad)


@pytest.mark.parametrize("text", ["true", "false", "True", " FALSE "])
def test_completed_as_the_text_true_or_false_says_how_to_send_a_boolean(text):
    # What httpie sends for `completed=true`: the message shows JSON's true and httpie's `:=`.
    with pytest.raises(todos.ValidationError) as refused:
        todos.validate_changes({"completed": text})
    message, word = str(refused.value), text.strip().lower()
    assert message.startswith("completed must be true or false")
    assert f'{{"completed": {word}}}' in message and f"completed:={word}" in message


@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
def test_other_values_of_completed_get_the_plain_rule(value):
    with pytest.raises(todos.ValidationError) as refused:
        todos.validate_changes({"completed": value})
    assert str(refused.value) == "completed must be true or false."


def test_new_todo_defaults_completed_and_drops_unknown_and_read_only_fields():
    fields = todos.validate_new({**VALID, "id": "mine", "version": 9, "createdAt": "x", "colour": "red"})
    assert fields == {**VALID, "completed": False}


def test_limits_are_inclusive():
    fields = todos.validate_new({"title": "𩸽" * 200, "memo": "m" * 2000, "priority": 5, "completed": True})
    assert len(fields["title"]) == 200


@pytest.mark.parametrize("title", ["\u3000", "\u00a0\ufeff", "\u2028\u2029", "\u200a"])
def test_unicode_white_space_alone_is_not_a_title(title):
    with pytest.raises(errors.ValidationError, match="non-whitespace"):
        todos.validate_new({**VALID, "title": title})


# Code points of the format category that are drawn: the prepended concatenation marks.
DRAWN_FORMAT_CHARACTERS = {*range(0x600, 0x606), 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0x110BD, 0x110CD}


@pytest.mark.parametrize(
    "title",
    [
        "\u200b",
        "\u180e",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u115f\u1160",
        "\u3164",
        "\uffa0",
        "\u034f",
        "\ufe0f",
        "\u200c\u200d",
        " \u200b\u3000\u2028",
    ],
)
def test_a_title_of_only_invisible_characters_is_blank(title):
    with pytest.raises(errors.ValidationError, match="non-whitespace"):
        todos.validate_new({**VALID, "title": title})


def test_every_format_space_and_separator_character_of_the_bmp_alone_is_a_refused_title():
    for code in range(0x10000):
        category = unicodedata.category(chr(code))
        if category in ("Zs", "Zl", "Zp") or (category == "Cf" and code not in DRAWN_FORMAT_CHARACTERS):
            with pytest.raises(errors.ValidationError, match=r"non-whitespace|control characters"):
                todos.validate_changes({"title": chr(code)})


@pytest.mark.parametrize("title", ["\u200bx", "x\u00ad", "\u0600", "\u06dd", "\ufe0f\u2764", "𩸽\u200d"])
def test_invisible_characters_beside_a_visible_one_are_kept(title):
    assert todos.validate_new({**VALID, "title": title})["title"] == title


@pytest.mark.parametrize("field", ["title", "memo"])
@pytest.mark.parametrize(
    "character",
    ["\x00", "\x07", "\x0d", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069"],
)
def test_control_characters_and_bidi_overrides_are_refused_naming_the_field(field, character):
    with pytest.raises(
        errors.ValidationError, match=rf"^{field} must not contain control .* U\+{ord(character):04X} at"
    ):
        todos.validate_changes({field: "ok" + character + "ok"})


def test_a_memo_keeps_tabs_and_line_feeds_and_a_title_does_not():
    memo = "1.\tmilk\n2.\teggs\n"
    assert todos.validate_changes({"memo": memo}) == {"memo": memo}
    for title in ("a\tb", "a\nb"):
        with pytest.raises(errors.ValidationError, match="title must not contain control characters"):
            todos.validate_changes({"title": title})


def test_changes_need_at_least_one_writable_field():
    with pytest.raises(errors.ValidationError, match="nothing to update"):
        todos.validate_changes({"id": "x", "version": 3, "unknown": 1})


def test_changes_are_checked_field_by_field():
    assert todos.validate_changes({"completed": True, "other": 1}) == {"completed": True}
    with pytest.raises(errors.ValidationError, match="priority"):
        todos.validate_changes({"priority": 9})


@pytest.mark.parametrize(
    "params, expected",
    [
        (None, (None, None, None)),
        ({}, (None, None, None)),
        ({"completed": "true"}, (True, None, None)),
        ({"completed": "false", "limit": "1000"}, (False, 1000, None)),
        ({"limit": "1", "cursor": "abc"}, (None, 1, "abc")),
    ],
)
def test_list_query_is_parsed(params, expected):
    assert http.parse_list_query(params) == expected


@pytest.mark.parametrize(
    "params, message",
    [
        ({"completed": "yes"}, "completed must be true or false"),
        ({"completed": "True"}, "completed must be true or false"),
        ({"limit": "0"}, "limit must be an integer from 1 to 1000"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "99999999999999999999"}, "limit"),
        ({"cursor": ""}, "cursor"),
    ],
)
def test_bad_list_queries_are_rejected(params, message):
    with pytest.raises(errors.ValidationError, match=message):
        http.parse_list_query(params)


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, None),
        ("*", "*"),
        ('"3"', frozenset({3})),
        ('"1", "2"', frozenset({1, 2})),
        ('W/"3"', frozenset()),
        ('"03"', frozenset()),
        ('"abc"', frozenset()),
        ('"a,b", "4"', frozenset({4})),
        ('W/"1", "2"', frozenset({2})),
    ],
)
def test_if_match_uses_strong_comparison(header, expected):
    assert http.parse_if_match(header) == expected


@pytest.mark.parametrize(
    "header", ["3", "0", "", " ", "garbage", '"3 "', '"1",', '"1" "2"', '"unclosed', "W/3", '"1";']
)
def test_a_malformed_if_match_is_a_validation_error(header):
    with pytest.raises(errors.ValidationError, match="If-Match must be"):
        http.parse_if_match(header)


@pytest.mark.parametrize("given, stored", [("1", 1), ("5", 5), (3, 3)])
def test_priority_may_be_a_canonical_decimal_string(given, stored):
    fields = todos.validate_new({**VALID, "priority": given})
    assert fields["priority"] == stored and type(fields["priority"]) is int


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
def test_json_media_types_are_accepted(content_type):
    http.check_media_type(content_type)


@pytest.mark.parametrize("content_type", [None, "", "text/plain;application/json", "text/plain; x=*/*", "*/*"])
def test_other_media_types_are_unsupported(content_type):
    with pytest.raises(errors.UnsupportedMediaType):
        http.check_media_type(content_type)


def test_messages_quote_values_as_json_not_python():
    assert str(errors.not_found("it's")) == 'no todo with id "it\'s".'


def test_every_error_class_names_its_status_and_code():
    assert {cls.__name__: (cls.STATUS, cls.CODE) for cls in errors.TodoError.__subclasses__()} == {
        "ValidationError": (400, "BadRequestError"),
        "Unauthorized": (401, "UnauthorizedError"),
        "NotFound": (404, "NotFoundError"),
        "PreconditionFailed": (412, "PreconditionFailed"),
        "PayloadTooLarge": (413, "RequestEntityTooLargeError"),
        "UnsupportedMediaType": (415, "UnsupportedMediaType"),
        "Unavailable": (503, "ServiceUnavailable"),
    }


def test_etag_of_an_item_without_version_is_zero():
    assert http.etag({"id": "L5"}) == '"0"'
    assert http.etag({"id": "x", "version": 7}) == '"7"'


@pytest.mark.parametrize(
    "todo_id, storable",
    [("L5", True), ("", False), ("a" * 2048, True), ("a" * 2049, False), ("\ud800", False), (None, False)],
)
def test_storable_ids(todo_id, storable):
    assert todos.is_storable_id(todo_id) is storable


def test_new_ids_are_uuid7_hex_unique_and_time_ordered():
    import uuid

    ids = [todos.new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and ids == sorted(ids)
    assert all(len(i) == 32 and i == i.lower() and uuid.UUID(i).version == 7 for i in ids)


def test_timestamps_are_rfc3339_utc():
    from datetime import datetime

    stamp = todos.now()
    assert stamp.endswith("Z")
    assert datetime.fromisoformat(stamp.replace("Z", "+00:00")).utcoffset().total_seconds() == 0


def test_a_cursor_nested_a_thousand_levels_deep_is_malformed_not_a_crash():

    deep = base64.urlsafe_b64encode(("[" * 1000 + "]" * 1000).encode()).decode()
    for cursor in (deep, paging.encode_cursor("x")[:-2] + "!!", "A" * (http.CURSOR_MAX_CHARS + 1)):
        with pytest.raises(errors.ValidationError, match="cursor is malformed"):
            paging.decode_cursor(cursor)


def test_page_size_counts_what_lambda_sends_back():
    small = [{"id": str(n), "title": "t"} for n in range(10)]
    assert paging.count_fitting(small) == 10
    heavy = {"id": "x", "title": "\u0000" * 200, "memo": "𩸽" * 2000}
    one = len(json.dumps(http.to_json(heavy)))
    assert paging.count_fitting([heavy] * 10, budget=one * 3 + one // 2) == 3
    assert paging.count_fitting([heavy] * 10, budget=10) == 1


@pytest.mark.parametrize("due", ["2026-02-28", "2028-02-29", "0001-01-01", "9999-12-31"])
def test_real_dates_are_due_dates(due):
    assert todos.validate_changes({"due": due}) == {"due": due}


@pytest.mark.parametrize("due", ["2026-02-29", "2026-02-30", "2026-04-31", "0000-01-01", "2026-00-10", "2026-1-1"])
def test_impossible_dates_are_refused_naming_due(due):
    with pytest.raises(errors.ValidationError, match=r"^due "):
        todos.validate_changes({"due": due})


@pytest.mark.parametrize("position", ["1", "a0V", "Zz", "0" * 63 + "1"])
def test_positions_of_the_alphabet_not_ending_in_zero_are_kept(position):
    assert todos.validate_changes({"position": position}) == {"position": position}


@pytest.mark.parametrize("position", ["", "0", "a0", "1" * 65, "a b", "a\n", "٣", True])
def test_other_positions_are_refused_naming_position(position):
    with pytest.raises(errors.ValidationError, match=r"^position "):
        todos.validate_changes({"position": position})


def test_null_clears_in_an_update_and_is_left_out_of_a_create():
    assert todos.validate_changes({"due": None, "position": None}) == {"due": None, "position": None}
    fields = todos.validate_new({"title": "t", "memo": "", "priority": 1, "due": None, "position": None})
    assert fields == {"title": "t", "memo": "", "priority": 1, "completed": False}


def test_client_ids_must_be_current_uuidv7s():
    made = todos.new_id()
    assert todos.check_client_id(made) == made
    now_ms = time.time_ns() // 1_000_000
    just_inside = f"{now_ms + todos.CLIENT_ID_AHEAD_MAX_MS - 1000:012x}" + made[12:]
    assert todos.check_client_id(just_inside) == just_inside
    too_far = f"{now_ms + todos.CLIENT_ID_AHEAD_MAX_MS + 1000:012x}" + made[12:]
    with pytest.raises(errors.ValidationError, match="minutes ahead"):
        todos.check_client_id(too_far)
    for bad in (made.upper(), made[:12] + "4" + made[13:], made[:16] + "0" + made[17:], made[:-1], "L5"):
        with pytest.raises(errors.ValidationError, match="UUIDv7"):
            todos.check_client_id(bad)


@pytest.mark.parametrize(
    "header, current, expected",
    [(None, '"a"', False), ('"a"', '"a"', True), ('W/"a"', '"a"', True), ('"b", "a"', '"a"', True), ("*", '"a"', True)],
)
def test_if_none_match_compares_weakly(header, current, expected):
    assert http.none_match(header, current) is expected


def test_list_etag_is_strong_and_depends_on_items_and_link():
    items = [{"id": "a", "title": "t"}]
    tag = http.list_etag(items, None)
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 34
    assert tag == http.list_etag([dict(items[0])], None)
    assert tag != http.list_etag(items, '</todos?cursor=x>; rel="next"')
    assert tag != http.list_etag([{"id": "a", "title": "u"}], None)


@pytest.mark.parametrize("header, create", [(None, False), ("*", True), (" * ", True)])
def test_only_star_makes_a_put_a_create(header, create):
    assert http.is_create_only(header) is create


@pytest.mark.parametrize("header", ['"1"', "", "W/*", '*, "1"'])
def test_other_if_none_match_on_a_put_is_refused(header):
    with pytest.raises(errors.ValidationError, match="If-None-Match"):
        http.is_create_only(header)
