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
        self.acquire()
        try:
            descriptor = self._descriptor_of(stream)
            if descriptor is None:
                stream.write(line + "\n")
                stream.flush()
            else:
                stream.flush()
                data = (line + "\n").encode("utf-8", "backslashreplace")
                while data:
                    data = data[os.write(descriptor, data) :]
        finally:
            self.release()

    def _descriptor_of(self, stream: IO[str]) -> int | None:
        if self._descriptor[0] is not stream:
            try:
                descriptor: int | None = stream.fileno()
            except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
                descriptor = None
            self._descriptor = (stream, descriptor)
        return self._descriptor[1]


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
    every request has exactly one record.
    """
    global _cold
    started = time.perf_counter()
    seen = Seen()
    token = _current.set(seen)
    try:
        try:
            response = get_response(request)
        except Exception as exc:
            seen.failure = exc
            response = internal_error()
        latency_ms = (time.perf_counter() - started) * 1000
        cold, _cold = _cold, False
        status, code = response.status_code, error_code(response)
        fields = record(request, status, code, seen, latency_ms, cold)
        fields.update(metrics(status, code, seen, latency_ms, cold))
        write(fields, seen.failure)
    finally:
        _current.reset(token)
    return response


def record(
    request: Request, status: int, code: str | None, seen: Seen, latency_ms: float, cold: bool
) -> dict[str, Any]:
    """The fields of a request's record; one that would be None is left out, as Powertools leaves it out."""
    context: Mapping[str, Any] = request.context or {}
    fields = {
        "lambda_request_id": getattr(request.lambda_context, "aws_request_id", None),
        "api_request_id": context.get("requestId"),
        "cold_start": cold,
        "method": request.method,
        "route": context.get("resourcePath"),
        "status": status,
        "latency_ms": round(latency_ms, 2),
        "caller": seen.caller,
        "error": code,
    }
    return {name: value for name, value in fields.items() if value is not None}


def write(fields: Mapping[str, Any], failure: BaseException | None = None) -> None:
    """Log a request's record: a summary as its message, the fields beside it, a failure's traceback.

    A failed request's record goes through Powertools' Logger, which writes the traceback as fields. Any other
    record has the same keys in the same order and the same JSON, written here as text: the Logger's general path
    (a LogRecord, its handlers, the formatter's search through the record's attributes, a JSON encoder made for
    each line) costs a warm request several times what the record itself does.
    """
    summary = f"{fields['method']} {fields['route']} {fields['status']} {fields['latency_ms']:.1f} ms"
    if failure is not None or fields["status"] >= 500:
        logger.error(summary, exc_info=failure, extra=fields)
    elif log.isEnabledFor(logging.INFO):
        aws = fields.get("_aws")
        millis = aws["Timestamp"] if aws is not None else int(time.time() * 1000)
        parts = [f'{{"level":"INFO","message":{_json_text(summary)},"timestamp":"{_timestamp(millis)}"{_SERVICE}']
        parts += [f',"{name}":{_json_text(value)}' for name, value in fields.items() if name not in _WRITTEN_APART]
        if (trace := settings.trace_id()) is not None:
            parts.append(f',"xray_trace_id":{_json_text(trace)}')
        if aws is not None:
            # The metrics' directives are the bulk of a line and few sets of them occur: each is serialized once.
            parts.append(f',"_aws":{{"Timestamp":{millis},"CloudWatchMetrics":{_text(aws)}}}')
        parts.append("}")
        output.write("".join(parts))


_SERVICE = f',"service":{json.dumps(SERVICE, ensure_ascii=False)}'
# Members of a record's fields that its line holds in their own places: the service (also the metrics' dimension)
# at the start, as the Logger writes it, and the metrics' directives at the end.
_WRITTEN_APART = frozenset({"service", "_aws"})
_quoted: Callable[[str], str] = json.encoder.encode_basestring


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


def _text(aws: Mapping[str, Any]) -> str:
    """The JSON text of an EMF block's directives, kept for each list ``_directives`` made."""
    directives = aws["CloudWatchMetrics"]
    kept = _directive_texts.get(id(directives))
    if kept is None or kept[0] is not directives:
        kept = _directive_texts[id(directives)] = (directives, json.dumps(directives, separators=(",", ":")))
    return kept[1]


# The JSON text of each list of directives, by the list's identity (each list is kept with its text, so its
# identity stays its own).
_directive_texts: dict[int, tuple[list[dict[str, Any]], str]] = {}


# The time of a record as Powertools writes it (RFC 3339, UTC, milliseconds): the part to the second changes
# once a second, so it is formatted once for each second.
_second: tuple[int, str] = (-1, "")


def _timestamp(millis: int) -> str:
    global _second
    second, rest = divmod(millis, 1000)
    if _second[0] != second:
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_second[1]}.{rest:03d}+00:00"


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
    """A request's metrics as EMF members of its record: by service, and a 4xx once more by service and error.

    A count that is 0 is left out (a sum over no values is no data, which graphs fill with 0), except the
    requests and DynamoDB calls themselves.
    """
    values: dict[str, float] = {"Requests": 1, "Latency": round(latency_ms, 2), "DynamoDBCalls": seen.dynamodb_calls}
    counts = {
        "DynamoDBRetries": seen.dynamodb_retries,
        "ColdStarts": int(cold),
        "ServerErrors": int(status >= 500),
        "ClientErrors": int(400 <= status < 500),
        "Conflicts": int(status == 412),
    }
    values.update((name, count) for name, count in counts.items() if count)
    by_error = code if 400 <= status < 500 else None
    directives = _directives(tuple(values), by_error is not None)
    members: dict[str, Any] = {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": directives}}
    members["service"] = SERVICE
    if by_error is not None:
        members["error"] = by_error
    return members | values


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
