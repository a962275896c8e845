"""The todo domain: fields, validation rules and domain errors.

Plain Python only (no boto3, no Chalice), so every rule here can be tested
without AWS and reused by any client that imports it.
"""

import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, ClassVar, Literal, Protocol

TITLE_MAX = 200
MEMO_MAX = 2000
PRIORITY_MIN, PRIORITY_MAX = 1, 5
LIMIT_MAX = 1000
BODY_MAX_BYTES = 64 * 1024
# A todo is a flat object; anything nested deeper than this is not a todo and
# would only cost the parser work.
JSON_DEPTH_MAX = 32
# DynamoDB refuses string keys that are empty or longer than 2048 UTF-8 bytes.
ID_MAX_BYTES = 2048
IF_MATCH_TAGS_MAX = 20
# Longer than any cursor the API issues (an id of ID_MAX_BYTES, base64), so
# nothing larger is decoded at all.
CURSOR_MAX_CHARS = 4096
MALFORMED_CURSOR = "cursor is malformed; use the Link header of the previous page."
# Lambda answers at most 6 MB, and the body travels JSON-escaped inside its
# answer; a page is cut before its body can grow past this there.
PAGE_MAX_BYTES = 5 * 1024 * 1024
# Digits of a JSON integer worth converting: far more than any field needs,
# far less than Python's own 4300-digit limit.
INTEGER_DIGITS_MAX = 20

# Every field a todo can have, in the order they are shown.
FIELDS = ("id", "title", "memo", "priority", "completed", "createdAt", "updatedAt", "version")
# The fields a client may write; the rest are set by the server.
WRITABLE = ("title", "memo", "priority", "completed")
REQUIRED_ON_CREATE = ("title", "memo", "priority")

Todo = dict[str, Any]
# What If-Match accepts: None (no header), "*" (any version), or the versions its tags name.
IfMatch = frozenset[int] | Literal["*"] | None


class TodoError(Exception):
    """Base class of the errors the API answers with a 4xx or 503; each names its status and code."""

    STATUS: ClassVar[int] = 400
    CODE: ClassVar[str] = "BadRequestError"

    def headers(self) -> dict[str, str]:
        """Extra headers the answer carries."""
        return {}


class ValidationError(TodoError):
    """The request is malformed or breaks a field rule (400)."""


class Unauthorized(TodoError):
    """No valid token where one is required (401)."""

    STATUS = 401
    CODE = "UnauthorizedError"


class NotFound(TodoError):
    """No todo with that id for this caller (404)."""

    STATUS = 404
    CODE = "NotFoundError"


def quoted(text: str, limit: int = 64) -> str:
    """``text`` as a JSON string for a message, cut after ``limit`` characters."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return json.dumps(shown, ensure_ascii=False)


def not_found(todo_id: str) -> NotFound:
    """The NotFound error for ``todo_id``."""
    return NotFound(f"no todo with id {quoted(todo_id)}.")


class PreconditionFailed(TodoError):
    """``If-Match`` named a version that is no longer current (412)."""

    STATUS = 412
    CODE = "PreconditionFailed"


def precondition_failed(todo_id: str) -> PreconditionFailed:
    """The PreconditionFailed error for ``todo_id``."""
    return PreconditionFailed(f"todo {quoted(todo_id)} has changed since the version If-Match names; fetch it again.")


class PayloadTooLarge(TodoError):
    """The request body is over ``BODY_MAX_BYTES`` (413)."""

    STATUS = 413
    CODE = "RequestEntityTooLargeError"


class UnsupportedMediaType(TodoError):
    """The request body is not ``application/json`` (415)."""

    STATUS = 415
    CODE = "UnsupportedMediaType"


class Unavailable(TodoError):
    """The database or the identity provider cannot be reached or keeps throttling (503)."""

    STATUS = 503
    CODE = "ServiceUnavailable"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TodoRepository(Protocol):
    """Where todos are kept: every operation stays inside one owner's todos.

    Implemented by ``storage.DynamoTodoRepository`` and, for tests, by an
    in-memory fake that passes the same contract tests.
    """

    def get(self, owner: str, todo_id: str) -> Todo:
        """The todo; NotFound when the owner has none with that id."""
        ...

    def create(self, owner: str, fields: Mapping[str, Any]) -> Todo:
        """Store a new todo with a fresh id, timestamps and version 1; answers it."""
        ...

    def update(self, owner: str, todo_id: str, fields: Mapping[str, Any], if_match: IfMatch = None) -> Todo:
        """Change fields of an existing todo whose version ``if_match`` accepts; answers the whole todo."""
        ...

    def delete(self, owner: str, todo_id: str, if_match: IfMatch = None) -> Todo:
        """Delete an existing todo whose version ``if_match`` accepts; answers it as it was."""
        ...

    def list(
        self, owner: str, completed: bool | None = None, limit: int | None = None, cursor: str | None = None
    ) -> tuple[list[Todo], str | None]:
        """One page of the owner's todos in id order, and the next page's cursor (None at the end)."""
        ...


_last_id = 0
_id_lock = threading.Lock()


def new_id() -> str:
    """A fresh todo id: a UUIDv7 (RFC 9562) as 32 lowercase hex characters, so later ids sort later.

    Within one process ids also grow inside a millisecond: the random part
    of a new id never falls below the last one's (RFC 9562's method 3).
    """
    global _last_id
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | (random_bits >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | random_bits & (2**62 - 1)
    with _id_lock:
        if value <= _last_id:
            # Same millisecond (or a clock step back): count on from the last id, keeping the version bits.
            value = _last_id + 1
        _last_id = value
    return f"{value:032x}"


def now() -> str:
    """The current time as an RFC 3339 UTC timestamp with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_storable_id(todo_id: object) -> bool:
    """Whether DynamoDB could hold ``todo_id`` as a key at all."""
    if not isinstance(todo_id, str) or not todo_id:
        return False
    try:
        return len(todo_id.encode("utf-8")) <= ID_MAX_BYTES
    except UnicodeEncodeError:
        return False


def to_json(value: object) -> str:
    """The API's JSON: text as UTF-8 rather than \\u escapes, so it reads as it was written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def count_fitting(items: list[Todo], budget: int | None = None) -> int:
    """How many of ``items``, from the first, fit a page whose Lambda answer stays within ``budget`` bytes."""
    budget = PAGE_MAX_BYTES if budget is None else budget
    # JSON-escaping the body once more can make a character at most 12 bytes
    # (a surrogate pair as two \\uXXXX), so most pages need no closer look.
    if len(to_json(items)) * 12 <= budget:
        return len(items)
    total = 2
    for index, item in enumerate(items):
        total += len(json.dumps(to_json(item))) - 1
        if total > budget:
            return max(index, 1)
    return len(items)


def check_media_type(content_type: str | None) -> None:
    """Refuse a body whose media type is not exactly ``application/json`` (parameters allowed)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        shown = "no Content-Type" if content_type is None else f"Content-Type {quoted(content_type)}"
        raise UnsupportedMediaType(f"the request body must be application/json; got {shown}.")


class _TooManyDigits:
    """A JSON integer too long to be any field's value; the field's own rule then refuses it."""


def _parse_int(text: str) -> int | _TooManyDigits:
    return int(text) if len(text.lstrip("-")) <= INTEGER_DIGITS_MAX else _TooManyDigits()


def parse_body(raw: str | bytes | None) -> dict[str, Any]:
    """Decode a request body into a dict, or raise the matching domain error."""
    if raw is None:
        raw = b""
    if isinstance(raw, str):
        # A lone surrogate survives this step and then fails the strict decode below.
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > BODY_MAX_BYTES:
        raise PayloadTooLarge(f"the request body is larger than {BODY_MAX_BYTES} bytes.")
    if not raw.strip():
        raise ValidationError("a JSON object is required as the request body.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the request body is not valid UTF-8.") from None
    if nesting_depth(text) > JSON_DEPTH_MAX:
        raise ValidationError(f"the JSON body is nested deeper than {JSON_DEPTH_MAX} levels.")
    try:
        body = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except ValueError as exc:
        raise ValidationError(f"the request body is not valid JSON ({_json_error_summary(exc)}).") from None
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object.")
    _reject_lone_surrogates(body)
    return body


def _reject_constant(name: str) -> None:
    # json.loads accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not a JSON value")


def _json_error_summary(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "NaN and Infinity are not JSON values"


# A JSON string, or an unterminated one up to the end of the text: it cannot
# fail once its quote is seen, so each character is read once (a pattern that
# needs the closing quote rescans the rest of the text from every quote).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting in ``text``, ignoring brackets inside strings, in time linear in its length."""
    brackets = _NOT_BRACKETS.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _reject_lone_surrogates(value: object, where: str = "body") -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(f"{where} contains a lone surrogate, which is not valid Unicode.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_lone_surrogates(key, "a field name")
            _reject_lone_surrogates(item, key if where == "body" else where)
    elif isinstance(value, list):
        for item in value:
            _reject_lone_surrogates(item, where)


# Characters a title or memo may not hold at all: control characters (C0,
# DEL and C1) and the bidirectional overrides and isolates, which reorder how
# the text around them is shown. A memo keeps its tabs and line feeds.
CONTROLS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
MEMO_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
# What shows nothing on its own: white space as JSON Schema's "\s" (ECMAScript)
# and the browser's trim() see it, the format characters (less the prepended
# concatenation marks such as U+0600, which are drawn) and the other
# default-ignorable code points (soft hyphen, U+200B, U+2060, U+FEFF, Hangul
# fillers, variation selectors). A title needs one character outside this set.
# Only those of the Basic Multilingual Plane: schemathesis rewrites a pattern
# naming a code point above it into one its own validator refuses.
INVISIBLE = (
    "\t-\r \u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f"
    "\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
)
# The same rules as the OpenAPI document states them, in patterns ECMAScript and Python read alike.
TITLE_PATTERN = f"^[^{CONTROLS}]*[^{CONTROLS}{INVISIBLE}][^{CONTROLS}]*$"
MEMO_PATTERN = f"^[^{MEMO_CONTROLS}]*$"
# Compiled on first use, through re's own cache: a cold start that writes nothing never pays for them.
_TITLE_CONTROL = f"[{CONTROLS}]"
_MEMO_CONTROL = f"[{MEMO_CONTROLS}]"
_VISIBLE = f"[^{CONTROLS}{INVISIBLE}]"


def _refuse_controls(name: str, value: str, controls: str, allowed: str = "") -> None:
    found = re.search(controls, value)
    if found:
        raise ValidationError(
            f"{name} must not contain control characters{allowed} or bidirectional overrides and isolates; "
            f"it contains U+{ord(found.group()):04X} at position {found.start()}."
        )


def _check_title(value: object) -> object:
    if not isinstance(value, str):
        raise ValidationError("title must be a string.")
    if len(value) > TITLE_MAX:
        raise ValidationError(f"title must be at most {TITLE_MAX} characters long.")
    _refuse_controls("title", value, _TITLE_CONTROL)
    if not re.search(_VISIBLE, value):
        raise ValidationError(
            "title must contain at least one non-whitespace character. "
            "White space and invisible characters such as U+200B alone count as blank."
        )
    return value


def _check_memo(value: object) -> object:
    if not isinstance(value, str):
        raise ValidationError("memo must be a string.")
    if len(value) > MEMO_MAX:
        raise ValidationError(f"memo must be at most {MEMO_MAX} characters long.")
    _refuse_controls("memo", value, _MEMO_CONTROL, " (tab and line feed aside)")
    return value


# What an HTML <select> sends: the book's own client gives priority as "2".
_PRIORITY_TEXT = re.compile(f"[{PRIORITY_MIN}-{PRIORITY_MAX}]")


def _check_priority(value: object) -> int:
    # bool is a subclass of int in Python, and JSON true must not pass as 1.
    if isinstance(value, str) and _PRIORITY_TEXT.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and PRIORITY_MIN <= value <= PRIORITY_MAX:
        return value
    raise ValidationError(
        f"priority must be an integer from {PRIORITY_MIN} to {PRIORITY_MAX} "
        f'(or the same number as a string, "{PRIORITY_MIN}" to "{PRIORITY_MAX}").'
    )


def _check_completed(value: object) -> object:
    if not isinstance(value, bool):
        raise ValidationError("completed must be true or false.")
    return value


_CHECKS: dict[str, Callable[[object], object]] = {
    "title": _check_title,
    "memo": _check_memo,
    "priority": _check_priority,
    "completed": _check_completed,
}


def validate_new(body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a todo to create, from a parsed request body.

    Unknown and read-only fields are dropped; ``completed`` defaults to false.
    """
    for name in REQUIRED_ON_CREATE:
        if name not in body:
            raise ValidationError(f"{name} is required.")
    fields = validate_changes(body, require_any=False)
    fields.setdefault("completed", False)
    return fields


def validate_changes(body: Mapping[str, Any], require_any: bool = True) -> dict[str, Any]:
    """The fields a partial update may change, from a parsed request body, in their stored types."""
    fields = {name: _CHECKS[name](body[name]) for name in WRITABLE if name in body}
    if require_any and not fields:
        raise ValidationError("nothing to update: give at least one of " + ", ".join(WRITABLE) + ".")
    return fields


def parse_list_query(params: Mapping[str, str] | None) -> tuple[bool | None, int | None, str | None]:
    """``completed`` (bool or None), ``limit`` (int or None) and ``cursor`` from a query."""
    params = params or {}
    completed: bool | None = None
    if "completed" in params:
        if params["completed"] not in ("true", "false"):
            raise ValidationError("completed must be true or false.")
        completed = params["completed"] == "true"
    limit: int | None = None
    if "limit" in params:
        text = params["limit"]
        if not re.fullmatch(r"[0-9]{1,5}", text) or not 1 <= int(text) <= LIMIT_MAX:
            raise ValidationError(f"limit must be an integer from 1 to {LIMIT_MAX}.")
        limit = int(text)
    cursor = params.get("cursor")
    if cursor is not None and not 0 < len(cursor) <= CURSOR_MAX_CHARS:
        raise ValidationError(MALFORMED_CURSOR)
    return completed, limit, cursor


# RFC 9110 entity-tag: an optional W/ and an opaque tag of etagc characters in
# quotes, then a comma or the end (an opaque tag may itself hold commas).
# etagc (%x21 / %x23-7E / obs-text) as "anything but controls, space, DQUOTE and DEL": the same
# characters, and a class re compiles in 0.3 ms instead of 5 ms on every cold start.
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([^\x00-\x20"\x7f]*)"[ \t]*(,|$)')
_VERSION_TAG = re.compile(r"0|[1-9][0-9]{0,14}")
_MALFORMED_IF_MATCH = 'If-Match must be "*" or a list of entity tags such as "3" (with the quotes).'


def parse_if_match(header: str | None) -> IfMatch:
    """The versions an ``If-Match`` header accepts: None for no header, ``"*"`` for any.

    Tags compare as RFC 9110's strong comparison does, character by character,
    so ``"03"`` is not ``"3"``; weak tags never match. A header that is not a
    list of entity tags is a 400, not a 412.
    """
    if header is None:
        return None
    if header.strip() == "*":
        return "*"
    versions = set()
    position, count = 0, 0
    while True:
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            raise ValidationError(_MALFORMED_IF_MATCH)
        count += 1
        if count > IF_MATCH_TAGS_MAX:
            raise ValidationError(f"If-Match names more than {IF_MATCH_TAGS_MAX} entity tags.")
        weak, opaque, separator = match.groups()
        if not weak and _VERSION_TAG.fullmatch(opaque):
            versions.add(int(opaque))
        position = match.end()
        if not separator:
            if position != len(header):
                raise ValidationError(_MALFORMED_IF_MATCH)
            return frozenset(versions)


def etag(todo: Mapping[str, Any]) -> str:
    """The strong entity tag of a todo: its version in quotes."""
    return f'"{todo.get("version", 0)}"'
