"""Talking to the API: URLs, ``Link`` and ``If-Match`` headers, and API errors turned into messages."""

from todoui import model, texts

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

# What the page does with a failure.
INVALID = "invalid"  # the form's data: shown next to the form, the dialog stays open
MISSING = "missing"  # the todo is gone
STALE = "stale"  # someone else changed the todo: reload it
UNAVAILABLE = "unavailable"  # network down, or 503: a banner; nothing typed is lost
UNAUTHORIZED = "unauthorized"  # no valid token: sign in again; nothing typed is lost
UNEXPECTED = "unexpected"


def collection_url(api_url):
    """``.../todos`` under the API's base URL, with or without its trailing slash."""
    base = api_url if api_url.endswith("/") else api_url + "/"
    return base + "todos"


def item_url(api_url, todo_id):
    """The URL of one todo; the id is percent-encoded as one path segment."""
    return collection_url(api_url) + "/" + quote_segment(todo_id)


def _utf8(point):
    if point < 0x80:
        return [point]
    if point < 0x800:
        return [0xC0 + point // 64, 0x80 + point % 64]
    if point < 0x10000:
        return [0xE0 + point // 4096, 0x80 + (point // 64) % 64, 0x80 + point % 64]
    return [0xF0 + point // 262144, 0x80 + (point // 4096) % 64, 0x80 + (point // 64) % 64, 0x80 + point % 64]


def quote_segment(text):
    """Percent-encode ``text`` as UTF-8 for one URL path segment (like ``encodeURIComponent``)."""
    parts = []
    for point in model.code_points(text):
        if point < 128 and UNRESERVED.find(chr(point)) >= 0:
            parts.append(chr(point))
        else:
            for byte in _utf8(point):
                parts.append("%" + model.HEX[byte // 16] + model.HEX[byte % 16])
    return "".join(parts)


def _split_outside(text, separator):
    """Split on ``separator`` where it is not inside ``<...>`` or a quoted string."""
    parts = []
    current = ""
    in_uri = False
    in_quotes = False
    escaped = False
    for index in range(len(text)):
        char = text[index]
        if escaped:
            escaped = False
        elif in_quotes:
            if char == "\\":
                escaped = True
            elif char == '"':
                in_quotes = False
        elif in_uri:
            if char == ">":
                in_uri = False
        elif char == "<":
            in_uri = True
        elif char == '"':
            in_quotes = True
        elif char == separator:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        inner = value[1 : len(value) - 1]
        result = ""
        index = 0
        while index < len(inner):
            if inner[index] == "\\" and index + 1 < len(inner):
                index += 1
            result += inner[index]
            index += 1
        return result
    return value


def link_targets(header, relation):
    """The URI references in an RFC 8288 ``Link`` header whose ``rel`` includes ``relation``."""
    targets = []
    if header is None or not isinstance(header, str):
        return targets
    for link_value in _split_outside(header, ","):
        pieces = _split_outside(link_value, ";")
        target = pieces[0].strip()
        if not (target.startswith("<") and target.endswith(">")):
            continue
        for parameter in pieces[1:]:
            name_value = parameter.split("=")
            if len(name_value) < 2 or name_value[0].strip().lower() != "rel":
                continue
            relations = _unquote("=".join(name_value[1:])).lower().split(" ")
            if relation.lower() in relations:
                targets.append(target[1 : len(target) - 1].strip())
                break
    return targets


def next_link(header):
    """The ``rel="next"`` URI reference of a ``Link`` header, or None when there is no next page."""
    targets = link_targets(header, "next")
    return targets[0] if len(targets) > 0 else None


def _origin_and_path(url):
    """``("http://host:port", "/path?query")`` of an absolute URL."""
    scheme_end = url.find("://")
    path_start = url.find("/", scheme_end + 3)
    if path_start < 0:
        return url, "/"
    return url[:path_start], url[path_start:]


def resolve(base, reference):
    """``reference`` made absolute against the absolute URL ``base`` (what a ``Link`` target means)."""
    reference = reference.strip()
    scheme = reference.find("://")
    if scheme > 0 and reference[:scheme].find("/") < 0 and reference[:scheme].find("?") < 0:
        return reference
    origin, path = _origin_and_path(base)
    if reference.startswith("//"):
        return origin[: origin.find("//")] + reference
    if reference.startswith("/"):
        return origin + reference
    for mark in ["#", "?"]:
        cut = path.find(mark)
        if cut >= 0:
            path = path[:cut]
    if reference.startswith("?"):
        return origin + path + reference
    return origin + path[: path.rfind("/") + 1] + reference


def version_tag(todo):
    """The ``If-Match`` value that names the version of ``todo`` the page has (seeded items are version 0)."""
    version = todo.get("version")
    if version is True or version is False or not isinstance(version, int):
        version = 0
    return '"' + str(version) + '"'


def api_message(body):
    """The API's ``Message`` without its ``"Code: "`` prefix, or "" when the body has none."""
    if not model.is_record(body):
        return ""
    message = body.get("Message")
    if not isinstance(message, str):
        return ""
    code = body.get("Code")
    if isinstance(code, str) and message.startswith(code + ": "):
        return message[len(code) + 2 :]
    return message


def field_named(message):
    """The form field an API message is about ("title", "memo" or "priority"), or None."""
    for name in model.FIELDS:
        if message.startswith(name + " "):
            return name
    return None


# Words in the API's refusals of a field, and the rule each names.
_RULE_WORDS = [
    ["at most", "long"],
    ["non-whitespace", "blank"],
    ["visible", "blank"],
    ["blank", "blank"],
    ["control", "characters"],
    ["bidirectional", "characters"],
    ["override", "characters"],
    ["isolate", "characters"],
    ["surrogate", "characters"],
]


def refusal_text(message):
    """The API's refusal of a field the page knows, in Japanese; None when the message names no such field.

    The rule the message names when the page recognises it, else all of the field's rules.
    """
    field = None
    for name in texts.FIELD_NAMES.keys():  # noqa: SIM118 (Transcrypt's dicts are iterated through keys())
        if message.startswith(name + " "):
            field = name
    if field is None:
        return None
    rule = None
    lowered = message.lower()
    for pair in _RULE_WORDS:
        if rule is None and lowered.find(pair[0]) >= 0:
            rule = pair[1]
    if field == "title" and rule == "blank":
        return texts.ENTER_TITLE
    if field == "title" and rule == "long":
        return texts.fill(texts.TITLE_TOO_LONG, [model.TITLE_MAX])
    if field == "memo" and rule == "long":
        return texts.fill(texts.MEMO_TOO_LONG, [model.MEMO_MAX])
    if (field == "title" or field == "memo") and rule == "characters":
        return texts.fill(texts.BAD_CHARACTERS, [texts.FIELD_NAMES[field]])
    return model.rule_text(field)


def retry_seconds(value):
    """Seconds from a ``Retry-After`` header given in seconds, else None."""
    if value is None or not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) == 0 or len(value) > 6:
        return None
    for index in range(len(value)):
        if "0123456789".find(value[index]) < 0:
            return None
    return int(value)


def _failure(kind, text, field=None, detail=""):
    return {"kind": kind, "text": text, "field": field, "detail": detail}


def describe_failure(status, body, retry_after=None):
    """``{"kind", "text", "field", "detail"}`` for an answer that is not a success; status None: nothing answered.

    ``text`` is Japanese. ``field`` names the form field a 400 is about, when
    the API's message says. ``detail``: the API's own message, in English,
    when the page has no words for it (else "").
    """
    if status is None:
        return _failure(UNAVAILABLE, texts.NETWORK)
    message = api_message(body)
    if status == 400 or status == 413 or status == 415:
        text = refusal_text(message)
        if text is not None:
            return _failure(INVALID, text, field_named(message))
        if len(message) > 0:
            return _failure(INVALID, texts.INPUT_REFUSED, None, message)
        return _failure(INVALID, texts.fill(texts.INPUT_REFUSED_STATUS, [status]))
    if status == 401:
        return _failure(UNAUTHORIZED, texts.UNAUTHORIZED)
    if status == 404:
        return _failure(MISSING, texts.MISSING)
    if status == 412:
        return _failure(STALE, texts.STALE)
    if status == 503:
        seconds = retry_seconds(retry_after)
        wait = texts.WAIT_A_LITTLE if seconds is None else texts.fill(texts.WAIT_SECONDS, [seconds])
        return _failure(UNAVAILABLE, texts.fill(texts.UNAVAILABLE, [wait]))
    return _failure(UNEXPECTED, texts.fill(texts.UNEXPECTED, [status]))
