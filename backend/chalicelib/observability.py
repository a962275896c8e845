"""What the API tells about each request: one JSON record, and its metrics in CloudWatch's embedded metric format.

Records have the shape of Powertools for AWS Lambda's Logger, and its EMF serializer writes the metrics' directives.
Deployed, Powertools comes from AWS's public layer, not from the zip. Each request gets one record on standard
output, which Lambda sends to CloudWatch Logs: level, time, the Lambda and API Gateway request ids, cold start,
method, route, status, latency, the caller's ``sub`` and, on a 4xx or 5xx, the error code; a 500 adds its traceback.
A record never holds a header, a token, a body or anything read from a todo. The same line carries the request's
metrics in CloudWatch's embedded metric format (namespace ``hobopy``): counts and latency by service, and a 4xx
once more by service and error code. Each distinct set of dimensions is a billed custom metric, so there are only
these two.
"""

import functools
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import IO, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import EphemeralMetrics
from chalice.app import Request, Response

from chalicelib import settings

NAMESPACE = "hobopy"
SERVICE = settings.service_name()


class Output(logging.Handler):
    """Where records go, one JSON document a line: standard output (what Lambda sends to CloudWatch Logs), looked
    up at each line, unless ``target`` names another stream."""

    def __init__(self) -> None:
        super().__init__()
        # The Handler's own lock (which logging renews in a forked child), held while a line is written.
        assert self.lock is not None
        self._lock = self.lock
        self.target: IO[str] | None = None
        self._descriptor: tuple[IO[str] | None, int | None] = (None, None)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(self.format(record))
        except Exception:
            self.handleError(record)

    def write(self, line: str) -> None:
        """Write one line at once: nothing may wait in a buffer when Lambda freezes the function.

        A stream on a file descriptor (standard output in Lambda, the local API's log file) gets the line, in
        UTF-8, from one system call past the stream's own buffers, which are flushed first so that lines keep
        their order; any other stream (a test's) gets it written and flushed.
        """
        stream = self.target or sys.stdout
        with self._lock:
            known, descriptor = self._descriptor
            if known is not stream:
                descriptor = self._descriptor_of(stream)
            if descriptor is None:
                stream.write(line + "\n")
                stream.flush()
            else:
                stream.flush()
                data = (line + "\n").encode("utf-8", "backslashreplace")
                while data:
                    data = data[os.write(descriptor, data) :]

    def _descriptor_of(self, stream: IO[str]) -> int | None:
        try:
            descriptor: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
            descriptor = None
        self._descriptor = (stream, descriptor)
        return descriptor


output = Output()
formatter = LambdaPowertoolsFormatter(use_rfc3339=True, utc=True)
logger = Logger(service=SERVICE, logger_handler=output, logger_formatter=formatter)
# Where in this module a record was written says nothing; the route does.
logger.remove_keys(["location"])
# The standard logger Powertools writes through; as Chalice's app.log, Chalice's own messages are JSON records too.
log = logging.getLogger(SERVICE)
# Powertools' EMF serializer, which writes the directives of each set of metrics a record can hold.
_emf = EphemeralMetrics(namespace=NAMESPACE)


class Seen:
    """What the request's code reports while it runs, for its record."""

    __slots__ = ("caller", "dynamodb_calls", "dynamodb_retries", "failure")

    def __init__(self) -> None:
        self.caller: str | None = None
        self.failure: BaseException | None = None
        self.dynamodb_calls = 0
        self.dynamodb_retries = 0


_current: ContextVar[Seen | None] = ContextVar("hobopy_request", default=None)
_cold = True


def note_caller(owner: str) -> None:
    """The request acts for ``owner`` (the caller's ``sub``)."""
    seen = _current.get()
    if seen is not None:
        seen.caller = owner


def note_failure(error: BaseException) -> None:
    """The request failed with an unexpected ``error`` and is answered 500; its record carries the traceback."""
    seen = _current.get()
    if seen is not None:
        seen.failure = error


def note_dynamodb_request(operation: str, attempt: int) -> None:
    """A DynamoDB request is being sent: ``attempt`` 0 is a call, any later one a retry of it."""
    seen = _current.get()
    if seen is None:
        return
    if attempt:
        seen.dynamodb_retries += 1
    else:
        seen.dynamodb_calls += 1


def observe(
    request: Request, get_response: Callable[[Request], Response], internal_error: Callable[[], Response]
) -> Response:
    """Answer ``request`` through ``get_response``, then write its record and metrics.

    Whatever ``get_response`` raises is answered with ``internal_error()`` and recorded with its traceback, so
    every request has exactly one record. What the record takes from the request itself is put in text as it
    arrives (``Opening``), while the code that does it is still in the processor's caches; after the answer, only
    what the answer decides is left to write.
    """
    global _cold
    started = time.perf_counter()
    cold, _cold = _cold, False
    opening = Opening(request, cold)
    seen = Seen()
    token = _current.set(seen)
    try:
        try:
            response = get_response(request)
        except Exception as exc:
            seen.failure = exc
            response = internal_error()
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        status = response.status_code
        write(opening, status, None if status < 400 else error_code(response), seen, latency_ms)
    finally:
        _current.reset(token)
    return response


# What a record names of the request itself, in the order Powertools writes them.
_OPENING_NAMES = ("lambda_request_id", "api_request_id", "cold_start", "method", "route")
# Their JSON text when each one is text (but the cold start): every request that comes through API Gateway.
_OPENING_TEXT = ',"lambda_request_id":%s,"api_request_id":%s,"cold_start":%s,"method":%s,"route":%s'


class Opening:
    """What a request's record takes from the request itself (``fields``, one that would be None left out), and
    the JSON text of what the record's line writes of it: the start of its message, its members, its trace."""

    __slots__ = ("cold", "members", "message_start", "trace_member", "values")

    def __init__(self, request: Request, cold: bool) -> None:
        self.cold = cold
        context: Mapping[str, Any] = request.context or {}
        method, route = request.method, context.get("resourcePath")
        lambda_id, api_id = getattr(request.lambda_context, "aws_request_id", None), context.get("requestId")
        self.values = (lambda_id, api_id, cold, method, route)
        if type(lambda_id) is str and type(api_id) is str and type(method) is str and type(route) is str:
            self.members = _OPENING_TEXT % (
                _quoted(lambda_id),
                _quoted(api_id),
                "true" if cold else "false",
                _quoted(method),
                _quoted(route),
            )
        else:
            self.members = "".join([f',"{name}":{_json_text(value)}' for name, value in self.fields])
        # The message is the summary ``GET /todos/{todo_id} 200 1.2 ms``: its start, quoted but not closed.
        self.message_start = _quoted(f"{method} {route} ")[:-1]
        trace = settings.trace_id()
        self.trace_member = "" if trace is None else f',"xray_trace_id":{_quoted(trace)}'

    @property
    def fields(self) -> list[tuple[str, Any]]:
        """The record's members taken from the request, as (name, value), one that is None left out."""
        return [(name, value) for name, value in zip(_OPENING_NAMES, self.values, strict=True) if value is not None]

    def summary(self, status: int, latency_ms: float) -> str:
        """The record's message: ``GET /todos/{todo_id} 200 1.2 ms``."""
        _, _, _, method, route = self.values
        return f"{method} {route} {status} {latency_ms:.1f} ms"


def write(opening: Opening, status: int, code: str | None, seen: Seen, latency_ms: float) -> None:
    """Log a request's record with its metrics, a summary as its message; a failure's with its traceback.

    A failed request's record goes through Powertools' Logger, which writes the traceback as fields. Any other
    record is written by ``line``: the same keys in the same order and the same JSON, without the Logger's general
    path (a LogRecord, its handlers, the formatter's search through the record's attributes, a JSON encoder made
    for each line), which costs a warm request several times what the record itself does.
    """
    if seen.failure is not None or status >= 500:
        fields = record(opening, status, code, seen, latency_ms)
        fields.update(metrics(status, code, seen, latency_ms, opening.cold))
        logger.error(opening.summary(status, latency_ms), exc_info=seen.failure, extra=fields)
    elif log.isEnabledFor(logging.INFO):
        output.write(line(opening, status, code, seen, latency_ms))


def record(opening: Opening, status: int, code: str | None, seen: Seen, latency_ms: float) -> dict[str, Any]:
    """The fields of a request's record; one that would be None is left out, as Powertools leaves it out."""
    fields: dict[str, Any] = dict(opening.fields)
    fields.update(status=status, latency_ms=latency_ms)
    if seen.caller is not None:
        fields["caller"] = seen.caller
    if code is not None:
        fields["error"] = code
    return fields


def line(opening: Opening, status: int, code: str | None, seen: Seen, latency_ms: float) -> str:
    """The JSON text of an answered request's record with its metrics, as Powertools' Logger writes it.

    The Logger's keys come first (level, message, timestamp, service), then the fields ``record`` names in its
    order, the metrics' values, the X-Ray trace and the metrics' directives, each serialized as the Logger's
    serializer would: compact JSON, text not escaped to ASCII. The line is one ``%`` format, made once for each
    kind of record (``_line_format``), of the values that change from one request to the next: a request's own
    work runs after its DynamoDB call, when little of the code is still in the processor's caches, so the fewer
    steps the better.
    """
    global _second
    millis = int(time.time() * 1000)
    second, rest = divmod(millis, 1000)
    if _second[0] != second:
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    caller, retries = seen.caller, seen.dynamodb_retries
    kind = _line_format(status, caller is not None, code is not None, retries > 0, opening.cold)
    return kind % (
        opening.message_start,
        latency_ms,
        _second[1],
        rest,
        opening.members,
        latency_ms,
        caller is not None and _quoted(caller),
        code is not None and _quoted(code),
        latency_ms,
        seen.dynamodb_calls,
        retries,
        opening.trace_member,
        millis,
    )


_SERVICE = f',"service":{json.dumps(SERVICE, ensure_ascii=False)}'
_quoted: Callable[[str], str] = json.encoder.encode_basestring
# The time of a record as Powertools writes it (RFC 3339, UTC, milliseconds): the part to the second changes
# once a second, so it is formatted once for each second.
_second: tuple[int, str] = (-1, "")


@functools.cache
def _line_format(status: int, caller: bool, code: bool, retries: bool, cold: bool) -> str:
    """The ``%`` format of ``line`` for one kind of record; each member a record of this kind leaves out takes its
    value as ``%.0s``, which writes nothing."""

    def escaped(text: str) -> str:
        return text.replace("%", "%%")

    noted = Seen()
    noted.dynamodb_retries = int(retries)
    names = tuple(_metric_values(status, noted, 0.0, cold))
    metric_formats = {"Latency": "%r", "DynamoDBCalls": "%d", "DynamoDBRetries": "%d"}
    metric_members = "".join(f',"{name}":{metric_formats.get(name, "1")}' for name in names)
    directives = _directives_text(names, _by_error(status, "" if code else None) is not None)
    return "".join(
        [
            '{"level":"INFO","message":%s',
            f'{status} %.1f ms","timestamp":"%s.%03d+00:00"',
            escaped(_SERVICE),
            f'%s,"status":{status},"latency_ms":%r',
            ',"caller":%s' if caller else "%.0s",
            ',"error":%s' if code else "%.0s",
            metric_members,
            "" if retries else "%.0s",
            '%s,"_aws":{"Timestamp":%d,"CloudWatchMetrics":',
            escaped(directives),
            "}}",
        ]
    )


def _json_text(value: object) -> str:
    """``value`` as the Logger's serializer writes it: compact JSON, text not escaped to ASCII, ``str`` of the rest.

    The values every record holds (text, whole numbers, finite floats, booleans) skip the JSON encoder.
    """
    if isinstance(value, str):
        return _quoted(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return repr(value)
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def error_code(response: Response) -> str | None:
    """The contract's error ``Code`` of a 4xx or 5xx answer, or None."""
    if response.status_code < 400:
        return None
    body = response.body
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    code = body.get("Code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def metrics(status: int, code: str | None, seen: Seen, latency_ms: float, cold: bool) -> dict[str, Any]:
    """A request's metrics as EMF members of its record: by service, and a 4xx once more by service and error."""
    values = _metric_values(status, seen, latency_ms, cold)
    by_error = _by_error(status, code)
    directives = _directives(tuple(values), by_error is not None)
    members: dict[str, Any] = {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": directives}}
    members["service"] = SERVICE
    if by_error is not None:
        members["error"] = by_error
    return members | values


def _metric_values(status: int, seen: Seen, latency_ms: float, cold: bool) -> dict[str, float]:
    """The values of a request's metrics. A count that is 0 is left out (a sum over no values is no data, which
    graphs fill with 0), except the requests and DynamoDB calls themselves."""
    values: dict[str, float] = {"Requests": 1, "Latency": latency_ms, "DynamoDBCalls": seen.dynamodb_calls}
    if seen.dynamodb_retries:
        values["DynamoDBRetries"] = seen.dynamodb_retries
    if cold:
        values["ColdStarts"] = 1
    if status >= 500:
        values["ServerErrors"] = 1
    elif status >= 400:
        values["ClientErrors"] = 1
        if status == 412:
            values["Conflicts"] = 1
    return values


def _by_error(status: int, code: str | None) -> str | None:
    # A 4xx is counted once more under its error code (the second set of dimensions); a 5xx only by service.
    return code if 400 <= status < 500 else None


@functools.cache
def _directives_text(names: tuple[str, ...], by_error: bool) -> str:
    """The JSON text of ``_directives``: the bulk of a line, and few sets of them occur."""
    return json.dumps(_directives(names, by_error), separators=(",", ":"))


@functools.cache
def _directives(names: tuple[str, ...], by_error: bool) -> list[dict[str, Any]]:
    """The EMF directives of a record holding the metrics ``names``, as Powertools' EMF serializer writes them.

    Few sets of names occur, so each is serialized once and reused (the directives hold no values).
    """
    metric_set = {name: _metric(name) for name in names}
    directives = _serialized(metric_set, ["service"])
    if by_error:
        directives += _serialized({"ClientErrors": metric_set["ClientErrors"]}, ["service", "error"])
    return directives


def _metric(name: str) -> dict[str, Any]:
    # A metric as Powertools' EMF provider keeps it, at CloudWatch's standard (60 s) resolution.
    return {"Unit": "Milliseconds" if name == "Latency" else "Count", "StorageResolution": 60, "Value": 0}


def _serialized(metric_set: dict[str, Any], dimensions: list[str]) -> list[dict[str, Any]]:
    block = _emf.serialize_metric_set(metrics=metric_set, dimensions=dict.fromkeys(dimensions, ""), metadata={})
    return [dict(directive) for directive in block["_aws"]["CloudWatchMetrics"]]
