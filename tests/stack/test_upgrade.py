"""A local table from before accounts (keyed by id alone) is rebuilt with the owner key when the stack starts."""

import json

import pytest

from chalicelib.storage import dynamodb_client
from devtools import settings
from devtools.db import datafiles, tables
from devtools.local import engine
from devtools.local.stack import Stack


@pytest.fixture
def private_engine(tmp_path):
    if not engine.node_available():
        pytest.skip("dynalite needs Node.js and npm; not found on PATH")
    with engine.private_dynalite(log_path=tmp_path / "engine.log") as endpoint:
        yield int(endpoint.rsplit(":", 1)[1])


def test_a_table_keyed_by_id_alone_keeps_its_todos_as_the_demo_owners(private_engine, tmp_path):
    client = dynamodb_client(settings.url(private_engine))
    old = {
        "TableName": "Todos",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    tables.ensure_table(client, old)
    todo = {"id": {"S": "a1"}, "title": {"S": "前からある"}, "memo": {"S": ""}, "priority": {"N": "2"}}
    client.put_item(TableName="Todos", Item=todo)
    said = []
    stack = Stack(db_port=private_engine, data_dir=tmp_path, say=said.append)

    stack._prepare_table()

    assert tables.key_names(client, "Todos") == ["owner", "id"]
    assert list(tables.scan_items(client, "Todos")) == [{**todo, "owner": {"S": settings.demo_owner()}}]
    backup = tmp_path / "Todos-before-accounts.json"
    assert json.loads(backup.read_text(encoding="utf-8")) == {"Todos": [{"PutRequest": {"Item": todo}}]}
    assert len(said) == 1 and "1 todos now belong to the demo owner" in said[0]
    stack._prepare_table()  # a second start changes nothing
    assert len(said) == 1 and not stack.seeded


def test_the_seed_belongs_to_the_demo_owner():
    for requests in datafiles.read_requests(datafiles.SEED_PATH).values():
        assert {r["PutRequest"]["Item"]["owner"]["S"] for r in requests} == {settings.demo_owner()}
