"""The todo domain: fields, validation rules, ids, time, and the repository every store implements.

Plain Python only (no boto3, no Chalice), so every rule here can be tested
without AWS and reused by any client that imports it. How requests and
answers are read and written is ``http``'s; how lists are cut into pages,
``paging``'s; the errors and their statuses, ``errors``'.
"""

import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

from chalicelib.errors import ValidationError, quoted

TITLE_MAX = 200
MEMO_MAX = 2000
PRIORITY_MIN, PRIORITY_MAX = 1, 5
# DynamoDB refuses string keys that are empty or longer than 2048 UTF-8 bytes.
ID_MAX_BYTES = 2048

# Every field a todo can have, in the order they are shown.
FIELDS = ("id", "title", "memo", "priority", "completed", "due", "position", "createdAt", "updatedAt", "version")
# The fields a client may write; the rest are set by the server.
WRITABLE = ("title", "memo", "priority", "completed", "due", "position")
REQUIRED_ON_CREATE = ("title", "memo", "priority")
POSITION_MAX = 64
# A client-chosen id may be at most this far ahead of the server's clock.
CLIENT_ID_AHEAD_MAX_MS = 5 * 60 * 1000

Todo = dict[str, Any]
# What If-Match accepts: None (no header), "*" (any version), or the versions its tags name.
IfMatch = frozenset[int] | Literal["*"] | None
# The version of a todo written before versions existed (the seed's): it has no version field.
UNVERSIONED = 0


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

    def create_with_id(self, owner: str, todo_id: str, fields: Mapping[str, Any]) -> Todo:
        """Store a new todo under ``todo_id`` (timestamps now, version 1); PreconditionFailed if the id exists."""
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


# A UUIDv7 in the API's form: 48 bits of Unix milliseconds, version 7, 12 bits, variant 10, 62 bits.
_CLIENT_ID = re.compile(r"[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}")


def check_client_id(todo_id: str) -> str:
    """``todo_id`` if a client may create a todo under it: a UUIDv7 in the API's form, not from the future.

    An id made offline long ago is fine (it records when the todo was made);
    one more than ``CLIENT_ID_AHEAD_MAX_MS`` ahead of this clock is not.
    """
    if not _CLIENT_ID.fullmatch(todo_id):
        raise ValidationError(
            f"id {quoted(todo_id)} must be a UUIDv7 as 32 lowercase hex digits (version 7, variant 10) "
            "to create a todo under it."
        )
    if int(todo_id[:12], 16) > time.time_ns() // 1_000_000 + CLIENT_ID_AHEAD_MAX_MS:
        raise ValidationError(
            f"id {quoted(todo_id)} is timestamped more than {CLIENT_ID_AHEAD_MAX_MS // 60000} minutes "
            "ahead of the server's clock."
        )
    return todo_id


def new_todo(fields: Mapping[str, Any], todo_id: str | None = None) -> Todo:
    """A todo as it starts: ``todo_id`` (else a fresh id), ``fields``, both timestamps now and version 1.

    Known fields only; a cleared field (None) is left out.
    """
    stamp = now()
    fields = {name: value for name, value in fields.items() if value is not None}
    todo = {"id": todo_id or new_id(), **fields, "createdAt": stamp, "updatedAt": stamp, "version": 1}
    return {name: todo[name] for name in FIELDS if name in todo}


def version_of(todo: Mapping[str, Any]) -> int:
    """A todo's version; todos written before versions existed (the seed's) have none and are version 0."""
    version: int = todo.get("version", UNVERSIONED)
    return version


def versions_named(if_match: IfMatch) -> frozenset[int] | None:
    """The versions ``if_match`` accepts, or None when it accepts any (no header, or ``*``)."""
    return if_match if isinstance(if_match, frozenset) else None


def if_match_accepts(if_match: IfMatch, todo: Mapping[str, Any]) -> bool:
    """Whether a write that ``if_match`` conditions may change ``todo``."""
    versions = versions_named(if_match)
    return versions is None or version_of(todo) in versions


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
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        # httpie's `completed=true` sends the text; `completed:=true` sends JSON's boolean.
        word = value.strip().lower()
        raise ValidationError(
            f"completed must be true or false, a JSON boolean, not the string {quoted(value)}: "
            f'send {{"completed": {word}}} (with httpie: completed:={word}).'
        )
    if not isinstance(value, bool):
        raise ValidationError("completed must be true or false.")
    return value


def _clearable(check: Callable[[object], object]) -> Callable[[object], object]:
    """``check`` for a field that null clears: None passes as None."""
    return lambda value: None if value is None else check(value)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_PATTERN = f"^{_DATE.pattern}$"


def _check_due(value: object) -> object:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValidationError('due must be a date as "YYYY-MM-DD" (such as "2026-03-01") or null.')
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"due {quoted(value)} is not a real calendar date.") from None
    return value


# Digits and letters, never ending in "0": a key can then always be made between any two.
_POSITION = re.compile(f"[0-9A-Za-z]{{0,{POSITION_MAX - 1}}}[1-9A-Za-z]")
POSITION_PATTERN = f"^{_POSITION.pattern}$"


def _check_position(value: object) -> object:
    if not isinstance(value, str) or not _POSITION.fullmatch(value):
        raise ValidationError(
            f"position must be 1 to {POSITION_MAX} characters from 0-9, A-Z and a-z, not ending in 0, or null."
        )
    return value


_CHECKS: dict[str, Callable[[object], object]] = {
    "title": _check_title,
    "memo": _check_memo,
    "priority": _check_priority,
    "completed": _check_completed,
    "due": _clearable(_check_due),
    "position": _clearable(_check_position),
}


def validate_new(body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a todo to create, from a parsed request body.

    Unknown and read-only fields are dropped; ``completed`` defaults to false.
    """
    for name in REQUIRED_ON_CREATE:
        if name not in body:
            raise ValidationError(f"{name} is required.")
    fields = {name: value for name, value in validate_changes(body, require_any=False).items() if value is not None}
    fields.setdefault("completed", False)
    return fields


def validate_changes(body: Mapping[str, Any], require_any: bool = True) -> dict[str, Any]:
    """The fields a partial update may change, from a parsed request body, in their stored types.

    A cleared field (``due`` or ``position`` given as null) is None: the update removes it.
    """
    fields = {name: _CHECKS[name](body[name]) for name in WRITABLE if name in body}
    if require_any and not fields:
        raise ValidationError("nothing to update: give at least one of " + ", ".join(WRITABLE) + ".")
    return fields
