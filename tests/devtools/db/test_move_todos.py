"""`hobopy db move-todos`: todos change owner, within the owner-keyed table or out of a table keyed by id alone."""

import uuid

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import tables
from tests.support.scripts import SEED_ITEMS, assert_one_line_failure, hobopy, hobopy_in_process, table_items

pytestmark = pytest.mark.engine

OLD_SCHEMA = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def owned(items, owner):
    return [{**item, "owner": {"S": owner}} for item in items]


def move(options, *args):
    result = hobopy_in_process("db", "move-todos", *args, *options)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


@pytest.fixture
def old_table(dynalite_endpoint):
    """A table from before accounts (keyed by id alone) holding the seed's todos without their owner."""
    name = f"test-old-{uuid.uuid4().hex[:8]}"
    client = dynamodb_client(dynalite_endpoint)
    tables.ensure_table(client, {**OLD_SCHEMA, "TableName": name})
    for item in SEED_ITEMS:
        client.put_item(TableName=name, Item={k: v for k, v in item.items() if k != "owner"})
    yield name
    tables.delete_table(client, name)


def test_the_demo_todos_move_to_a_user_with_every_field_kept(table):
    options, endpoint, name = table
    assert hobopy_in_process("db", "load", *options).returncode == 0

    said = move(options, "--to", "alice")
    assert f"Moved 3 todos of owner demo to owner alice in table {name} at {endpoint}." in said
    assert table_items(endpoint, name) == owned(SEED_ITEMS, "alice")


def test_nothing_moves_when_the_new_owner_already_has_one_of_the_ids(table):
    options, endpoint, name = table
    assert hobopy_in_process("db", "load", *options).returncode == 0
    move(options, "--to", "alice")
    assert hobopy_in_process("db", "load", *options).returncode == 0  # the demo todos are back, with the same ids

    error = assert_one_line_failure(
        hobopy_in_process("db", "move-todos", "--to", "alice", *options), "Nothing was moved."
    )
    assert "owner alice already has 3 of these ids" in error
    assert sorted(map(str, table_items(endpoint, name))) == sorted(map(str, SEED_ITEMS + owned(SEED_ITEMS, "alice")))


def test_the_todos_of_a_table_keyed_by_id_alone_are_copied_into_the_new_table(table, old_table):
    options, endpoint, name = table

    said = move(options, "--from-table", old_table, "--to", "bob")
    assert f"Moved 3 todos of table {old_table} to owner bob in table {name}" in said
    assert table_items(endpoint, name) == owned(SEED_ITEMS, "bob")
    assert len(table_items(endpoint, old_table)) == 3  # left as it was


def test_a_table_keyed_by_id_alone_cannot_be_the_destination_and_the_error_says_what_to_run(
    old_table, dynalite_endpoint
):
    # Through the installed console script, as the other commands' tests run some of theirs.
    options = ["--endpoint-url", dynalite_endpoint, "--table", old_table]
    assert_one_line_failure(
        hobopy("db", "move-todos", "--to", "bob", *options),
        f"table {old_table} is keyed by id alone",
        f"hobopy db move-todos --from-table {old_table} --table NEW --to OWNER",
        "Nothing was moved.",
    )
    assert len(table_items(dynalite_endpoint, old_table)) == 3
