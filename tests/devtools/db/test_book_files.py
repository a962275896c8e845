"""`hobopy db load` of data files written for a table keyed by id alone, as the book's chapters 4 and 9 ship them."""

import json

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles, tables
from tests.support.scripts import SEED_ITEMS, hobopy_in_process, run, table_items, write_json

pytestmark = pytest.mark.engine


def todo(todo_id, title, memo, priority):
    return {
        "PutRequest": {
            "Item": {
                "id": {"S": todo_id},
                "title": {"S": title},
                "memo": {"S": memo},
                "priority": {"N": str(priority)},
                "completed": {"BOOL": False},
            }
        }
    }


# The two shapes of the book's files: short ids (chapter 4's walk-through) and twelve-character ids (chapter 9's
# API tests), each a batch-write-item file for table Todos, four spaces deep, every item keyed by id alone.
BOOK_FILES = {
    "chapter-4": {"Todos": [todo("L5", "企画を練る", "まずは三案", 3), todo("L8", "資料を作る", "図を多めに", 1)]},
    "chapter-9": {"Todos": [todo("aa0123456789", "テストを書く", "境界値も", 2), todo("bb0123456789", "直す", "", 5)]},
}


def book_file(tmp_path, shape):
    path = tmp_path / f"{shape}-initial-data.json"
    path.write_text(json.dumps(BOOK_FILES[shape], ensure_ascii=False, indent=4), encoding="utf-8")
    return path


def ids_and_owners(endpoint, name):
    return [(item["id"]["S"], item["owner"]["S"]) for item in table_items(endpoint, name)]


@pytest.mark.parametrize("shape", BOOK_FILES)
def test_a_book_file_loads_its_todos_as_the_demo_owners_and_says_so(table, tmp_path, shape):
    options, endpoint, name = table
    path = book_file(tmp_path, shape)
    result = hobopy_in_process("db", "load", path, *options)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert f"{path} keys its todos by id alone" in out
    assert "2 todos go to owner demo (the demo owner: requests without a token)" in out
    assert "--owner SUB" in out
    assert f"Wrote 2 items in table {name}" in out
    ids = [request["PutRequest"]["Item"]["id"]["S"] for request in BOOK_FILES[shape]["Todos"]]
    assert ids_and_owners(endpoint, name) == [(todo_id, "demo") for todo_id in ids]
    # Everything else arrives as the file has it.
    stored = {item["id"]["S"]: {k: v for k, v in item.items() if k != "owner"} for item in table_items(endpoint, name)}
    assert list(stored.values()) == [request["PutRequest"]["Item"] for request in BOOK_FILES[shape]["Todos"]]


def test_owner_gives_the_todos_to_that_user(table, tmp_path):
    options, endpoint, name = table
    result = hobopy_in_process("db", "load", book_file(tmp_path, "chapter-9"), "--owner", "3b1c9a70-user", *options)
    assert result.returncode == 0, result.stderr
    assert "2 todos go to owner 3b1c9a70-user." in result.stdout.decode()
    assert {owner for _, owner in ids_and_owners(endpoint, name)} == {"3b1c9a70-user"}


def test_a_file_whose_items_name_their_owner_keeps_them_and_owner_says_it_was_not_needed(table):
    options, endpoint, name = table
    result = hobopy_in_process("db", "load", "--owner", "someone", *options)
    assert result.returncode == 0, result.stderr
    assert "every item names its owner; --owner was not used" in result.stderr.decode()
    assert table_items(endpoint, name) == SEED_ITEMS


def test_an_empty_owner_is_refused(table, tmp_path):
    options, endpoint, name = table
    result = hobopy_in_process("db", "load", book_file(tmp_path, "chapter-4"), "--owner", " ", *options)
    assert result.returncode == 2 and "the owner cannot be empty" in result.stderr.decode()
    assert table_items(endpoint, name) == []


def test_reset_with_a_book_file_seeds_the_demo_owner(table, tmp_path):
    options, endpoint, name = table
    result = hobopy_in_process("db", "reset", "--yes", "--seed", book_file(tmp_path, "chapter-4"), *options)
    assert result.returncode == 0, result.stderr
    assert "go to owner demo" in result.stdout.decode()
    assert ids_and_owners(endpoint, name) == [("L5", "demo"), ("L8", "demo")]


def test_a_table_keyed_by_id_alone_takes_a_book_file_as_it_is(dynalite_endpoint, tmp_path):
    name = "test-before-accounts-" + tmp_path.name[-8:]
    client = dynamodb_client(dynalite_endpoint)
    schema = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    tables.ensure_table(client, schema)
    try:
        path = book_file(tmp_path, "chapter-4")
        result = hobopy_in_process("db", "load", path, "--endpoint-url", dynalite_endpoint, "--table", name)
        assert result.returncode == 0, result.stderr
        assert "owner" not in result.stdout.decode()
        items = sorted(tables.scan_items(client, name), key=lambda item: item["id"]["S"])
        assert items == [request["PutRequest"]["Item"] for request in BOOK_FILES["chapter-4"]["Todos"]]
    finally:
        tables.delete_table(client, name)


def test_only_items_without_an_owner_get_one(tmp_path):
    schema = datafiles.load_schema()
    mixed = [todo("a", "t", "", 1), {"PutRequest": {"Item": {"owner": {"S": "alice"}, "id": {"S": "b"}}}}]
    mixed.append({"DeleteRequest": {"Key": {"id": {"S": "c"}}}})
    given, count = datafiles.with_owner(mixed, schema["KeySchema"], schema["AttributeDefinitions"], "demo")
    assert count == 2
    assert [next(iter(next(iter(r.values())).values()))["owner"] for r in given] == [
        {"S": "demo"},
        {"S": "alice"},
        {"S": "demo"},
    ]


def test_the_aws_clis_batch_write_item_cannot_take_such_a_file_against_the_owner_keyed_table(table, tmp_path):
    # What README.ja.md explains: batch-write-item writes each item as it is, and `owner` is the partition key.
    options, endpoint, name = table
    path = write_json(tmp_path / "for-this-table.json", {name: BOOK_FILES["chapter-4"]["Todos"]})
    env = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}
    refused = run(
        "aws", "dynamodb", "batch-write-item", "--request-items", f"file://{path}", "--endpoint-url", endpoint, env=env
    )
    assert refused.returncode != 0
    assert (
        "ValidationException" in refused.stderr.decode()
        and "key element does not match the schema" in refused.stderr.decode()
    )
    assert table_items(endpoint, name) == []
    assert hobopy_in_process("db", "load", path, *options).returncode == 0
    assert len(table_items(endpoint, name)) == 2
