"""Reading and checking data files, and laying out text, without an engine."""

import json

import pytest
import wcwidth

from devtools import files
from devtools.db import datafiles
from devtools.db.cli import clip, render_table
from tests.support.scripts import SEED, SEED_ITEMS

KEY = (
    [{"AttributeName": "id", "KeyType": "RANGE"}, {"AttributeName": "owner", "KeyType": "HASH"}],
    [{"AttributeName": "owner", "AttributeType": "S"}, {"AttributeName": "id", "AttributeType": "S"}],
)


def put(**attributes):
    return {"PutRequest": {"Item": {"owner": {"S": "demo"}, "id": {"S": "x1"}, **attributes}}}


def failure(tmp_path, document, raw=None):
    path = tmp_path / "data.json"
    path.write_text(raw if raw is not None else json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(files.DataFileError) as error:
        datafiles.read_requests(path)
    message = str(error.value)
    assert "\n" not in message
    return message.replace(f"{path}:", "", 1)


def test_the_seed_file_is_read_as_it_is():
    assert datafiles.read_requests(datafiles.SEED_PATH) == SEED


def test_the_default_table_name_is_the_one_in_the_schema():
    assert datafiles.load_schema()["TableName"] == datafiles.TABLE_NAME


def test_a_byte_order_mark_is_refused_as_the_aws_cli_and_chalice_refuse_it(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + datafiles.SEED_PATH.read_bytes())
    with pytest.raises(files.DataFileError, match=r"bom\.json:1:1: starts with a byte order mark.*without BOM"):
        datafiles.read_requests(path)


@pytest.mark.parametrize(
    "document, expected",
    [
        ([], "1:1: the top level: the top level must be an object of table name -> list of requests"),
        ({}, "1:1: the top level: the file names no table."),
        ({"x": []}, "2:3: x: 'x' is not a valid table name"),
        ({"Todos": {}}, "2:3: Todos: a table's requests must be a JSON list."),
        ({"Todos": ["put"]}, "3:5: Todos[0]: a request must be an object with one key"),
        (
            {"Todos": [{"PutRequest": {"Items": {}}}]},
            "4:7: Todos[0].PutRequest: a PutRequest holds exactly one key, Item",
        ),
        (
            {"Todos": [{"DeleteRequest": {"Key": {}}}]},
            "5:9: Todos[0].DeleteRequest.Key: Key must be a non-empty object",
        ),
        ({"Todos": [put(title={"S": 5})]}, '13:13: Todos[0].PutRequest.Item.title.S: "S" holds a string'),
        ({"Todos": [put(priority={"N": "3a"})]}, '"3a" is not a number.'),
        ({"Todos": [put(priority={"N": "1" * 39})]}, "has more than 38 significant digits."),
        ({"Todos": [put(priority={"N": "1e126"})]}, "is outside DynamoDB's range"),
        ({"Todos": [put(completed={"BOOL": "false"})]}, '"BOOL" holds true or false, not "false".'),
        ({"Todos": [put(gone={"NULL": False})]}, '"NULL" must be true'),
        ({"Todos": [put(data={"B": "not base64!"})]}, "binary values are base64 text"),
        ({"Todos": [put(tags={"SS": []})]}, '"SS" holds a non-empty list.'),
        ({"Todos": [put(tags={"SS": ["a", "a"]})]}, 'Todos[0].PutRequest.Item.tags.SS[1]: "a" appears twice'),
        ({"Todos": [put(scores={"NS": ["1", "1.0"]})]}, '"1.0" appears twice'),
        (
            {"Todos": [put(nested={"M": {"deep": {"L": [{"Q": 1}]}}})]},
            "Todos[0].PutRequest.Item.nested.M.deep.L[0]: not a DynamoDB JSON value: 'Q' is not a type",
        ),
        ({"Todos": [put(title={"S": "x", "N": "1"})]}, "Todos[0].PutRequest.Item.title: not a DynamoDB JSON value"),
        ({"Todos": [put(big={"S": "あ" * 140_000})]}, "Todos[0].PutRequest.Item: the item is about 410 KB"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_with_its_position(tmp_path, document, expected):
    assert expected in failure(tmp_path, document)


def test_the_position_of_a_repeated_key_is_the_one_json_keeps(tmp_path):
    raw = '{"Todos": [{"PutRequest": {"Item": {"id": {"S": "a"},\n "n": {"N": "1"},\n  "n": {"N": 2}}}}]}'
    assert failure(tmp_path, None, raw).startswith("3:9: Todos[0].PutRequest.Item.n.N: numbers are strings")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", "the file is empty"),
        ('{"Todos": [}', "1:12: invalid JSON: Expecting value."),
    ],
)
def test_an_empty_or_malformed_file_is_refused_with_its_position(tmp_path, raw, expected):
    assert expected in failure(tmp_path, None, raw)


def test_a_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "utf16.json"
    path.write_bytes(datafiles.SEED_PATH.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(files.DataFileError, match=r":1:1: not valid UTF-8 \(byte 0xff\); it looks like UTF-16;"):
        datafiles.read_requests(path)


@pytest.mark.parametrize(
    "requests, expected",
    [
        ([put(), put()], 'Todos[1].PutRequest.Item: the key owner="demo", id="x1" was already written by Todos[0]'),
        ([put(id={"N": "1"})], "Todos[0].PutRequest.Item.id: the key attribute 'id' of table Todos has type S, not N."),
        ([put(owner={"S": ""})], "Todos[0].PutRequest.Item.owner.S: a key attribute cannot be empty."),
        (
            [{"PutRequest": {"Item": {"id": {"S": "x1"}}}}],
            "Todos[0].PutRequest.Item: the key attribute 'owner' of table Todos is missing.",
        ),
        (
            [{"DeleteRequest": {"Key": {"owner": {"S": "demo"}, "id": {"S": "a"}, "title": {"S": "t"}}}}],
            "Todos[0].DeleteRequest.Key.title: a DeleteRequest Key holds only the key (owner, id)",
        ),
    ],
)
def test_requests_that_do_not_fit_the_tables_key_are_refused(requests, expected):
    with pytest.raises(files.DataFileError) as error:
        datafiles.check_keys(requests, "Todos", *KEY)
    assert str(error.value).startswith(expected)


def test_a_key_error_in_a_file_names_the_line_of_the_request(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text(json.dumps({"Todos": [put(), put()]}, indent=1), encoding="utf-8")
    with pytest.raises(files.DataFileError, match=r"dup\.json:17:5: Todos\[1\]\.PutRequest\.Item: the key"):
        datafiles.check_keys(datafiles.read_requests(path)["Todos"], "Todos", *KEY, path=path)


def test_binary_values_are_base64_in_files_and_bytes_for_the_client():
    request = put(data={"B": "AP8="}, many={"BS": ["AA=="]}, nested={"L": [{"B": "AQ=="}]})
    item = datafiles.to_boto([request])[0]["PutRequest"]["Item"]
    assert (item["data"], item["many"], item["nested"]) == (
        {"B": b"\x00\xff"},
        {"BS": [b"\x00"]},
        {"L": [{"B": b"\x01"}]},
    )
    assert datafiles.to_document("T", [item], ["owner", "id"]) == {"T": [request]}


def test_plain_values_keep_numbers_exact():
    assert [datafiles.plain({"N": text}) for text in ("3", "-0.5", "1E+2", "0.1000000000000000000001")] == [
        3,
        -0.5,
        100,
        "0.1000000000000000000001",
    ]


def test_items_are_sorted_by_key_the_way_people_count():
    items = [{"id": {"S": f"L{n}"}} for n in (10, 9, 100, 1)]
    assert [item["id"]["S"] for item in datafiles.sorted_items(items, ["id"])] == ["L1", "L9", "L10", "L100"]


@pytest.mark.parametrize("text, width", [("abc", 3), ("プロ", 4), ("e\u0301", 1), ("𩸽と🍣", 6), ("", 0)])
def test_display_width_counts_wide_characters_twice(text, width):
    assert wcwidth.width(text) == width


def test_clip_cuts_by_display_width_and_never_splits_an_escape():
    assert clip("プロフィール", 7) == "プロフ…"
    assert clip("プロフィール", 12) == "プロフィール"
    assert clip("プロフィール", 15, "ascii") == "\\u30d7\\u30ed..."


def test_rendered_rows_escape_control_characters_and_right_align_numbers():
    items = [
        {"id": {"S": "a"}, "memo": {"S": "line\nnext"}, "priority": {"N": "3"}},
        {"id": {"S": "b"}, "priority": {"N": "10"}, "extra": {"L": [{"S": "x"}]}},
    ]
    assert render_table(items, ["id"], "utf-8").splitlines() == [
        "id  memo        priority  extra",
        "--  ----------  --------  -----",
        "a   line\\nnext         3",
        'b                     10  ["x"]',
    ]


def test_the_seed_renders_with_its_todo_fields_in_order():
    header = render_table(SEED_ITEMS, ["owner", "id"], "utf-8").splitlines()[0]
    assert header.split() == ["owner", "id", "title", "memo", "priority", "completed"]


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"Bogus": 1}, 'not accepted by CreateTable: Unknown parameter in input: "Bogus"'),
        (
            {"ProvisionedThroughput": {"ReadCapacityUnits": 1}},
            'Missing required parameter in ProvisionedThroughput: "WriteCapacityUnits"',
        ),
        ({"AttributeDefinitions": []}, "the key attribute 'owner' needs an entry in AttributeDefinitions."),
    ],
)
def test_a_schema_that_create_table_would_refuse_is_refused_before_anything_is_sent(tmp_path, change, expected):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({**datafiles.read_json(datafiles.SCHEMA_PATH), **change}), encoding="utf-8")
    with pytest.raises(files.DataFileError) as error:
        datafiles.load_schema(path)
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_write_atomic_replaces_the_file_whole_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old", encoding="utf-8")
    files.write_atomic(path, "新しい\n")
    assert path.read_bytes() == "新しい\n".encode()
    assert path.stat().st_mode & 0o777 == 0o600
    files.write_atomic(path, b"\x00bytes", mode=0o644)
    assert (path.read_bytes(), path.stat().st_mode & 0o777) == (b"\x00bytes", 0o644)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
