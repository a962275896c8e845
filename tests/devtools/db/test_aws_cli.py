"""The aws CLI against the local engine with the project's data files, as written and as hobopy db writes them."""

import json

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles, tables
from tests.support.scripts import C_LOCALE, SEED, SEED_ITEMS, hobopy, run, table_items, write_json

pytestmark = pytest.mark.engine

AWS_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}


def aws(*args, env=None):
    result = run("aws", "dynamodb", *args, env={**AWS_ENV, **(env or {})})
    return result


def scanned(result):
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(result.stdout.decode("utf-8"))["Items"], key=lambda item: item["id"]["S"])


def test_create_table_from_a_renamed_copy_of_the_schema_then_load_and_scan(unused_table, tmp_path):
    _, endpoint, name = unused_table
    schema = write_json(tmp_path / "schema.json", {**datafiles.read_json(datafiles.SCHEMA_PATH), "TableName": name})
    seed = write_json(tmp_path / "seed.json", {name: SEED["Todos"]})

    created = aws("create-table", "--cli-input-json", f"file://{schema}", "--endpoint-url", endpoint)
    assert created.returncode == 0, created.stderr
    dynamodb_client(endpoint).get_waiter("table_exists").wait(TableName=name)
    written = aws("batch-write-item", "--request-items", f"file://{seed}", "--endpoint-url", endpoint)
    assert written.returncode == 0, written.stderr
    assert scanned(aws("scan", "--table-name", name, "--endpoint-url", endpoint)) == SEED_ITEMS


def test_batch_write_item_accepts_a_file_written_by_export(table, tmp_path):
    options, endpoint, name = table
    assert hobopy("db", "load", *options).returncode == 0
    exported = tmp_path / "export.json"
    assert hobopy("db", "export", "-o", exported, *options).returncode == 0
    dynamodb = dynamodb_client(endpoint)
    tables.delete_table(dynamodb, name)
    tables.ensure_table(dynamodb, datafiles.load_schema(table_name=name))

    written = aws("batch-write-item", "--request-items", f"file://{exported}", "--endpoint-url", endpoint)
    assert written.returncode == 0, written.stderr
    assert table_items(endpoint, name) == SEED_ITEMS


def test_aws_cli_reads_file_urls_in_the_locale_encoding_so_utf8_mode_is_needed_under_a_c_locale(table, tmp_path):
    _, endpoint, name = table
    seed = write_json(tmp_path / "seed.json", {name: SEED["Todos"]})
    command = ["batch-write-item", "--request-items", f"file://{seed}", "--endpoint-url", endpoint]

    failed = aws(*command, env=C_LOCALE)
    assert failed.returncode != 0
    assert "could not be decoded" in failed.stderr.decode()
    assert table_items(endpoint, name) == []

    written = aws(*command, env={**C_LOCALE, "PYTHONUTF8": "1"})
    assert written.returncode == 0, written.stderr
    assert table_items(endpoint, name) == SEED_ITEMS
