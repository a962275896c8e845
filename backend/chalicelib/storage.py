"""The DynamoDB repository: the only module that talks to the database."""
import base64
import json
import os
import random
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import todos

# Every answer must come within 5 s even when the engine hangs, so botocore's
# own retries are off and ``_call`` retries within one overall budget instead.
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5
BUDGET_SECONDS = 4.5
RETRYABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}
# Errors that mean "the database is not usable right now" without retrying.
UNAVAILABLE_CODES = {"ResourceNotFoundException", "ResourceInUseException"}

_clients = {}
_clients_lock = threading.Lock()
_repositories = {}


def dynamodb_client(endpoint=None):
    """The process-wide low-level DynamoDB client for ``endpoint`` (thread-safe)."""
    key = endpoint or ""
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _new_client(endpoint)
    return client


def _new_client(endpoint):
    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": 1},
        max_pool_connections=32,
    )
    kwargs = {"config": config}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
        kwargs["region_name"] = (
            os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            # A local engine ignores credentials, and looking them up would
            # probe the EC2 metadata service, which is not there.
            kwargs["aws_access_key_id"] = "local"
            kwargs["aws_secret_access_key"] = "local"
    return boto3.session.Session().client("dynamodb", **kwargs)


def repository_from_environment():
    """The repository named by ``DB_ENDPOINT`` and ``DB_TABLE_NAME`` as they are now.

    ``HOBOPY_DB_ENDPOINT`` wins over ``DB_ENDPOINT``: the local stack sets it
    when the engine runs on another port than the stage's configuration says.
    """
    endpoint = os.environ.get("HOBOPY_DB_ENDPOINT") or os.environ.get("DB_ENDPOINT") or None
    table = os.environ.get("DB_TABLE_NAME") or "Todos"
    repository = _repositories.get((endpoint, table))
    if repository is None:
        repository = _repositories[(endpoint, table)] = DynamoTodoRepository(dynamodb_client(endpoint), table)
    return repository


def encode_cursor(last_id):
    """An opaque page token: where the next page starts."""
    raw = json.dumps({"after": last_id}, ensure_ascii=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(token):
    """The id a page token continues after, or ValidationError when it is not one of ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii"))
        last_id = data["after"]
    except (ValueError, TypeError, KeyError, UnicodeError):
        raise todos.ValidationError("cursor is malformed; use the Link header of the previous page.") from None
    if not isinstance(data, dict) or len(data) != 1 or not todos.is_storable_id(last_id):
        raise todos.ValidationError("cursor is malformed; use the Link header of the previous page.")
    return last_id


def _to_python(attribute):
    (kind, value), = attribute.items()
    if kind == "S":
        return value
    if kind == "BOOL":
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "NULL":
        return None
    if kind == "L":
        return [_to_python(v) for v in value]
    if kind == "M":
        return {k: _to_python(v) for k, v in value.items()}
    if kind in ("SS", "NS"):
        return sorted(value)
    return None


def _to_attribute(value):
    # bool before int: True is an int to Python but BOOL to DynamoDB.
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    return {"S": value}


def item_to_todo(item):
    """A DynamoDB item as an API todo: known fields only, as stored, numbers as int."""
    return {name: _to_python(item[name]) for name in todos.FIELDS if name in item}


class DynamoTodoRepository:
    """Todos in one DynamoDB table, one request per single-item operation."""

    def __init__(self, client, table_name):
        self.client = client
        self.table_name = table_name

    def _call(self, operation, **kwargs):
        """Call ``operation`` with bounded retries; database trouble becomes ``Unavailable``."""
        method = getattr(self.client, operation)
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return method(TableName=self.table_name, **kwargs)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in UNAVAILABLE_CODES:
                    raise todos.Unavailable("the todo table is not available.") from None
                if code not in RETRYABLE_CODES:
                    raise
                reason = "the database is busy; try again shortly."
            except BotoCoreError:
                reason = "the database cannot be reached; try again shortly."
            attempt += 1
            delay = random.uniform(0, min(1.0, 0.05 * 2 ** attempt))
            if time.monotonic() - started + delay + READ_TIMEOUT + CONNECT_TIMEOUT > BUDGET_SECONDS:
                raise todos.Unavailable(reason)
            time.sleep(delay)

    def get(self, todo_id):
        """The todo with ``todo_id``, read consistently; NotFound when there is none."""
        if not todos.is_storable_id(todo_id):
            raise todos.not_found(todo_id)
        response = self._call("get_item", Key={"id": {"S": todo_id}}, ConsistentRead=True)
        if "Item" not in response:
            raise todos.not_found(todo_id)
        return item_to_todo(response["Item"])

    def create(self, fields):
        """Store a new todo with a fresh id, timestamps and version 1; answers it."""
        stamp = todos.now()
        todo = {"id": todos.new_id(), **fields, "createdAt": stamp, "updatedAt": stamp, "version": 1}
        created = {name: todo[name] for name in todos.FIELDS if name in todo}
        try:
            self._call(
                "put_item",
                Item={name: _to_attribute(value) for name, value in todo.items()},
                # A uuid4 collision is as good as impossible, but an overwrite must be.
                ConditionExpression="attribute_not_exists(id)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # Only a retry finds this fresh id taken: an earlier attempt was
            # written but its answer came too late. One read tells it is ours.
            stored = self._call("get_item", Key={"id": {"S": todo["id"]}}, ConsistentRead=True).get("Item")
            if stored is None or item_to_todo(stored) != created:
                raise todos.Unavailable("the database answered inconsistently; try again shortly.") from None
        return created

    def update(self, todo_id, fields, if_match=None):
        """Change ``fields`` of an existing todo (if its version is one ``if_match`` accepts); answers the whole todo."""
        names, values, sets = {}, {}, []
        changes = {**fields, "updatedAt": todos.now()}
        # Placeholders for every name, so no field can collide with a reserved word.
        for index, (name, value) in enumerate(changes.items()):
            names[f"#f{index}"] = name
            values[f":v{index}"] = _to_attribute(value)
            sets.append(f"#f{index} = :v{index}")
        names["#version"] = "version"
        values[":one"] = {"N": "1"}
        return self._write(
            "update_item", todo_id, if_match, names, values,
            UpdateExpression="SET " + ", ".join(sets) + " ADD #version :one",
            ReturnValues="ALL_NEW",
        )

    def delete(self, todo_id, if_match=None):
        """Delete an existing todo (if its version is one ``if_match`` accepts); answers it as it was."""
        return self._write("delete_item", todo_id, if_match, {}, {}, ReturnValues="ALL_OLD")

    def _write(self, operation, todo_id, if_match, names, values, **kwargs):
        """One conditional write of an existing todo; answers the todo the write returned."""
        if not todos.is_storable_id(todo_id):
            raise todos.not_found(todo_id)
        condition = self._condition(if_match, names, values)
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            response = self._call(
                operation,
                Key={"id": {"S": todo_id}},
                ConditionExpression=condition,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **kwargs,
            )
        except ClientError as exc:
            self._explain_failed_condition(exc, todo_id, if_match)
        return item_to_todo(response["Attributes"])

    @staticmethod
    def _condition(if_match, names, values):
        """The write's condition: the item exists, and has a version ``If-Match`` accepts."""
        condition = "attribute_exists(id)"
        if if_match is None or if_match == "*":
            return condition
        names["#version"] = "version"
        versions = sorted(if_match) or [-1]
        placeholders = []
        for index, version in enumerate(versions):
            values[f":m{index}"] = {"N": str(version)}
            placeholders.append(f":m{index}")
        matches = f"#version IN ({', '.join(placeholders)})"
        if 0 in versions:
            # Items written before versions existed (the seed's) count as version 0.
            matches = f"(attribute_not_exists(#version) OR {matches})"
        return f"{condition} AND {matches}"

    def _explain_failed_condition(self, exc, todo_id, if_match):
        """Turn a failed condition into NotFound or PreconditionFailed; re-raise anything else."""
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise exc
        if if_match is None or if_match == "*":
            raise todos.not_found(todo_id) from None
        if "Item" in exc.response:
            exists = bool(exc.response["Item"])
        else:
            # Engines that ignore ReturnValuesOnConditionCheckFailure need one
            # read, on this failure path only, to tell "gone" from "changed".
            exists = "Item" in self._call("get_item", Key={"id": {"S": todo_id}}, ConsistentRead=True)
        if exists:
            raise todos.PreconditionFailed(
                f"todo {todo_id!r} has changed since the version If-Match names; fetch it again."
            ) from None
        raise todos.not_found(todo_id) from None

    def list(self, completed=None, limit=None, cursor=None):
        """One page of todos and the cursor of the next page (None at the end)."""
        wanted = limit or todos.LIMIT_MAX
        kwargs = {"ConsistentRead": True}
        if cursor is not None:
            kwargs["ExclusiveStartKey"] = {"id": {"S": decode_cursor(cursor)}}
        if completed is not None:
            kwargs["FilterExpression"] = "#completed = :completed"
            kwargs["ExpressionAttributeNames"] = {"#completed": "completed"}
            kwargs["ExpressionAttributeValues"] = {":completed": {"BOOL": completed}}
        found = []
        while True:
            if completed is None:
                # One more than needed tells whether another page exists
                # without a second, empty round trip. (With a filter, Limit
                # counts items read, not items matched, so it would only add
                # round trips.)
                kwargs["Limit"] = wanted - len(found) + 1
            page = self._call("scan", **kwargs)
            found.extend(page.get("Items", ()))
            last_key = page.get("LastEvaluatedKey")
            if len(found) > wanted:
                found = found[:wanted]
                return [item_to_todo(i) for i in found], encode_cursor(found[-1]["id"]["S"])
            if last_key is None:
                return [item_to_todo(i) for i in found], None
            kwargs["ExclusiveStartKey"] = last_key
