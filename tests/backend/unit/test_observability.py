"""The request record's two writers agree: the fast one for answered requests, Powertools' Logger for failures."""

import io
import json
import logging
import re
from types import SimpleNamespace

import pytest

from chalicelib import observability

CALLER = "6b5c1f0e-2d4a-4c57-9a77-0f1e2d3c4b5a"
# What a record reads from a request: Chalice's Request has these attributes.
REQUEST = SimpleNamespace(
    method="GET",
    context={"requestId": "8874250f-190f-4eb1-b132-a58073aaaac8", "resourcePath": "/todos/{todo_id}"},
    lambda_context=SimpleNamespace(aws_request_id="7f22521e-fccd-46ba-95ba-87c4bc104ced"),
)
RFC3339_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.fixture
def stream(monkeypatch):
    """Where the observability module writes while the test runs."""
    written = io.StringIO()
    monkeypatch.setattr(observability.output, "target", written)
    return written


def lines(stream):
    """The JSON documents written, a line each; not splitlines(): U+2028 inside a JSON string is no line break."""
    return [json.loads(line, object_pairs_hook=unique_members) for line in stream.getvalue().split("\n")[:-1]]


def unique_members(pairs):
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"a member is written twice: {names}"
    return dict(pairs)


def seen(caller=CALLER, calls=1, retries=0, failure=None):
    noted = observability.Seen()
    noted.caller, noted.dynamodb_calls, noted.dynamodb_retries, noted.failure = caller, calls, retries, failure
    return noted


@pytest.mark.parametrize(
    ("status", "code", "cold", "retries"),
    [(200, None, False, 0), (201, None, True, 0), (412, "PreconditionFailed", False, 1), (404, "NotFound", True, 2)],
)
def test_an_answered_requests_line_is_what_powertools_logger_writes_for_its_fields(
    stream, monkeypatch, status, code, cold, retries
):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    noted = seen(caller='sub-\u2028"é', retries=retries)
    observability.write(observability.Opening(REQUEST, cold), status, code, noted, 1.25)
    fields = observability.record(observability.Opening(REQUEST, cold), status, code, noted, 1.25)
    fields |= observability.metrics(status, code, noted, 1.25, cold)
    observability.logger.info("-", extra={name: value for name, value in fields.items() if name != "_aws"})
    fast, powertools = lines(stream)
    assert fast["message"] == f"GET /todos/{{todo_id}} {status} 1.2 ms"
    assert RFC3339_UTC_MS.match(fast["timestamp"]) and RFC3339_UTC_MS.match(powertools["timestamp"])
    assert fast["xray_trace_id"] == powertools["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert fast["caller"] == powertools["caller"] == 'sub-\u2028"é'
    assert fast["service"] == observability.SERVICE
    assert fast["_aws"]["CloudWatchMetrics"] == fields["_aws"]["CloudWatchMetrics"]
    # The same keys in the same order, each value of the same type and, but for the time and message, equal.
    assert [name for name in fast if name != "_aws"] == list(powertools)
    assert {key: type(value) for key, value in fast.items() if key != "_aws"} == {
        key: type(value) for key, value in powertools.items()
    }
    assert {k: v for k, v in fast.items() if k not in ("timestamp", "message", "_aws")} == {
        k: v for k, v in powertools.items() if k not in ("timestamp", "message")
    }


def test_a_record_without_a_trace_or_a_caller_leaves_them_out(stream, monkeypatch):
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    request = SimpleNamespace(method="GET", context={}, lambda_context=None)
    observability.write(observability.Opening(request, False), 401, "Unauthorized", seen(caller=None), 0.5)
    (record,) = lines(stream)
    assert not {"xray_trace_id", "caller", "route", "api_request_id", "lambda_request_id"} & set(record)
    assert (record["status"], record["error"], record["message"]) == (401, "Unauthorized", "GET None 401 0.5 ms")


def test_a_failed_requests_record_is_powertools_with_the_traceback_as_fields(stream):
    try:
        {}["missing"]
    except KeyError as exc:
        failure = exc
    observability.write(observability.Opening(REQUEST, False), 500, "InternalServerError", seen(failure=failure), 3.0)
    (record,) = lines(stream)
    assert (record["level"], record["status"], record["exception_name"]) == ("ERROR", 500, "KeyError")
    assert record["message"] == "GET /todos/{todo_id} 500 3.0 ms"
    assert (
        record["stack_trace"]["frames"][-1]["function"]
        == "test_a_failed_requests_record_is_powertools_with_the_traceback_as_fields"
    )
    assert "Traceback (most recent call last)" in record["exception"]
    assert record["ServerErrors"] == 1 and record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "hobopy"


def test_no_record_is_written_below_the_loggers_level(stream):
    level = observability.log.level
    observability.log.setLevel(logging.WARNING)  # as POWERTOOLS_LOG_LEVEL=WARNING sets it
    try:
        observability.write(observability.Opening(REQUEST, False), 200, None, seen(), 1.0)
        observability.write(observability.Opening(REQUEST, False), 503, "ServiceUnavailable", seen(), 1.0)
    finally:
        observability.log.setLevel(level)
    assert [record["status"] for record in lines(stream)] == [503]
