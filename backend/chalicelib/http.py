"""The request and answer rules: body parsing, media types, the query and ``If-Match``, ETags, JSON, security headers.

What arrives over HTTP is read here into plain values (or refused with the
error that says why); what goes back is written here. Nothing here knows
Chalice, so every rule can be tested on its own.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from chalicelib.errors import PayloadTooLarge, UnsupportedMediaType, ValidationError, quoted
from chalicelib.todos import IfMatch, version_of

BODY_MAX_BYTES = 64 * 1024
# A todo is a flat object; anything nested deeper than this is not a todo and
# would only cost the parser work.
JSON_DEPTH_MAX = 32
# Digits of a JSON integer worth converting: far more than any field needs,
# far less than Python's own 4300-digit limit.
INTEGER_DIGITS_MAX = 20
IF_MATCH_TAGS_MAX = 20
# The most todos one page may hold, whatever ``limit`` asks for.
LIMIT_MAX = 1000
# Longer than any cursor the API issues (an id of ID_MAX_BYTES, base64), so
# nothing larger is decoded at all.
CURSOR_MAX_CHARS = 4096
MALFORMED_CURSOR = "cursor is malformed; use the Link header of the previous page."
# On every answer: no content sniffing, and nothing kept in a cache.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


# One encoder for every answer: json.dumps given any option builds a new one each call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json(value: object) -> str:
    """The API's JSON: text as UTF-8 rather than \\u escapes, so it reads as it was written."""
    return _ENCODER.encode(value)


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
    """Decode a request body into a dict, or raise the error that says what is wrong with it."""
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


def _entity_tags(header: str, name: str) -> list[tuple[bool, str]]:
    """The (weak, opaque) entity tags of a list header such as ``If-Match``; a 400 naming ``name`` if malformed."""
    malformed = f'{name} must be "*" or a list of entity tags such as "3" (with the quotes).'
    tags: list[tuple[bool, str]] = []
    position = 0
    while True:
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            raise ValidationError(malformed)
        if len(tags) == IF_MATCH_TAGS_MAX:
            raise ValidationError(f"{name} names more than {IF_MATCH_TAGS_MAX} entity tags.")
        weak, opaque, separator = match.groups()
        tags.append((bool(weak), opaque))
        position = match.end()
        if not separator:
            if position != len(header):
                raise ValidationError(malformed)
            return tags


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
    tags = _entity_tags(header, "If-Match")
    return frozenset(int(opaque) for weak, opaque in tags if not weak and _VERSION_TAG.fullmatch(opaque))


def is_create_only(header: str | None) -> bool:
    """Whether a PUT's ``If-None-Match`` makes it a create (``*``); None means no header; any other value is a 400."""
    if header is None:
        return False
    if header.strip() != "*":
        raise ValidationError('If-None-Match on a PUT must be "*" (create the todo only if its id is new).')
    return True


def none_match(header: str | None, current: str) -> bool:
    """Whether a GET's ``If-None-Match`` names ``current`` (or is ``*``): then the answer is 304.

    Tags compare weakly, as RFC 9110 says for If-None-Match: ``W/"x"`` names ``"x"``.
    """
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(f'"{opaque}"' == current for _, opaque in _entity_tags(header, "If-None-Match"))


def list_etag(items: list[Any], link: str | None) -> str:
    """The strong entity tag of a list page: a digest of exactly its items (as answered) and its ``Link``."""
    digest = hashlib.sha256(to_json([items, link]).encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


def etag(todo: Mapping[str, Any]) -> str:
    """The strong entity tag of a todo: its version in quotes."""
    return f'"{version_of(todo)}"'
