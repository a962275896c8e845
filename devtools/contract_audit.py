"""What every answer of the API must be, whoever sends it: the fuzzer, the load test or any test suite.

An answer carries the security headers; an error answer (status >= 400) is
``{"Code", "Message"}`` JSON whose message shows no traceback, source path,
library or exception class; a 5xx other than 503 is a bug. Messages may quote
what the client sent (an id, a field name), so those parts are taken out before
looking for internals: a client sending "Traceback" is not a leak.
"""

import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

LEAK_PATTERNS = [
    (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
    (re.compile(r"File \"[^\"]*\", line \d+"), "a traceback frame"),
    (re.compile(r"\bline \d+, in \w"), "a traceback frame"),
    (re.compile(r"[\w-]+\.py\b"), "a Python file name"),
    (re.compile(r"(?:^|[\s'\"(=])(?:/[\w.-]+){2,}"), "a file path"),
    (re.compile(r"[A-Za-z]:\\[\w\\]"), "a file path"),
    (re.compile(r"site-packages|dist-packages|chalicelib|\.venv\b"), "a source location"),
    (re.compile(r"\b(?:boto3?|botocore|urllib3|chalice\.)"), "a library name"),
    (
        re.compile(
            r"\b\w*(?:Exception|Error)\(|\b(?:Key|Value|Type|Attribute|Index|Name|Runtime|Recursion|"
            r"Unicode\w*|JSONDecode|OS|Lookup|Assertion|Client|ParamValidation|EndpointConnection)Error\b"
        ),
        "a Python exception class",
    ),
    (
        re.compile(r"\b\w+Exception\b|\b(?:Validation|Todo)Error\b|\b(?:NotFound|Unavailable|PreconditionFailed)\("),
        "an exception class",
    ),
    (re.compile(r"\bErrno\b|\[Errno"), "an OS error"),
    (re.compile(r"\bat 0x[0-9a-f]{6,}"), "an object address"),
    (re.compile(r"<(?:module|class|function|bound method)\b"), "a Python object"),
    # Python's own wording for values it printed: `origin None`, `limit (4300 digits) for integer string`.
    (re.compile(r"\bNone\b|\bint\(\)|integer string conversion|sys\.set_int_max_str_digits"), "a Python value"),
]
CONTRACT_KEYS = {"Code", "Message"}
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}

Headers = Mapping[str, str] | Mapping[str, list[str]]


def header(headers: Headers | None, name: str) -> str | None:
    """The first value of header ``name`` (any case) in a mapping of str or of lists of str."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def without_echoes(text: str, echoed: Iterable[object]) -> str:
    """``text`` without the parts that quote what the client sent, whole or shortened as messages do."""
    for value in sorted({v for v in echoed if isinstance(v, str) and v}, key=len, reverse=True):
        for form in (repr(value), repr(value[:64] + "..."), value):
            text = text.replace(form, "")
    return text


def echoes(url: str, headers: Mapping[str, object] | None = None, body: object = None) -> list[str]:
    """The strings a request carried that an error message may legitimately quote back."""
    parts = urlsplit(url)
    values = [unquote(segment) for segment in parts.path.split("/") if segment]
    values += [v for pair in parse_qsl(parts.query, keep_blank_values=True) for v in pair]
    values += [str(v) for v in (headers or {}).values()]
    if isinstance(body, dict):
        return values + [str(k) for k in body]
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            values += [str(k) for k in parsed]
    return values


def error_code(body: bytes | str) -> str | None:
    """The ``Code`` of an error body in the contract's shape, or None."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    code = parsed.get("Code") if isinstance(parsed, dict) else None
    return code if isinstance(code, str) else None


def error_body_problems(
    status: int, content_type: str | None, body: bytes | str, echoed: Iterable[object] = ()
) -> list[str]:
    """What is wrong with an error answer (status >= 400): [] when it is in the contract's shape and leaks nothing."""
    problems = []
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return [f"{status}: the body is not UTF-8"]
    if status >= 500 and status != 503:
        problems.append(f"{status}: a server error other than 503")
    if not (content_type or "").startswith("application/json"):
        problems.append(f"{status}: Content-Type is {content_type!r}, not JSON")
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    if (
        not isinstance(parsed, dict)
        or set(parsed) != CONTRACT_KEYS
        or not all(isinstance(parsed[k], str) for k in CONTRACT_KEYS)
    ):
        problems.append(f'{status}: the body is not {{"Code", "Message"}} with string values: {body[:200]!r}')
        text = body
    else:
        text = parsed["Message"]
        if re.search(r"\s", parsed["Code"]) or not parsed["Code"]:
            problems.append(f"{status}: Code {parsed['Code']!r} is not a single word")
        elif not text.startswith(f"{parsed['Code']}: "):
            problems.append(f"{status}: the Message does not start with its Code: {text[:200]!r}")
    text = without_echoes(text, echoed)
    for pattern, what in LEAK_PATTERNS:
        match = pattern.search(text)
        if match:
            problems.append(f"{status}: the message shows {what} ({match.group(0)!r}): {text[:200]!r}")
    return problems


def header_problems(status: int, headers: Headers | None) -> list[str]:
    """The security headers missing from an answer (every answer, errors and preflights included)."""
    return [
        f"{status} answer without `{name}: {expected}`"
        for name, expected in SECURITY_HEADERS.items()
        if header(headers, name) != expected
    ]


def body_problems(
    status: int, headers: Headers | None, body: bytes | str, echoed: Iterable[object] = (), method: str = "GET"
) -> list[str]:
    """What is wrong with the body of an answer to ``method``: an error's shape and leaks; any body of a HEAD answer.

    An answer to HEAD has no body (RFC 9110), errors included: one there would
    be read as the start of the next answer on a kept-alive connection.
    """
    if method.upper() == "HEAD":
        return [f"{status} answer to HEAD with a body: {body[:100]!r}"] if body else []
    if status >= 400:
        return error_body_problems(status, header(headers, "content-type"), body, echoed)
    return []


def answer_problems(
    status: int, headers: Headers | None, body: bytes | str, echoed: Iterable[object] = (), method: str = "GET"
) -> list[str]:
    """Everything wrong with one answer to ``method``: [] when it passes the audit."""
    return header_problems(status, headers) + body_problems(status, headers, body, echoed, method)
