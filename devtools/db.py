"""Table operations on a DynamoDB endpoint, reading the aws CLI's own file formats.

``db/schema.json`` is a ``create-table --cli-input-json`` file and
``db/initial-data.json`` a ``batch-write-item --request-items`` file. Files are
always read as UTF-8, whatever the platform's locale says, and a data file is
checked whole before anything is written, so a typo at item 40 cannot leave a
table half loaded.
"""
import base64
import binascii
import difflib
import functools
import json
import os
import random
import re
import time
from decimal import Decimal
from pathlib import Path

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "db" / "schema.json"
SEED_PATH = ROOT / "db" / "initial-data.json"
TABLE_NAME = "Todos"  # the TableName in db/schema.json and the seed's table
BATCH_SIZE = 25  # BatchWriteItem's limit per request
MAX_ITEM_BYTES = 400 * 1024
# Where a todo's fields go when items are listed or exported: the seed's order.
FIELD_ORDER = ("title", "memo", "priority", "completed", "createdAt", "updatedAt", "version")

ATTRIBUTE_TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
REQUEST_TYPES = {"PutRequest": "Item", "DeleteRequest": "Key"}
_TABLE_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{3,255}\Z")
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_WHITESPACE_RE = re.compile(r"[ \t\n\r]*")


class DataFileError(Exception):
    """A data file cannot be read or does not have the expected shape."""


class UnprocessedItemsError(RuntimeError):
    """The engine kept refusing some writes; ``written`` requests did get through."""

    def __init__(self, message, written):
        super().__init__(message)
        self.written = written


class _ShapeError(Exception):
    """A value at ``path`` (keys and indexes from the document's root) breaks a rule."""

    def __init__(self, path, message):
        super().__init__(message)
        self.path = tuple(path)
        self.message = message


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


def display_path(path):
    """``path`` as the user would type it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _legacy_encoding_hint(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it looks like UTF-16"
    try:
        data.decode("cp932")
        return "it looks like Shift_JIS (cp932)"
    except UnicodeDecodeError:
        return None


def _read_text(path):
    shown = display_path(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataFileError(f"{shown}: cannot read the file: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        guess = _legacy_encoding_hint(data)
        raise DataFileError(
            f"{shown}:{line}:{column}: not valid UTF-8 (byte 0x{data[exc.start]:02x})"
            f"{'; ' + guess if guess else ''}; save the file as UTF-8."
        ) from None


def _parse(text, path):
    if not text.strip():
        raise DataFileError(f"{display_path(path)}: the file is empty; it should hold a JSON object.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{display_path(path)}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}."
        ) from None


def read_json(path):
    """Parse a JSON file as UTF-8; errors name the file and the line and column."""
    return _parse(_read_text(path), path)


def load_schema(path=SCHEMA_PATH, table_name=None):
    """The ``create-table`` arguments from a schema file, optionally under another table name."""
    schema = read_json(path)
    if not isinstance(schema, dict) or "TableName" not in schema or "KeySchema" not in schema:
        raise DataFileError(
            f"{display_path(path)}: not a create-table file (it needs TableName and KeySchema)."
        )
    if table_name:
        schema = {**schema, "TableName": table_name}
    try:
        validate_parameters(schema, _create_table_input())
    except ParamValidationError as exc:
        problems = "; ".join(line.strip() for line in exc.kwargs["report"].splitlines() if line.strip())
        raise DataFileError(f"{display_path(path)}: not accepted by CreateTable: {problems}") from None
    defined = {d["AttributeName"] for d in schema.get("AttributeDefinitions", [])}
    for key in schema["KeySchema"]:
        if key["AttributeName"] not in defined:
            raise DataFileError(f"{display_path(path)}: the key attribute {key['AttributeName']!r} "
                                "needs an entry in AttributeDefinitions.")
    return schema


@functools.cache
def _create_table_input():
    return botocore.session.get_session().get_service_model("dynamodb").operation_model("CreateTable").input_shape


# ---- batch-write-item files ------------------------------------------------


def read_requests(path):
    """The write requests of a ``batch-write-item`` file, checked whole: ``{table: [request, ...]}``.

    Attribute values stay in DynamoDB JSON (``{"N": "3"}``); errors name the
    file, the line and column, and the JSON path of the offending value.
    """
    text = _read_text(path)
    document = _parse(text, path)
    try:
        _check_document(document)
    except _ShapeError as exc:
        raise DataFileError(_located(path, text, exc.path, exc.message)) from None
    return document


def check_keys(requests, table_name, key_schema, attribute_definitions, path=None, at=None):
    """Check that each request carries the table's key, with the right types, once.

    ``at`` is the name the requests have in the file (for error positions).
    """
    types = {d["AttributeName"]: d["AttributeType"] for d in attribute_definitions}
    key_names = [k["AttributeName"] for k in key_schema]
    at = at or table_name
    seen = {}
    try:
        for index, request in enumerate(requests):
            (kind, body), = request.items()
            where = [at, index, kind, REQUEST_TYPES[kind]]
            attributes = body[REQUEST_TYPES[kind]]
            for name in key_names:
                if name not in attributes:
                    raise _ShapeError(where, f"the key attribute {name!r} of table {table_name} is missing.")
                (given, value), = attributes[name].items()
                if given != types[name]:
                    raise _ShapeError(where + [name], f"the key attribute {name!r} of table {table_name} "
                                      f"has type {types[name]}, not {given}.")
                if value == "":
                    raise _ShapeError(where + [name, given], "a key attribute cannot be empty.")
            if kind == "DeleteRequest" and set(attributes) != set(key_names):
                extra = sorted(set(attributes) - set(key_names))
                raise _ShapeError(where + [extra[0]], f"a DeleteRequest Key holds only the key "
                                  f"({', '.join(key_names)}); {extra[0]!r} is not part of it.")
            key = ", ".join(f"{name}={_json(next(iter(attributes[name].values())))}" for name in key_names)
            if key in seen:
                raise _ShapeError(where, f"the key {key} was already written by {_dotted(seen[key])}; "
                                  "a key may appear once per table.")
            seen[key] = where[:2]
    except _ShapeError as exc:
        if path is None:
            raise DataFileError(f"{_dotted(exc.path)}: {exc.message}") from None
        raise DataFileError(_located(path, _read_text(path), exc.path, exc.message)) from None


def to_boto(requests):
    """Requests from a file, with binary values decoded from base64 as boto3 wants them."""
    out = []
    for request in requests:
        (kind, body), = request.items()
        field = REQUEST_TYPES[kind]
        out.append({kind: {field: {name: _map_binary(value, base64.b64decode)
                                   for name, value in body[field].items()}}})
    return out


def _map_binary(value, convert):
    """``value`` with ``convert`` applied to every binary inside it (B, BS, and within M and L)."""
    (kind, inner), = value.items()
    if kind == "B":
        return {kind: convert(inner)}
    if kind == "BS":
        return {kind: [convert(v) for v in inner]}
    if kind == "M":
        return {kind: {k: _map_binary(v, convert) for k, v in inner.items()}}
    if kind == "L":
        return {kind: [_map_binary(v, convert) for v in inner]}
    return value


def _base64_text(data):
    return base64.b64encode(data).decode("ascii")


def _dotted(path):
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "the top level"


def _check_document(document):
    if not isinstance(document, dict):
        raise _ShapeError([], 'the top level must be an object of table name -> list of requests, '
                          'like {"Todos": [{"PutRequest": {"Item": {...}}}]}.')
    if not document:
        raise _ShapeError([], "the file names no table.")
    for table, requests in document.items():
        if not _TABLE_NAME_RE.match(table):
            raise _ShapeError([table], f"{table!r} is not a valid table name "
                              "(3 to 255 letters, digits, '_', '-' or '.').")
        if not isinstance(requests, list):
            raise _ShapeError([table], "a table's requests must be a JSON list.")
        for index, request in enumerate(requests):
            _check_request(request, [table, index])


def _check_request(request, path):
    if not isinstance(request, dict) or len(request) != 1:
        raise _ShapeError(path, 'a request must be an object with one key: '
                          '{"PutRequest": {"Item": {...}}} or {"DeleteRequest": {"Key": {...}}}.')
    (kind, body), = request.items()
    if kind not in REQUEST_TYPES:
        raise _ShapeError(path + [kind], f"unknown request {kind!r}{_did_you_mean(kind, REQUEST_TYPES)}; "
                          "use PutRequest or DeleteRequest.")
    field = REQUEST_TYPES[kind]
    if not isinstance(body, dict) or set(body) != {field}:
        raise _ShapeError(path + [kind], f'a {kind} holds exactly one key, {field}: {{"{field}": {{...}}}}.')
    attributes = body[field]
    if not isinstance(attributes, dict) or not attributes:
        raise _ShapeError(path + [kind, field], f"{field} must be a non-empty object of attribute name "
                          '-> value, like {"id": {"S": "L5"}}.')
    size = 0
    for name, value in attributes.items():
        size += _check_attribute(name, value, path + [kind, field, name])
    if size > MAX_ITEM_BYTES:
        raise _ShapeError(path + [kind, field], f"the item is about {size // 1024} KB; "
                          "DynamoDB items are at most 400 KB.")


def _did_you_mean(word, choices):
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _suggest(value):
    """The DynamoDB JSON a user probably meant for a plain JSON ``value``."""
    if isinstance(value, bool):
        return '{"BOOL": ' + json.dumps(value) + "}"
    if isinstance(value, (int, float)):
        return '{"N": "' + json.dumps(value) + '"}'
    if isinstance(value, str):
        return '{"S": ' + json.dumps(value[:20] + ("..." if len(value) > 20 else ""), ensure_ascii=False) + "}"
    if value is None:
        return '{"NULL": true}'
    if isinstance(value, list):
        return '{"L": [...]}'
    return '{"M": {...}}'


def _check_attribute(name, value, path):
    """Check one DynamoDB JSON attribute value; returns its approximate size in bytes."""
    if name == "":
        raise _ShapeError(path, "attribute names cannot be empty.")
    return len(name.encode("utf-8")) + _check_value(value, path)


def _check_value(value, path):
    if not isinstance(value, dict) or len(value) != 1:
        raise _ShapeError(path, f"not a DynamoDB JSON value; write it as {_suggest(value)}.")
    (kind, inner), = value.items()
    if kind not in ATTRIBUTE_TYPES:
        if not _did_you_mean(kind, ATTRIBUTE_TYPES):
            raise _ShapeError(path, f"not a DynamoDB JSON value: {kind!r} is not a type; write the value "
                              f'as {_suggest(inner)}, or a map as {{"M": {{...}}}}.')
        raise _ShapeError(path + [kind], f"unknown type {kind!r}{_did_you_mean(kind, ATTRIBUTE_TYPES)}; "
                          f"use one of {', '.join(ATTRIBUTE_TYPES)}.")
    where = path + [kind]
    if kind == "S":
        _expect(isinstance(inner, str), where, f'"S" holds a string, like {{"S": "text"}}, not {_json(inner)}.')
        return len(inner.encode("utf-8", "surrogatepass"))
    if kind == "N":
        return _check_number(inner, where)
    if kind == "B":
        return _check_base64(inner, where)
    if kind == "BOOL":
        _expect(isinstance(inner, bool), where, f'"BOOL" holds true or false, not {_json(inner)}.')
        return 1
    if kind == "NULL":
        _expect(inner is True, where, f'"NULL" must be true: {{"NULL": true}}, not {_json(inner)}.')
        return 1
    if kind == "M":
        _expect(isinstance(inner, dict), where, '"M" holds an object of name -> DynamoDB JSON value.')
        return 3 + sum(_check_attribute(k, v, where + [k]) + 1 for k, v in inner.items())
    if kind == "L":
        _expect(isinstance(inner, list), where, '"L" holds a list of DynamoDB JSON values.')
        return 3 + sum(_check_value(v, where + [i]) + 1 for i, v in enumerate(inner))
    _expect(isinstance(inner, list) and inner, where, f'"{kind}" holds a non-empty list.')
    element = {"SS": "S", "NS": "N", "BS": "B"}[kind]
    sizes, seen = 0, set()
    for index, member in enumerate(inner):
        sizes += _check_set_member(element, member, where + [index])
        canonical = Decimal(member) if element == "N" else member
        if canonical in seen:
            raise _ShapeError(where + [index], f"{_json(member)} appears twice; a set holds each value once.")
        seen.add(canonical)
    return sizes


def _check_set_member(element, member, path):
    if element == "S":
        _expect(isinstance(member, str), path, f"a string set holds strings, not {_json(member)}.")
        return len(member.encode("utf-8", "surrogatepass"))
    if element == "N":
        return _check_number(member, path)
    return _check_base64(member, path)


def _expect(condition, path, message):
    if not condition:
        raise _ShapeError(path, message)


def _json(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 30 else text[:27] + "..."


def _check_number(text, path):
    if not isinstance(text, str):
        raise _ShapeError(path, f"numbers are strings in DynamoDB JSON: write {{\"N\": \"{_json(text)}\"}}.")
    if not _NUMBER_RE.match(text):
        raise _ShapeError(path, f"{_json(text)} is not a number.")
    number = Decimal(text)
    digits = list(number.as_tuple().digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
    while len(digits) > 1 and digits[0] == 0:
        digits.pop(0)
    if len(digits) > 38:
        raise _ShapeError(path, f"{_json(text)} has more than 38 significant digits.")
    if number and not -130 <= number.adjusted() <= 125:
        raise _ShapeError(path, f"{_json(text)} is outside DynamoDB's range (1E-130 to 9.9E+125).")
    return len(digits) // 2 + 2


def _check_base64(text, path):
    try:
        if not isinstance(text, str):
            raise binascii.Error
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise _ShapeError(path, f"binary values are base64 text, like {{\"B\": \"aGk=\"}}, not {_json(text)}.")


def _located(path, text, json_path, message):
    position = _position(text, json_path)
    where = f"{display_path(path)}:{position[0]}:{position[1]}" if position else display_path(path)
    return f"{where}: {_dotted(json_path)}: {message}"


def _position(text, json_path):
    """(line, column) of the value at ``json_path`` in JSON ``text``, or of its key in an object."""
    decoder = json.JSONDecoder()
    skip = _WHITESPACE_RE.match
    try:
        index = skip(text).end()
        for step in json_path:
            if isinstance(step, int):
                index = skip(text, index + 1).end()
                for _ in range(step):
                    index = skip(text, decoder.raw_decode(text, index)[1]).end() + 1
                    index = skip(text, index).end()
            else:
                found = None
                index = skip(text, index + 1).end()
                while text[index] == '"':
                    key_start = index
                    key, index = json.decoder.scanstring(text, index + 1)
                    index = skip(text, skip(text, index).end() + 1).end()
                    if key == step:
                        # Of repeated keys the last one counts, as in json.loads.
                        found = (key_start, index)
                    index = skip(text, decoder.raw_decode(text, index)[1]).end()
                    if text[index] == ",":
                        index = skip(text, index + 1).end()
                key_start, index = found
        else:
            offset = key_start if json_path and isinstance(json_path[-1], str) else index
    except (IndexError, TypeError, ValueError):
        return None
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# ---- tables ----------------------------------------------------------------


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


def delete_table(dynamodb, table_name, timeout=60.0):
    """Delete the table if it exists and wait until it is gone; True when there was one."""
    try:
        dynamodb.delete_table(TableName=table_name)
    except dynamodb.exceptions.ResourceNotFoundException:
        return False
    deadline = time.monotonic() + timeout
    while table_exists(dynamodb, table_name):
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table_name} is still being deleted after {timeout:.0f} s")
        time.sleep(0.05)
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
            done = written + len(requests[start:start + BATCH_SIZE]) - left
            raise UnprocessedItemsError(
                f"{left} items were still unprocessed after {max_attempts} attempts", done)
        written += len(requests[start:start + BATCH_SIZE])
    return written


def key_names(dynamodb, table_name):
    """The table's key attribute names, partition key first."""
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    return [k["AttributeName"] for k in sorted(table["KeySchema"], key=lambda k: k["KeyType"] != "HASH")]


def scan_items(dynamodb, table_name):
    """Every item of the table in DynamoDB JSON, following the scan's pages."""
    kwargs = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _natural(text):
    # "L9" before "L10", as a person would sort ids.
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def _sort_value(value):
    (kind, inner), = value.items()
    if kind == "N":
        return (0, Decimal(inner), [])
    if kind == "S":
        return (1, 0, _natural(inner))
    return (2, 0, [(1, 0, repr(inner))])


def sorted_items(items, keys):
    """Items in key order (numbers by value, text naturally)."""
    return sorted(items, key=lambda item: [_sort_value(item[k]) if k in item else (3, 0, []) for k in keys])


def columns(items, keys):
    """Attribute names present in ``items``: the key, the todo fields in order, then the rest sorted."""
    present = {name for item in items for name in item}
    first = [name for name in [*keys, *FIELD_ORDER] if name in present]
    return first + sorted(present - set(first))


def to_document(table_name, items, keys):
    """A ``batch-write-item`` document that puts ``items`` (as returned by boto3) into ``table_name``."""
    ordered = sorted_items(items, keys)
    return {table_name: [
        {"PutRequest": {"Item": {name: _map_binary(item[name], _base64_text) for name in columns([item], keys)}}}
        for item in ordered
    ]}


def dump_document(document):
    """The text of a data file: UTF-8 JSON indented like db/initial-data.json."""
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def plain(value):
    """A DynamoDB JSON value as plain JSON: numbers as numbers, sets as lists, binary as base64."""
    (kind, inner), = value.items()
    if kind == "N":
        return _plain_number(inner)
    if kind == "NS":
        return [_plain_number(v) for v in inner]
    if kind == "B":
        return _base64_text(inner)
    if kind == "BS":
        return [_base64_text(v) for v in inner]
    if kind == "M":
        return {k: plain(inner[k]) for k in sorted(inner)}
    if kind == "L":
        return [plain(v) for v in inner]
    if kind == "NULL":
        return None
    return inner


def _plain_number(text):
    number = Decimal(text)
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    # Floats that would not print back as the stored digits stay text.
    return as_float if Decimal(repr(as_float)) == number else text
