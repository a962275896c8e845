"""What every answer of the API must be, whoever sends it: the fuzzer, the load test or any test suite.

An answer carries the security headers; an error answer (status >= 400) is ``{"Code", "Message"}`` JSON whose message
shows no traceback, source path, library or exception class; a 5xx other than 503 is a bug. Messages may quote what
the client sent (an id, a field name), so those parts are taken out before looking for internals: a client sending
"Traceback" is not a leak.
"""

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

LEAKS = {
    "a traceback": r"Traceback \(most recent call last\)",
    "a traceback frame": r"File \"[^\"]*\", line \d+|\bline \d+, in \w",
    "a Python file name": r"[\w-]+\.py\b",
    "a file path": r"(?:^|[\s'\"(=])(?:/[\w.-]+){2,}|[A-Za-z]:\\[\w\\]",
    "a source location": r"site-packages|dist-packages|chalicelib|\.venv\b",
    "a library name": r"\b(?:boto3?|botocore|urllib3|chalice\.)",
    "a Python exception class": r"\b\w*(?:Exception|Error)\(|\b(?:Key|Value|Type|Attribute|Index|Name|Runtime|"
    r"Recursion|Unicode\w*|JSONDecode|OS|Lookup|Assertion|Client|ParamValidation|EndpointConnection)Error\b",
    "an exception class": r"\b\w+Exception\b|\b(?:Validation|Todo)Error\b|"
    r"\b(?:NotFound|Unavailable|PreconditionFailed)\(",
    "an OS error": r"\bErrno\b|\[Errno",
    "an object address": r"\bat 0x[0-9a-f]{6,}",
    "a Python object": r"<(?:module|class|function|bound method)\b",
    # Python's own wording for values it printed: `origin None`, `limit (4300 digits) for integer string`.
    # The header name If-None-Match is a word of its own, not a printed None.
    "a Python value": r"(?<![\w-])None(?![\w-])|\bint\(\)|integer string conversion|sys\.set_int_max_str_digits",
}
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}

Headers = Mapping[str, str] | Mapping[str, list[str]]


def header(headers: Headers | None, name: str) -> str | None:
    """The first value of header ``name`` (any case) in a mapping of str or of lists of str."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == name.lower()), None)
    return value[0] if isinstance(value, list) else value


def _json(body: bytes | str | None) -> Any:
    try:
        return json.loads(body or "null")
    except (ValueError, RecursionError):
        return None


def echoes(url: str, headers: Mapping[str, object] | None = None, body: object = None) -> list[str]:
    """The strings a request carried that an error message may legitimately quote back."""
    parts = urlsplit(url)
    values = [unquote(segment) for segment in parts.path.split("/") if segment]
    values += [v for pair in parse_qsl(parts.query, keep_blank_values=True) for v in pair]
    values += [str(v) for v in (headers or {}).values()]
    fields = _json(body) if isinstance(body, bytes | str) else body
    return values + [str(k) for k in fields] if isinstance(fields, dict) else values


def error_code(body: bytes | str) -> str | None:
    """The ``Code`` of an error body in the contract's shape, or None."""
    parsed = _json(body)
    code = parsed.get("Code") if isinstance(parsed, dict) else None
    return code if isinstance(code, str) else None


def error_body_problems(
    status: int, content_type: str | None, body: bytes | str, echoed: Iterable[object] = ()
) -> list[str]:
    """What is wrong with an error answer (status >= 400): [] when it is in the contract's shape and leaks nothing."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return [f"{status}: the body is not UTF-8"]
    problems = []
    if status >= 500 and status != 503:
        problems.append(f"{status}: a server error other than 503")
    if not (content_type or "").startswith("application/json"):
        problems.append(f"{status}: Content-Type is {content_type!r}, not JSON")
    parsed, text = _json(body), body
    if not isinstance(parsed, dict) or {k: type(v) for k, v in parsed.items()} != {"Code": str, "Message": str}:
        problems.append(f'{status}: the body is not {{"Code", "Message"}} with string values: {body[:200]!r}')
    else:
        code, text = parsed["Code"], parsed["Message"]
        if not re.fullmatch(r"\S+", code):
            problems.append(f"{status}: Code {code!r} is not a single word")
        elif not text.startswith(f"{code}: "):
            problems.append(f"{status}: the Message does not start with its Code: {text[:200]!r}")
    # Take out what quotes the client's input, whole or shortened as messages do, longest first.
    for value in sorted({v for v in echoed if isinstance(v, str) and v}, key=len, reverse=True):
        for form in (repr(value), repr(value[:64] + "..."), value):
            text = text.replace(form, "")
    for what, pattern in LEAKS.items():
        if match := re.search(pattern, text):
            problems.append(f"{status}: the message shows {what} ({match.group(0)!r}): {text[:200]!r}")
    return problems


def header_problems(status: int, headers: Headers | None) -> list[str]:
    """The security headers missing from an answer (every answer, errors and preflights included)."""
    wanted = SECURITY_HEADERS.items()
    return [f"{status} answer without `{name}: {value}`" for name, value in wanted if header(headers, name) != value]


def body_problems(
    status: int, headers: Headers | None, body: bytes | str, echoed: Iterable[object] = (), method: str = "GET"
) -> list[str]:
    """What is wrong with the body of an answer to ``method``: an error's shape and leaks; any body of a HEAD answer
    (RFC 9110), errors included: one would be read as the start of the next answer on a kept-alive connection."""
    if method.upper() == "HEAD" or status in (204, 304):
        return [f"{status} answer to {method} with a body: {body[:100]!r}"] if body else []
    return error_body_problems(status, header(headers, "content-type"), body, echoed) if status >= 400 else []


def answer_problems(
    status: int, headers: Headers | None, body: bytes | str, echoed: Iterable[object] = (), method: str = "GET"
) -> list[str]:
    """Everything wrong with one answer to ``method``: [] when it passes the audit."""
    return header_problems(status, headers) + body_problems(status, headers, body, echoed, method)
