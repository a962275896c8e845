"""The audit every answer of every suite passes: it must catch leaks and missing headers, and be listening."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.quality.contract_audit import answer_problems, echoes, error_body_problems, header_problems
from tests.support.audit import AUDIT

JSON = "application/json"


def body(code, message):
    return json.dumps({"Code": code, "Message": f"{code}: {message}"})


@pytest.mark.parametrize(
    "status, message",
    [
        (400, "title must be a string."),
        (400, "the request body is not valid JSON (Expecting value at line 1 column 1)."),
        (404, "no todo with id 'abc'."),
        (412, "todo 'abc' has changed since the version If-Match names; fetch it again."),
        (413, "the request body is larger than 65536 bytes."),
        (503, "the database cannot be reached; try again shortly."),
    ],
)
def test_the_api_s_own_messages_pass(status, message):
    assert error_body_problems(status, JSON, body("SomeError", message)) == []


@pytest.mark.parametrize(
    "message, what",
    [
        ('Traceback (most recent call last):\n  File "/srv/app.py", line 9, in get', "traceback"),
        ('File "app.py", line 12, in create_todo', "traceback frame"),
        ("failed in storage.py", "Python file name"),
        ("cannot open /var/task/chalicelib/openapi.json", "file path"),
        ("An error occurred (ValidationException) when calling the PutItem operation", "exception class"),
        ("ConditionalCheckFailedException", "exception class"),
        ("KeyError: 'title'", "Python exception class"),
        ("ValueError('bad')", "Python exception class"),
        ("botocore could not connect", "library name"),
        ("Could not connect to the endpoint URL: [Errno 111] Connection refused", "OS error"),
        ("<chalicelib.storage.DynamoTodoRepository object at 0x7f3a2c1d9e50>", "object address"),
        ("origin None is not allowed", "Python value"),
        ("Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits", "Python value"),
    ],
)
def test_internals_in_a_message_are_caught(message, what):
    problems = error_body_problems(500 if "Traceback" in message else 400, JSON, body("BadRequestError", message))
    assert any(what in problem for problem in problems), problems


@pytest.mark.parametrize(
    "status, content_type, raw",
    [
        (500, JSON, body("InternalServerError", "an internal server error occurred.")),
        (502, JSON, body("BadGateway", "no.")),
        (400, "text/html", body("BadRequestError", "x")),
        (403, JSON, '{"message": "Missing Authentication Token"}'),
        (400, JSON, '{"Code": "BadRequestError", "Message": "x", "Trace": "..."}'),
        (400, JSON, '{"Code": 400, "Message": "x"}'),
        (400, JSON, "not json"),
        (400, JSON, b"\xff\xfe"),
        (400, JSON, '{"Code": "BadRequestError", "Message": "title must be a string."}'),
        (404, JSON, '{"Code": "NotFoundError", "Message": "BadRequestError: no."}'),
    ],
)
def test_wrong_shapes_and_server_errors_are_caught(status, content_type, raw):
    assert error_body_problems(status, content_type, raw) != []


def test_client_input_quoted_back_is_not_mistaken_for_a_leak():
    todo_id = "Traceback.py"
    message = f"no todo with id {todo_id!r}."
    assert error_body_problems(404, JSON, body("NotFoundError", message), echoed=[todo_id]) == []
    assert error_body_problems(404, JSON, body("NotFoundError", message)) != []


def test_long_ids_quoted_back_in_part_are_recognised_as_input():
    todo_id = "/srv/app.py/" + "x" * 100
    message = f"no todo with id {todo_id[:64] + '...'!r}."
    assert error_body_problems(404, JSON, body("NotFoundError", message), echoed=[todo_id]) == []


def test_echoes_are_the_path_query_headers_and_body_field_names():
    found = echoes("/todos/a%2Fb?limit=x", {"Content-Type": "text/csv"}, b'{"Traceback": 1}')
    assert {"todos", "a/b", "limit", "x", "text/csv", "Traceback"} <= set(found)


def test_every_answer_through_the_test_client_is_audited(dynalite_api_client):
    answers, errors = AUDIT.answers, AUDIT.errors
    dynalite_api_client.get("/openapi.json")
    dynalite_api_client.get("/todos/nope")
    assert (AUDIT.answers - answers, AUDIT.errors - errors) == (2, 1)


SAFE = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Content-Type": JSON}


@pytest.mark.parametrize("missing", ["X-Content-Type-Options", "Cache-Control"])
@pytest.mark.parametrize("status", [200, 204, 404, 503])
def test_an_answer_without_a_security_header_is_caught_whatever_its_status(status, missing):
    headers = {name: value for name, value in SAFE.items() if name != missing}
    assert header_problems(status, headers) != []
    assert header_problems(status, SAFE) == []


def test_headers_are_found_in_any_case_and_as_lists_of_values():
    assert header_problems(200, {"x-content-type-options": ["nosniff"], "cache-control": ["no-store"]}) == []
    assert header_problems(200, {"X-CONTENT-TYPE-OPTIONS": "nosniff", "Cache-Control": "no-cache"}) != []


def test_a_whole_answer_is_judged_on_its_headers_and_for_errors_on_its_body():
    assert answer_problems(200, SAFE, "[]") == []
    assert answer_problems(404, SAFE, body("NotFoundError", "no todo with id 'x'.")) == []
    assert answer_problems(404, SAFE, "<html>Not Found</html>") != []
    assert answer_problems(405, {"Content-Type": JSON}, body("MethodNotAllowedError", "TRACE is not allowed.")) != []


def test_an_answer_to_head_has_no_body_whatever_its_status():
    assert answer_problems(404, SAFE, b"", method="HEAD") == []
    assert answer_problems(200, SAFE, b"", method="HEAD") == []
    assert answer_problems(200, SAFE, b"[]", method="HEAD") != []
    assert answer_problems(405, SAFE, body("MethodNotAllowedError", "no."), method="HEAD") != []


WORKER_SUITE = """
import pytest
from tests.support.audit import AUDIT, report_figure

@pytest.fixture
def answer_after_the_test():
    yield
    AUDIT.record("GET", "/late", 500, {}, b"Traceback (most recent call last)")

def test_measures(answer_after_the_test):
    AUDIT.record("GET", "/fine", 200, {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}, b"[]")
    report_figure("a figure measured in a worker")
"""


def test_under_pytest_xdist_what_the_workers_audit_and_measure_reaches_the_summary_and_fails_the_run(tmp_path):
    (tmp_path / "test_in_a_worker.py").write_text(WORKER_SUITE, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "backend")])}
    arguments = ["--disable-plugin-autoload", "-p", "xdist.plugin", "-n", "1", "-p", "tests.support.audit"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *arguments, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "a figure measured in a worker" in run.stdout
    # The late answer breaks several rules; the fine one none.
    assert re.search(r"2 answers audited, 1 of them errors; [1-9][0-9]* problems", run.stdout), run.stdout
    assert "GET /late: 500: a server error other than 503" in run.stdout
