"""Table operations for the dev tools: create and delete (with boto3's waiters), batch writes, reads.

Clients come from ``chalicelib.storage.dynamodb_client``, the Lambda code's
own factory, so the tools and the API reach a database the same way.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.table import BatchWriter

from devtools.db.datafiles import Item, key_order

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any

# Local engines create a table in a blink; AWS takes seconds. One minute either way.
WAIT: Any = {"Delay": 0.05, "MaxAttempts": 1200}


def ensure_table(client: DynamoDBClient, schema: dict[str, Any]) -> bool:
    """Create the table described by ``schema`` unless it exists, wait until it is ACTIVE; True if created here."""
    try:
        client.create_table(**schema)
        created = True
    except client.exceptions.ResourceInUseException:
        created = False
    client.get_waiter("table_exists").wait(TableName=schema["TableName"], WaiterConfig=WAIT)
    return created


def delete_table(client: DynamoDBClient, table_name: str) -> bool:
    """Delete the table if it exists and wait until it is gone; True when there was one."""
    try:
        client.delete_table(TableName=table_name)
    except client.exceptions.ResourceNotFoundException:
        return False
    client.get_waiter("table_not_exists").wait(TableName=table_name, WaiterConfig=WAIT)
    return True


def write_batches(client: DynamoDBClient, table_name: str, requests: Sequence[dict[str, Any]]) -> None:
    """Send write requests (boto3 shapes) in batches of 25; boto3 resends what DynamoDB leaves unprocessed."""
    with BatchWriter(table_name, client) as batch:
        for request in requests:
            if "PutRequest" in request:
                batch.put_item(request["PutRequest"]["Item"])
            else:
                batch.delete_item(request["DeleteRequest"]["Key"])


def upgrade_to_owner_key(
    client: DynamoDBClient, schema: dict[str, Any], owner: str, backup: Callable[[list[Item]], None]
) -> int | None:
    """Rebuild a table from before accounts (keyed by id alone) with ``schema``'s key, its todos given to ``owner``.

    DynamoDB cannot change a table's key, so the todos are read, handed to
    ``backup`` (which must keep them safe), and the table is created anew and
    refilled. Returns how many todos moved, or None when the table needed nothing.
    """
    name, partition = schema["TableName"], key_order(schema["KeySchema"])[0]
    if partition in key_names(client, name):
        return None
    items = list(scan_items(client, name))
    backup(items)
    delete_table(client, name)
    ensure_table(client, schema)
    write_batches(client, name, [{"PutRequest": {"Item": {**item, partition: {"S": owner}}}} for item in items])
    return len(items)


def key_names(client: DynamoDBClient, table_name: str) -> list[str]:
    """The table's key attribute names, partition key first."""
    return key_order(client.describe_table(TableName=table_name)["Table"]["KeySchema"])


def scan_items(client: DynamoDBClient, table_name: str) -> Iterator[Item]:
    """Every item of the table in DynamoDB JSON, page after page."""
    return client.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True).search("Items")


def partition_items(client: DynamoDBClient, table_name: str, key: str, value: str) -> Iterator[Item]:
    """The items whose partition key ``key`` is the string ``value``, page after page."""
    pages = client.get_paginator("query").paginate(
        TableName=table_name,
        ConsistentRead=True,
        KeyConditionExpression="#k = :v",
        ExpressionAttributeNames={"#k": key},
        ExpressionAttributeValues={":v": {"S": value}},
    )
    return pages.search("Items")
