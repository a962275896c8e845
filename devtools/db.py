"""Table operations on a DynamoDB endpoint, reading the aws CLI's own file formats.

``db/schema.json`` is a ``create-table --cli-input-json`` file and
``db/initial-data.json`` a ``batch-write-item --request-items`` file. Files are
always read as UTF-8, whatever the platform's locale says.
"""
import json
import os
import random
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "db" / "schema.json"
SEED_PATH = ROOT / "db" / "initial-data.json"
BATCH_SIZE = 25  # BatchWriteItem's limit per request


class DataFileError(Exception):
    """A data file cannot be read or does not have the expected shape."""


def client(endpoint=None, region=None):
    """A DynamoDB client for ``endpoint``; local engines get placeholder credentials."""
    kwargs = {"config": Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard"})}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
        kwargs["region_name"] = region or os.environ.get("AWS_REGION") or os.environ.get(
            "AWS_DEFAULT_REGION") or "us-east-1"
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            kwargs["aws_access_key_id"] = "local"
            kwargs["aws_secret_access_key"] = "local"
    elif region:
        kwargs["region_name"] = region
    return boto3.session.Session().client("dynamodb", **kwargs)


def read_json(path):
    """Parse a JSON file as UTF-8; errors name the file and the line and column."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the file ({exc.strerror}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{path}: not valid UTF-8 at byte {exc.start}; save the file as UTF-8."
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}.") from None


def load_schema(path=SCHEMA_PATH, table_name=None):
    """The ``create-table`` arguments from a schema file, optionally under another table name."""
    schema = read_json(path)
    if not isinstance(schema, dict) or "TableName" not in schema or "KeySchema" not in schema:
        raise DataFileError(f"{path}: not a create-table file (it needs TableName and KeySchema).")
    if table_name:
        schema = {**schema, "TableName": table_name}
    return schema


def table_exists(dynamodb, table_name):
    try:
        dynamodb.describe_table(TableName=table_name)
        return True
    except dynamodb.exceptions.ResourceNotFoundException:
        return False


def wait_until_active(dynamodb, table_name, timeout=30.0):
    """Wait until the table is ACTIVE (engines such as dynalite create tables asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        status = dynamodb.describe_table(TableName=table_name)["Table"]["TableStatus"]
        if status == "ACTIVE":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table_name} is still {status} after {timeout:.0f} s")
        time.sleep(0.05)


def ensure_table(dynamodb, schema):
    """Create the table described by ``schema`` unless it exists; True when it was created."""
    name = schema["TableName"]
    if table_exists(dynamodb, name):
        wait_until_active(dynamodb, name)
        return False
    try:
        dynamodb.create_table(**schema)
    except dynamodb.exceptions.ResourceInUseException:
        # Created by someone else in the meantime.
        wait_until_active(dynamodb, name)
        return False
    wait_until_active(dynamodb, name)
    return True


def write_batches(dynamodb, table_name, requests, max_attempts=8):
    """Send write requests in batches of 25, retrying ``UnprocessedItems`` with backoff.

    Returns the number of requests written.
    """
    written = 0
    for start in range(0, len(requests), BATCH_SIZE):
        pending = {table_name: requests[start:start + BATCH_SIZE]}
        for attempt in range(max_attempts):
            response = dynamodb.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(random.uniform(0, min(2.0, 0.05 * 2 ** attempt)))
        else:
            left = sum(len(v) for v in pending.values())
            raise RuntimeError(f"{left} items were still unprocessed after {max_attempts} attempts")
        written += len(requests[start:start + BATCH_SIZE])
    return written
