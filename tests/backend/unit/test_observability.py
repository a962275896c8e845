"""The request record's two writers agree: the fast one for answered requests, Powertools' Logger for failures."""

import io
import json
import logging
import re

import pytest

from chalicelib import observability

FIELDS = {
    "lambda_request_id": "7f22521e-fccd-46ba-95ba-87c4bc104ced",
    "api_request_id": "8874250f-190f-4eb1-b132-a58073aaaac8",
    "cold_start": False,
    "method": "GET",
    "route": "/todos/{todo_id}",
    "status": 200,
    "latency_ms": 1.25,
    "caller": "6b5c1f0e-2d4a-4c57-9a77-0f1e2d3c4b5a",
}
RFC3339_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.fixture
def written(monkeypatch):
    """The lines the observability module writes while the test runs."""
    stream = io.StringIO()
    monkeypatch.setattr(observability.output, "target", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_answered_requests_record_has_the_keys_and_formats_powertools_logger_gives_it(written, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    observability.write(FIELDS)
    observability.logger.info("GET /todos/{todo_id} 200 1.2 ms", extra=FIELDS)
    fast, powertools = written()
    assert list(fast) == list(powertools)
    assert {key: type(value) for key, value in fast.items()} == {key: type(value) for key, value in powertools.items()}
    assert RFC3339_UTC_MS.match(fast["timestamp"]) and RFC3339_UTC_MS.match(powertools["timestamp"])
    assert fast["xray_trace_id"] == powertools["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert {k: v for k, v in fast.items() if k != "timestamp"} == {
        k: v for k, v in powertools.items() if k not in ("timestamp", "message")
    } | {"message": "GET /todos/{todo_id} 200 1.2 ms"}


def test_a_failed_requests_record_is_powertools_with_the_traceback_as_fields(written):
    try:
        {}["missing"]
    except KeyError as exc:
        observability.write({**FIELDS, "status": 500, "error": "InternalServerError"}, exc)
    (record,) = written()
    assert (record["level"], record["status"], record["exception_name"]) == ("ERROR", 500, "KeyError")
    assert (
        record["stack_trace"]["frames"][-1]["function"]
        == "test_a_failed_requests_record_is_powertools_with_the_traceback_as_fields"
    )
    assert "Traceback (most recent call last)" in record["exception"]


def test_no_record_is_written_below_the_loggers_level(written):
    level = observability.log.level
    observability.log.setLevel(logging.WARNING)  # as POWERTOOLS_LOG_LEVEL=WARNING sets it
    try:
        observability.write(FIELDS)
        observability.write({**FIELDS, "status": 503, "error": "ServiceUnavailable"})
    finally:
        observability.log.setLevel(level)
    assert [record["status"] for record in written()] == [503]


def unique_members(pairs):
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"a member is written twice: {names}"
    return dict(pairs)


@pytest.mark.parametrize("status", [200, 412])
def test_a_records_line_with_its_metrics_names_each_member_once_as_the_logger_would(monkeypatch, status):
    stream = io.StringIO()
    monkeypatch.setattr(observability.output, "target", stream)
    seen = observability.Seen()
    seen.caller, seen.dynamodb_calls = 'sub-\u2028"é', 1
    code = "PreconditionFailed" if status == 412 else None
    fields = {**FIELDS, "caller": seen.caller, "status": status} | ({"error": code} if code else {})
    fields |= observability.metrics(status, code, seen, 1.25, cold=False)
    observability.write(fields)
    observability.logger.info("-", extra={name: value for name, value in fields.items() if name != "_aws"})
    lines = stream.getvalue().split("\n")[:-1]  # not splitlines(): U+2028 inside a JSON string is no line break
    fast, powertools = (json.loads(line, object_pairs_hook=unique_members) for line in lines)
    assert fast["caller"] == powertools["caller"] == 'sub-\u2028"é'
    assert fast["service"] == observability.SERVICE and fast["_aws"]["Timestamp"] == fields["_aws"]["Timestamp"]
    assert [name for name in fast if name != "_aws"] == list(powertools)
    assert {k: v for k, v in fast.items() if k not in ("timestamp", "message", "_aws")} == {
        k: v for k, v in powertools.items() if k not in ("timestamp", "message")
    }
