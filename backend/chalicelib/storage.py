"""The DynamoDB repository: the only module that talks to the database."""

import random
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import errors, paging, settings, todos

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef
else:
    DynamoDBClient = Any
    AttributeValueTypeDef = Any

Item = dict[str, Any]

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

# Told of each DynamoDB request a repository sends: its operation and attempt (0 the call, then its retries).
request_observers: list[Callable[[str, int], None]] = []

_clients: dict[tuple[str, str], DynamoDBClient] = {}
_clients_lock = threading.Lock()
_repositories: dict[tuple[str | None, str], "DynamoTodoRepository"] = {}


def dynamodb_client(endpoint: str | None = None, region: str | None = None) -> DynamoDBClient:
    """The process-wide low-level DynamoDB client for ``endpoint`` and ``region`` (thread-safe)."""
    key = (endpoint or "", region or settings.region())
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _new_client(*key)
    return client


def _new_client(endpoint: str, region: str) -> DynamoDBClient:
    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": 1},
        max_pool_connections=32,
        # Every request is built here from checked values, and DynamoDB checks each again: botocore's own check
        # of the parameters would repeat, on every warm call, work that never finds anything.
        parameter_validation=False,
    )
    kwargs: dict[str, Any] = {"config": config, "region_name": region}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
        if not settings.has_credentials():
            # A local engine ignores credentials, and looking them up would
            # probe the EC2 metadata service, which is not there.
            kwargs["aws_access_key_id"] = "local"
            kwargs["aws_secret_access_key"] = "local"
    return boto3.session.Session().client("dynamodb", **kwargs)


def repository_from_environment() -> "DynamoTodoRepository":
    """The repository for the table and engine the settings name now (one per pair, kept)."""
    endpoint, table = settings.db_endpoint(), settings.table_name()
    repository = _repositories.get((endpoint, table))
    if repository is None:
        repository = _repositories[(endpoint, table)] = DynamoTodoRepository(dynamodb_client(endpoint), table)
    return repository


_deserialize = TypeDeserializer().deserialize


def to_python(attribute: "AttributeValueTypeDef") -> Any:
    """A todo field's DynamoDB attribute value as plain Python: numbers as int where they are whole."""
    # Text, whole numbers as DynamoDB writes them and booleans, every field of a todo, skip the general
    # deserializer: it is the bulk of a list's work.
    if "S" in attribute:
        return attribute["S"]
    if "N" in attribute:
        text = attribute["N"]
        if text.isdecimal():
            return int(text)
        value = Decimal(text)
    elif "BOOL" in attribute:
        return attribute["BOOL"]
    else:
        value = _deserialize(attribute)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_attribute(value: object) -> "AttributeValueTypeDef":
    """A todo field's value as a DynamoDB attribute value."""
    # bool before int: True is an int to Python but BOOL to DynamoDB.
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    return {"S": str(value)}


def item_to_todo(item: Mapping[str, Any]) -> todos.Todo:
    """A DynamoDB item as an API todo: known fields only (never the owner), as stored, numbers as int."""
    todo: todos.Todo = {}
    for name in todos.FIELDS:
        attribute = item.get(name)
        if attribute is not None:
            # Most of a todo is text, taken here without a call for each field.
            todo[name] = attribute["S"] if "S" in attribute else to_python(attribute)
    return todo


def _key(owner: str, todo_id: str) -> dict[str, "AttributeValueTypeDef"]:
    return {"owner": {"S": owner}, "id": {"S": todo_id}}


class DynamoTodoRepository:
    """Todos in one DynamoDB table keyed by (owner, id): one request per operation, list included."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self.client = client
        self.table_name = table_name

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """Call ``operation`` with bounded retries; database trouble becomes ``Unavailable``."""
        method = getattr(self.client, operation)
        started = time.monotonic()
        attempt = 0
        while True:
            for observer in request_observers:
                observer(operation, attempt)
            try:
                answer: dict[str, Any] = method(TableName=self.table_name, **kwargs)
                return answer
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in UNAVAILABLE_CODES:
                    raise errors.Unavailable("the todo table is not available.") from None
                if code not in RETRYABLE_CODES:
                    raise
                reason = "the database is busy; try again shortly."
            except BotoCoreError:
                reason = "the database cannot be reached; try again shortly."
            attempt += 1
            delay = random.uniform(0, min(1.0, 0.05 * 2**attempt))
            if time.monotonic() - started + delay + READ_TIMEOUT + CONNECT_TIMEOUT > BUDGET_SECONDS:
                raise errors.Unavailable(reason)
            time.sleep(delay)

    def _get_item(self, owner: str, todo_id: str) -> Item | None:
        item: Item | None = self._call("get_item", Key=_key(owner, todo_id), ConsistentRead=True).get("Item")
        return item

    def get(self, owner: str, todo_id: str) -> todos.Todo:
        """The owner's todo with ``todo_id``, read consistently; NotFound when there is none."""
        if not todos.is_storable_id(todo_id):
            raise errors.not_found(todo_id)
        item = self._get_item(owner, todo_id)
        if item is None:
            raise errors.not_found(todo_id)
        return item_to_todo(item)

    def create(self, owner: str, fields: Mapping[str, Any]) -> todos.Todo:
        """Store a new todo with a fresh id, timestamps and version 1; answers it."""
        created = todos.new_todo(fields)
        try:
            # A fresh id is as good as unique, but an overwrite must be impossible.
            self._put_new(owner, created)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # Only a retry finds this fresh id taken: an earlier attempt was
            # written but its answer came too late. One read tells it is ours.
            stored = self._get_item(owner, created["id"])
            if stored is None or item_to_todo(stored) != created:
                raise errors.Unavailable("the database answered inconsistently; try again shortly.") from None
        return created

    def create_with_id(self, owner: str, todo_id: str, fields: Mapping[str, Any]) -> todos.Todo:
        """Store a new todo under ``todo_id`` in one conditional put; PreconditionFailed if the owner has it already."""
        created = todos.new_todo(fields, todo_id)
        try:
            self._put_new(owner, created)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            raise errors.already_exists(todo_id) from None
        return created

    def _put_new(self, owner: str, todo: todos.Todo) -> None:
        """Put ``todo`` unless the owner has a todo with its id (then ConditionalCheckFailedException)."""
        item = {"owner": {"S": owner}, **{name: to_attribute(value) for name, value in todo.items()}}
        self._call("put_item", Item=item, ConditionExpression="attribute_not_exists(id)")

    def update(self, owner: str, todo_id: str, fields: Mapping[str, Any], if_match: todos.IfMatch = None) -> todos.Todo:
        """Change ``fields`` of the owner's todo (if ``if_match`` accepts its version); answers the whole todo."""
        names: dict[str, str] = {"#version": "version"}
        values: dict[str, AttributeValueTypeDef] = {":one": {"N": "1"}}
        sets, removes = [], []
        changes = {**fields, "updatedAt": todos.now()}
        # Placeholders for every name, so no field can collide with a reserved word.
        for index, (name, value) in enumerate(changes.items()):
            names[f"#f{index}"] = name
            if value is None:
                # A cleared field is not stored at all, so the todo is answered without it.
                removes.append(f"#f{index}")
                continue
            values[f":v{index}"] = to_attribute(value)
            sets.append(f"#f{index} = :v{index}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return self._write(
            "update_item",
            owner,
            todo_id,
            if_match,
            names,
            values,
            UpdateExpression=expression + " ADD #version :one",
            ReturnValues="ALL_NEW",
        )

    def delete(self, owner: str, todo_id: str, if_match: todos.IfMatch = None) -> todos.Todo:
        """Delete the owner's todo (if ``if_match`` accepts its version); answers it as it was."""
        return self._write("delete_item", owner, todo_id, if_match, {}, {}, ReturnValues="ALL_OLD")

    def _write(
        self,
        operation: str,
        owner: str,
        todo_id: str,
        if_match: todos.IfMatch,
        names: dict[str, str],
        values: dict[str, "AttributeValueTypeDef"],
        **kwargs: Any,
    ) -> todos.Todo:
        """One conditional write of an existing todo; answers the todo the write returned."""
        if not todos.is_storable_id(todo_id):
            raise errors.not_found(todo_id)
        condition, condition_names, condition_values = self._condition(if_match)
        if names or condition_names:
            kwargs["ExpressionAttributeNames"] = {**names, **condition_names}
        if values or condition_values:
            kwargs["ExpressionAttributeValues"] = {**values, **condition_values}
        try:
            response = self._call(
                operation,
                Key=_key(owner, todo_id),
                ConditionExpression=condition,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **kwargs,
            )
        except ClientError as exc:
            raise self._failed_condition(exc, owner, todo_id, if_match) from None
        return item_to_todo(response["Attributes"])

    @staticmethod
    def _condition(if_match: todos.IfMatch) -> tuple[str, dict[str, str], dict[str, "AttributeValueTypeDef"]]:
        """The write's condition (the item exists, and has a version ``If-Match`` accepts), its names and values."""
        condition = "attribute_exists(id)"
        named = todos.versions_named(if_match)
        if named is None:
            return condition, {}, {}
        versions = sorted(named) or [-1]
        values: dict[str, AttributeValueTypeDef] = {f":m{n}": {"N": str(v)} for n, v in enumerate(versions)}
        matches = f"#version IN ({', '.join(values)})"
        if todos.UNVERSIONED in versions:
            matches = f"(attribute_not_exists(#version) OR {matches})"
        return f"{condition} AND {matches}", {"#version": "version"}, values

    def _failed_condition(self, exc: ClientError, owner: str, todo_id: str, if_match: todos.IfMatch) -> Exception:
        """The domain error a failed condition means (NotFound or PreconditionFailed); else ``exc`` itself."""
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            return exc
        if todos.versions_named(if_match) is None:
            return errors.not_found(todo_id)
        # Engines that ignore ReturnValuesOnConditionCheckFailure need one
        # read, on this failure path only, to tell "gone" from "changed".
        answered = exc.response.get("Item")
        exists = bool(answered) if answered is not None else self._get_item(owner, todo_id) is not None
        return errors.precondition_failed(todo_id) if exists else errors.not_found(todo_id)

    def list(
        self, owner: str, completed: bool | None = None, limit: int | None = None, cursor: str | None = None
    ) -> tuple[list[todos.Todo], str | None]:
        """One page of the owner's todos in id order and the next page's cursor (None at the end).

        One Query per page, reading at most a page and one item (at least
        ``paging.FILTERED_READ_MIN`` with a filter): a filter that matches little
        gives a shorter page and a cursor, as DynamoDB itself does, rather
        than reading on. A page is also cut where its answer would grow
        past what Lambda can return.
        """
        wanted = paging.page_size(limit)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "#owner = :owner",
            "ExpressionAttributeNames": {"#owner": "owner"},
            "ExpressionAttributeValues": {":owner": {"S": owner}},
            "ConsistentRead": True,
            "Limit": paging.read_size(wanted, filtered=completed is not None),
        }
        if cursor is not None:
            kwargs["ExclusiveStartKey"] = _key(owner, paging.decode_cursor(cursor))
        if completed is not None:
            kwargs["FilterExpression"] = "#completed = :completed"
            kwargs["ExpressionAttributeNames"]["#completed"] = "completed"
            kwargs["ExpressionAttributeValues"][":completed"] = {"BOOL": completed}
        page = self._call("query", **kwargs)
        last_key = page.get("LastEvaluatedKey")
        return paging.cut_page(
            [item_to_todo(item) for item in page.get("Items", ())], wanted, last_key["id"]["S"] if last_key else None
        )
