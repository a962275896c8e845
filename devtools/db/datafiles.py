"""The project's JSON files: read, checked and converted, in the aws CLI's own formats.

``db/schema.json`` is a ``create-table --cli-input-json`` file and ``db/initial-data.json`` a
``batch-write-item --request-items`` file. Files are always read as UTF-8, whatever the locale says; a
problem is one ``DataFileError`` located as file:line:column, with the JSON path and the fix. A data file
is checked whole before anything is written, so a typo at item 40 cannot leave a table half loaded.
"""

import base64
import contextlib
import dataclasses
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from chalicelib.settings import DEFAULT_TABLE
from chalicelib.todos import FIELDS
from devtools.files import DataFileError, line_column, read_text
from devtools.settings import ROOT

SCHEMA_PATH = ROOT / "db" / "schema.json"
SEED_PATH = ROOT / "db" / "initial-data.json"
TABLE_NAME = DEFAULT_TABLE
MAX_ITEM_BYTES = 400 * 1024

ATTRIBUTE_TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
# The types whose value is right when it is of one JSON type.
_HOLDS = {
    "S": (str, 'holds a string, like {"S": "text"}'),
    "BOOL": (bool, "holds true or false"),
    "M": (dict, "holds an object of name -> DynamoDB JSON value"),
    "L": (list, "holds a list of DynamoDB JSON values"),
}
REQUEST_TYPES = {"PutRequest": "Item", "DeleteRequest": "Key"}
_TABLE_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{3,255}\Z")
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_WHITESPACE_RE = re.compile(r"[ \t\n\r]*")
_JSON_HINTS = {
    "Expecting property name": "JSON allows no trailing comma, comment or single-quoted name.",
    "Expecting ',' delimiter": "A comma is missing between two items (or a quote is not closed).",
    "Expecting value": "A value is missing, or there is a trailing comma before ] or }.",
}

JsonPath = Sequence[str | int]
Item = dict[str, Any]
Requests = list[dict[str, Any]]


@dataclasses.dataclass
class _ShapeError(Exception):
    """A value at ``path`` (keys and indexes from the document's root) breaks a rule."""

    path: JsonPath
    message: str


def read_json(path: str | Path) -> Any:
    """Parse a JSON file as UTF-8; errors name the file, the line and column, and the fix."""
    text = read_text(path)
    if text.startswith("\ufeff"):
        # The aws CLI and Chalice both refuse it, so a file that works here works there too.
        refused = "which the aws CLI and Chalice refuse in JSON; save it as UTF-8 without BOM."
        raise DataFileError(path, f"starts with a byte order mark, {refused}", 1, 1)
    if not text.strip():
        raise DataFileError(path, "the file is empty; it should hold a JSON object.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = next((h for start, h in _JSON_HINTS.items() if exc.msg.startswith(start)), "Fix the syntax there.")
        raise DataFileError(path, f"invalid JSON: {exc.msg}. {hint}", exc.lineno, exc.colno) from None


def load_schema(path: str | Path = SCHEMA_PATH, table_name: str | None = None) -> dict[str, Any]:
    """The ``create-table`` arguments from a schema file, as CreateTable would accept them."""
    schema = read_json(path)
    if not isinstance(schema, dict) or "TableName" not in schema or "KeySchema" not in schema:
        raise DataFileError(path, "not a create-table file (it needs TableName and KeySchema).")
    if table_name:
        schema = {**schema, "TableName": table_name}
    try:
        validate_parameters(schema, _create_table_input())
    except ParamValidationError as exc:
        problems = "; ".join(line.strip() for line in exc.kwargs["report"].splitlines() if line.strip())
        raise DataFileError(path, f"not accepted by CreateTable: {problems}") from None
    defined = {d["AttributeName"] for d in schema.get("AttributeDefinitions", [])}
    missing = [k["AttributeName"] for k in schema["KeySchema"] if k["AttributeName"] not in defined]
    if missing:
        raise DataFileError(path, f"the key attribute {missing[0]!r} needs an entry in AttributeDefinitions.")
    return schema


@functools.cache
def _create_table_input() -> Any:
    return botocore.session.get_session().get_service_model("dynamodb").operation_model("CreateTable").input_shape


# ---- batch-write-item files ------------------------------------------------


@contextlib.contextmanager
def _located(path: str | Path | None) -> Iterator[None]:
    """A shape error raised inside becomes a DataFileError at its place in the file ``path``."""
    try:
        yield
    except _ShapeError as exc:
        line_column = _position(read_text(path), exc.path) if path else (0, 0)
        raise DataFileError(path, f"{_dotted(exc.path)}: {exc.message}", *line_column) from None


def read_requests(path: str | Path) -> dict[str, Requests]:
    """The requests of a ``batch-write-item`` file, checked whole: ``{table: [request, ...]}`` in DynamoDB JSON."""
    document = read_json(path)
    with _located(path):
        _check_document(document)
    return document  # type: ignore[no-any-return]


def check_keys(
    requests: Requests,
    table_name: str,
    key_schema: Sequence[Any],
    attribute_definitions: Sequence[Any],
    path: str | Path | None = None,
    at: str | None = None,
) -> None:
    """Check that each request carries the table's key once, of the right types; ``at`` names them in the file."""
    types = {d["AttributeName"]: d["AttributeType"] for d in attribute_definitions}
    key_names = key_order(key_schema)
    seen: dict[str, JsonPath] = {}
    with _located(path):
        for index, request in enumerate(requests):
            ((kind, body),) = request.items()
            ((field, attributes),) = body.items()
            where: list[str | int] = [at or table_name, index, kind, field]
            for name in key_names:
                if name not in attributes:
                    raise _ShapeError(where, f"the key attribute {name!r} of table {table_name} is missing.")
                ((given, value),) = attributes[name].items()
                if given != types[name]:
                    message = f"the key attribute {name!r} of table {table_name} has type {types[name]}, not {given}."
                    raise _ShapeError([*where, name], message)
                if value == "":
                    raise _ShapeError([*where, name, given], "a key attribute cannot be empty.")
            extra = sorted(set(attributes) - set(key_names))
            if kind == "DeleteRequest" and extra:
                message = f"a DeleteRequest Key holds only the key ({', '.join(key_names)}), not {extra[0]!r}."
                raise _ShapeError([*where, extra[0]], message)
            key = ", ".join(f"{name}={_json(next(iter(attributes[name].values())))}" for name in key_names)
            if key in seen:
                message = f"the key {key} was already written by {_dotted(seen[key])}; a key may appear once per table."
                raise _ShapeError(where, message)
            seen[key] = where[:2]


def with_owner(
    requests: Requests, key_schema: Sequence[Any], attribute_definitions: Sequence[Any], owner: str
) -> tuple[Requests, int]:
    """``requests`` whose items carry the table's sort key but not its partition key given ``owner`` as that key,
    and how many were: a file written for a table keyed by id alone, loaded into one keyed by owner and id.

    A table keyed by one attribute, or by a partition key that is not a string, gets the requests unchanged.
    """
    keys, types = key_order(key_schema), {d["AttributeName"]: d["AttributeType"] for d in attribute_definitions}
    if len(keys) != 2 or types.get(keys[0]) != "S":
        return requests, 0
    partition, sort = keys
    given: Requests = []
    count = 0
    for request in requests:
        ((kind, body),) = request.items()
        ((field, attributes),) = body.items()
        if partition not in attributes and sort in attributes:
            attributes, count = {partition: {"S": owner}, **attributes}, count + 1
        given.append({kind: {field: attributes}})
    return given, count


def key_order(key_schema: Iterable[Any]) -> list[str]:
    """The key attribute names of a ``KeySchema``, partition key first."""
    return [k["AttributeName"] for k in sorted(key_schema, key=lambda k: k["KeyType"] != "HASH")]


def to_boto(requests: Requests) -> Requests:
    """Requests from a file, with binary values decoded from base64 as boto3 wants them."""
    return [
        {kind: {field: {name: _map_binary(value, base64.b64decode) for name, value in attributes.items()}}}
        for request in requests
        for kind, body in request.items()
        for field, attributes in body.items()
    ]


def _map_binary(value: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    """``value`` with ``convert`` applied to every binary inside it (B, BS, and within M and L)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {kind: convert(inner)}
    if kind == "BS":
        return {kind: [convert(v) for v in inner]}
    if kind == "M":
        return {kind: {k: _map_binary(v, convert) for k, v in inner.items()}}
    if kind == "L":
        return {kind: [_map_binary(v, convert) for v in inner]}
    return value


def _base64_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _dotted(path: JsonPath) -> str:
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.removeprefix(".") or "the top level"


def _check_document(document: Any) -> None:
    if not isinstance(document, dict):
        example = '{"Todos": [{"PutRequest": {"Item": {...}}}]}'
        raise _ShapeError([], f"the top level must be an object of table name -> list of requests, like {example}.")
    if not document:
        raise _ShapeError([], "the file names no table.")
    for table, requests in document.items():
        if not _TABLE_NAME_RE.match(table):
            message = f"{table!r} is not a valid table name (3 to 255 letters, digits, '_', '-' or '.')."
            raise _ShapeError([table], message)
        if not isinstance(requests, list):
            raise _ShapeError([table], "a table's requests must be a JSON list.")
        for index, request in enumerate(requests):
            if not isinstance(request, dict) or len(request) != 1:
                example = '{"PutRequest": {"Item": {...}}} or {"DeleteRequest": {"Key": {...}}}'
                raise _ShapeError([table, index], f"a request must be an object with one key: {example}.")
            ((kind, body),) = request.items()
            where: list[str | int] = [table, index, kind]
            if kind not in REQUEST_TYPES:
                hint = _did_you_mean(kind, REQUEST_TYPES)
                raise _ShapeError(where, f"unknown request {kind!r}{hint}; use PutRequest or DeleteRequest.")
            field = REQUEST_TYPES[kind]
            if not isinstance(body, dict) or set(body) != {field}:
                raise _ShapeError(where, f'a {kind} holds exactly one key, {field}: {{"{field}": {{...}}}}.')
            where = [*where, field]
            if not isinstance(body[field], dict) or not body[field]:
                example = '{"id": {"S": "L5"}}'
                raise _ShapeError(where, f"{field} must be a non-empty object of attributes, like {example}.")
            size = _check_attributes(body[field], where)
            if size > MAX_ITEM_BYTES:
                raise _ShapeError(where, f"the item is about {size // 1024} KB; DynamoDB items are at most 400 KB.")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    close = close or [c for c in choices if c.lower() == word.lower()]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _suggest(value: Any) -> str:
    """The DynamoDB JSON a user probably meant for a plain JSON ``value``."""
    if isinstance(value, bool):
        return '{"BOOL": ' + json.dumps(value) + "}"
    if isinstance(value, int | float):
        return '{"N": "' + json.dumps(value) + '"}'
    if isinstance(value, str):
        return '{"S": ' + json.dumps(value[:20] + ("..." if len(value) > 20 else ""), ensure_ascii=False) + "}"
    if value is None:
        return '{"NULL": true}'
    return '{"L": [...]}' if isinstance(value, list) else '{"M": {...}}'


def _check_attributes(attributes: dict[str, Any], path: list[str | int]) -> int:
    """Check an object of name -> DynamoDB JSON value; returns its approximate size in bytes."""
    size = 0
    for name, value in attributes.items():
        if name == "":
            raise _ShapeError([*path, name], "attribute names cannot be empty.")
        size += len(name.encode("utf-8")) + _check_value(value, [*path, name])
    return size


def _check_value(value: Any, path: list[str | int]) -> int:
    if not isinstance(value, dict) or len(value) != 1:
        raise _ShapeError(path, f"not a DynamoDB JSON value; write it as {_suggest(value)}.")
    ((kind, inner),) = value.items()
    if kind in ATTRIBUTE_TYPES:
        return _check_typed(kind, inner, [*path, kind])
    hint = _did_you_mean(kind, ATTRIBUTE_TYPES)
    if hint:
        raise _ShapeError([*path, kind], f"unknown type {kind!r}{hint}; use one of {', '.join(ATTRIBUTE_TYPES)}.")
    message = f"not a DynamoDB JSON value: {kind!r} is not a type; write the value as {_suggest(inner)}"
    raise _ShapeError(path, message + ', or a map as {"M": {...}}.')


def _check_typed(kind: str, inner: Any, where: list[str | int]) -> int:
    """Check the ``inner`` value of type ``kind``; returns its approximate size in bytes."""
    if kind == "N":
        if not isinstance(inner, str):
            raise _ShapeError(where, f'numbers are strings in DynamoDB JSON: write {{"N": "{_json(inner)}"}}.')
        if not _NUMBER_RE.match(inner):
            raise _ShapeError(where, f"{_json(inner)} is not a number.")
        number = Decimal(inner)
        significant = "".join(map(str, number.as_tuple().digits)).strip("0")
        if len(significant) > 38:
            raise _ShapeError(where, f"{_json(inner)} has more than 38 significant digits.")
        if number and not -130 <= number.adjusted() <= 125:
            raise _ShapeError(where, f"{_json(inner)} is outside DynamoDB's range (1E-130 to 9.9E+125).")
        return len(significant) // 2 + 2
    if kind == "B":
        with contextlib.suppress(ValueError, TypeError):  # binascii.Error is a ValueError
            return len(base64.b64decode(inner, validate=True))
        raise _ShapeError(where, f'binary values are base64 text, like {{"B": "aGk="}}, not {_json(inner)}.')
    if kind == "NULL" and inner is not True:
        raise _ShapeError(where, f'"NULL" must be true: {{"NULL": true}}, not {_json(inner)}.')
    if kind in _HOLDS and not isinstance(inner, _HOLDS[kind][0]):
        raise _ShapeError(where, f'"{kind}" {_HOLDS[kind][1]}, not {_json(inner)}.')
    if kind == "S":
        return len(inner.encode("utf-8", "surrogatepass"))
    if kind == "M":
        return 3 + len(inner) + _check_attributes(inner, where)
    if kind == "L":
        return 3 + sum(_check_value(v, [*where, i]) + 1 for i, v in enumerate(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if not isinstance(inner, list) or not inner:
        raise _ShapeError(where, f'"{kind}" holds a non-empty list.')
    size, seen = 0, set()
    for index, member in enumerate(inner):
        size += _check_typed(kind[0], member, [*where, index])
        canonical = Decimal(member) if kind == "NS" else member
        if canonical in seen:
            raise _ShapeError([*where, index], f"{_json(member)} appears twice; a set holds each value once.")
        seen.add(canonical)
    return size


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 30 else text[:27] + "..."


def _position(text: str, json_path: JsonPath) -> tuple[int, int]:
    """(line, column) of the value at ``json_path`` in JSON ``text`` (of its key, in an object); (0, 0) if lost."""
    decoder = json.JSONDecoder()

    def skip(index: int) -> int:
        return _WHITESPACE_RE.match(text, index).end()  # type: ignore[union-attr]

    try:
        index = mark = skip(0)
        for step in json_path:
            found, member, index = None, 0, skip(index + 1)
            while text[index] not in "]}":
                start, name = index, member
                if isinstance(step, str):  # in an object, where each value follows its key
                    name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
                    index = skip(skip(index) + 1)
                if name == step:
                    found = start, index  # of repeated keys the last one counts, as in json.loads
                index = skip(decoder.raw_decode(text, index)[1])
                if text[index] == ",":
                    index = skip(index + 1)
                member += 1
            if found is None:
                return 0, 0
            mark, index = found
    except (IndexError, ValueError):
        return 0, 0
    return line_column(text, mark)


# ---- items as files and as text ---------------------------------------------


def _sort_key(value: dict[str, Any]) -> list[Any]:
    ((kind, inner),) = value.items()
    if kind == "N":
        return [Decimal(inner)]
    # Runs of text and of digits alternate, so "L9" comes before "L10", as a person would sort ids.
    parts = re.split(r"(\d+)", inner if kind == "S" else repr(inner))
    return [int(part) if index % 2 else part for index, part in enumerate(parts)]


def sorted_items(items: Iterable[Item], keys: Sequence[str]) -> list[Item]:
    """Items in key order (numbers by value, text naturally)."""
    return sorted(items, key=lambda item: [_sort_key(item[k]) for k in keys])


def columns(items: Iterable[Item], keys: Sequence[str]) -> list[str]:
    """Attribute names present in ``items``: the key, the todo fields in order, then the rest sorted."""
    present = {name for item in items for name in item}
    first = [name for name in dict.fromkeys([*keys, *FIELDS]) if name in present]
    return first + sorted(present - set(first))


def to_document(table_name: str, items: Iterable[Item], keys: Sequence[str]) -> dict[str, Requests]:
    """A ``batch-write-item`` document that puts ``items`` (as returned by boto3) into ``table_name``."""
    return {
        table_name: [
            {"PutRequest": {"Item": {name: _map_binary(item[name], _base64_text) for name in columns([item], keys)}}}
            for item in sorted_items(items, keys)
        ]
    }


def dump_document(document: Any) -> str:
    """The text of a data file: UTF-8 JSON indented like db/initial-data.json."""
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def plain(value: dict[str, Any]) -> Any:
    """A DynamoDB JSON value (as boto3 returns it) as plain JSON: numbers as numbers, sets as sorted lists."""
    ((kind, inner),) = value.items()
    if kind == "N":
        number = Decimal(inner)
        if number == number.to_integral_value():
            return int(number)
        # Floats that would not print back as the stored digits stay text.
        return float(number) if Decimal(repr(float(number))) == number else str(number)
    if kind in ("SS", "NS", "BS"):
        return [plain({kind[0]: v}) for v in sorted(inner, key=Decimal if kind == "NS" else None)]
    if kind == "M":
        return {k: plain(v) for k, v in inner.items()}
    if kind == "L":
        return [plain(v) for v in inner]
    if kind == "B":
        return _base64_text(inner)
    return None if kind == "NULL" else inner
