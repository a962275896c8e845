"""The todo domain: fields, validation rules and domain errors.

Plain Python only (no boto3, no Chalice), so every rule here can be tested
without AWS and reused by any client that imports it.
"""
import json
import re
import uuid
from datetime import datetime, timezone

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

# Every field a todo can have, in the order they are shown.
FIELDS = ("id", "title", "memo", "priority", "completed", "createdAt", "updatedAt", "version")
# The fields a client may write; the rest are set by the server.
WRITABLE = ("title", "memo", "priority", "completed")
REQUIRED_ON_CREATE = ("title", "memo", "priority")


class TodoError(Exception):
    """Base class of the errors the API turns into 4xx/503 answers."""


class ValidationError(TodoError):
    """The request is malformed or breaks a field rule (400)."""


class NotFound(TodoError):
    """No todo with that id (404)."""


def not_found(todo_id):
    """The NotFound error for ``todo_id``, quoting at most its first 64 characters."""
    shown = todo_id if len(todo_id) <= 64 else todo_id[:64] + "..."
    return NotFound(f"no todo with id {shown!r}.")


class PreconditionFailed(TodoError):
    """``If-Match`` named a version that is no longer current (412)."""


class PayloadTooLarge(TodoError):
    """The request body is over ``BODY_MAX_BYTES`` (413)."""


class Unavailable(TodoError):
    """The database cannot be reached or keeps throttling (503)."""

    def __init__(self, message, retry_after=1):
        super().__init__(message)
        self.retry_after = retry_after


def new_id():
    """A fresh todo id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def now():
    """The current time as an RFC 3339 UTC timestamp with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_storable_id(todo_id):
    """Whether DynamoDB could hold ``todo_id`` as a key at all."""
    if not isinstance(todo_id, str) or not todo_id:
        return False
    try:
        return len(todo_id.encode("utf-8")) <= ID_MAX_BYTES
    except UnicodeEncodeError:
        return False


def parse_body(raw):
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
    if _nesting_depth(text) > JSON_DEPTH_MAX:
        raise ValidationError(f"the JSON body is nested deeper than {JSON_DEPTH_MAX} levels.")
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ValidationError(f"the request body is not valid JSON ({_json_error_summary(exc)}).") from None
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object.")
    _reject_lone_surrogates(body)
    return body


def _reject_constant(name):
    # json.loads accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not a JSON value")


def _json_error_summary(exc):
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nesting_depth(text):
    """The deepest bracket nesting in ``text``, ignoring brackets inside strings."""
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _reject_lone_surrogates(value, where="body"):
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


# White space as JSON Schema's "\S" (ECMAScript) and the browser's trim() see it,
# so the API, its OpenAPI document and the UI agree; Python's str.isspace()
# would also count the control characters U+001C to U+001F.
_NOT_WHITESPACE = re.compile("[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")


def _check_title(value):
    if not isinstance(value, str):
        raise ValidationError("title must be a string.")
    if not _NOT_WHITESPACE.search(value):
        raise ValidationError("title must contain at least one non-whitespace character.")
    if len(value) > TITLE_MAX:
        raise ValidationError(f"title must be at most {TITLE_MAX} characters long.")


def _check_memo(value):
    if not isinstance(value, str):
        raise ValidationError("memo must be a string.")
    if len(value) > MEMO_MAX:
        raise ValidationError(f"memo must be at most {MEMO_MAX} characters long.")


def _check_priority(value):
    # bool is a subclass of int in Python, and JSON true must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"priority must be an integer from {PRIORITY_MIN} to {PRIORITY_MAX}.")
    if not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise ValidationError(f"priority must be an integer from {PRIORITY_MIN} to {PRIORITY_MAX}.")


def _check_completed(value):
    if not isinstance(value, bool):
        raise ValidationError("completed must be true or false.")


_CHECKS = {
    "title": _check_title,
    "memo": _check_memo,
    "priority": _check_priority,
    "completed": _check_completed,
}


def validate_new(body):
    """The fields of a todo to create, from a parsed request body.

    Unknown and read-only fields are dropped; ``completed`` defaults to false.
    """
    for name in REQUIRED_ON_CREATE:
        if name not in body:
            raise ValidationError(f"{name} is required.")
    fields = validate_changes(body, require_any=False)
    fields.setdefault("completed", False)
    return fields


def validate_changes(body, require_any=True):
    """The fields a partial update may change, from a parsed request body."""
    fields = {}
    for name in WRITABLE:
        if name in body:
            _CHECKS[name](body[name])
            fields[name] = body[name]
    if require_any and not fields:
        raise ValidationError("nothing to update: give at least one of " + ", ".join(WRITABLE) + ".")
    return fields


def parse_list_query(params):
    """``completed`` (bool or None), ``limit`` (int or None) and ``cursor`` from a query."""
    params = params or {}
    completed = params.get("completed")
    if completed is not None:
        if completed not in ("true", "false"):
            raise ValidationError("completed must be true or false.")
        completed = completed == "true"
    limit = params.get("limit")
    if limit is not None:
        if not re.fullmatch(r"[0-9]{1,5}", limit) or not 1 <= int(limit) <= LIMIT_MAX:
            raise ValidationError(f"limit must be an integer from 1 to {LIMIT_MAX}.")
        limit = int(limit)
    cursor = params.get("cursor")
    if cursor is not None and cursor == "":
        raise ValidationError("cursor must not be empty.")
    return completed, limit, cursor


def parse_if_match(header):
    """The versions an ``If-Match`` header accepts: None for no header, ``"*"`` for any.

    Weak tags never match (RFC 9110 uses strong comparison for If-Match), and
    a tag that is not one of ours matches nothing, so the write is refused.
    """
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return "*"
    versions = set()
    for tag in header.split(","):
        match = re.fullmatch(r'"([0-9]{1,15})"', tag.strip())
        if match:
            versions.add(int(match.group(1)))
    if len(versions) > 20:
        raise ValidationError("If-Match names more than 20 entity tags.")
    return frozenset(versions)


def etag(todo):
    """The strong entity tag of a todo: its version in quotes."""
    return f'"{todo.get("version", 0)}"'
