"""deployment.zip on its own: small, runtime code only, and working with nothing but the Powertools layer and boto3
beside it; what the handler writes to standard output (CloudWatch Logs) read line by line."""

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app import app as routes  # only its routes: the events are built on them
from chalicelib import storage
from devtools.local import gateway
from devtools.quality import bench
from tests.quality.faultproxy import FaultProxy
from tests.support.project import create_fresh_table

RUNNER = Path(__file__).with_name("lambda_runner.py")
USER_A = "6b5c1f0e-2d4a-4c57-9a77-0f1e2d3c4b5a"
USER_B = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"
# What the Lambda Python runtime provides; the package must not carry it.
RUNTIME_DISTRIBUTIONS = ("boto3",)
NOT_PACKAGED = (
    "boto3/",
    "botocore/",
    "s3transfer/",
    "chalice/cli/",
    "chalice/deploy/",
    "pytest",
    "_pytest/",
    "moto/",
    "click/",
    "devtools/",
    "tests/",
    # Powertools comes from AWS's public layer, never from the zip.
    "aws_lambda_powertools/",
    "jmespath/",
    "typing_extensions",
)


@pytest.fixture(scope="module")
def archive(packaged):
    return packaged[2]


@pytest.fixture(scope="module")
def zip_names(archive):
    with zipfile.ZipFile(archive) as package:
        return package.namelist()


def test_deployment_zip_is_under_one_mebibyte(archive):
    assert archive.stat().st_size < 1024 * 1024


def test_deployment_zip_holds_the_app_and_the_chalice_runtime(zip_names):
    assert {"app.py", "chalice/app.py", "chalice/__init__.py", "chalicelib/storage.py", "chalicelib/todos.py"} <= set(
        zip_names
    )


def test_deployment_zip_carries_no_sdk_dev_tools_or_stray_caches(zip_names):
    unwanted = [n for n in zip_names if n.startswith(NOT_PACKAGED)]
    assert unwanted == []
    # Bytecode only as the package adds it: one hash-checked file for each module, none without its source.
    sources = {n for n in zip_names if n.endswith(".py")}
    cached = {n for n in zip_names if n.endswith(".pyc")}
    assert cached == {importlib.util.cache_from_source(n) for n in sources}


def test_the_bytecode_is_checked_against_its_source_not_a_time_stamp(archive):
    with zipfile.ZipFile(archive) as package:
        header = package.read(importlib.util.cache_from_source("app.py"))[:8]
    flags = int.from_bytes(header[4:8], "little")
    assert flags == 0b11  # PEP 552: hash-based, checked


@pytest.fixture(scope="module")
def unpacked(archive, tmp_path_factory):
    """(app folder, layer folder, boto folder): the zip unpacked alone, what the Powertools layer puts on the path
    (/opt/python), and boto3 with its dependencies alone."""
    app_dir = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(archive) as package:
        package.extractall(app_dir)
    layer_dir = bench.layer_folder(tmp_path_factory.mktemp("layer"))
    assert (layer_dir / "aws_lambda_powertools").is_dir() and not (layer_dir / "boto3").exists()
    boto_dir = bench.runtime_folder(tmp_path_factory.mktemp("runtime"))
    assert (boto_dir / "botocore").is_dir() and not (boto_dir / "chalice").exists()
    assert not (boto_dir / "aws_lambda_powertools").exists()
    return app_dir, layer_dir, boto_dir


def id_token_claims(sub):
    """The claims of a verified ID token, as API Gateway hands them on: every value a string."""
    pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
    return {
        "sub": sub,
        "iss": pool,
        "aud": "exampleclientid",
        "token_use": "id",
        "email_verified": "true",
        "email": f"{sub[:4]}@example.com",
        "cognito:username": sub,
        "auth_time": "1764460800",
        "iat": "1764460800",
        "exp": "Mon Nov 30 10:00:00 UTC 2026",
    }


class Handler:
    """A bare interpreter that runs the unpacked handler on API Gateway proxy events.

    Its standard output, what Lambda would send to CloudWatch Logs, goes to ``log``; ``lines`` are the lines the
    last request wrote there, ``request_id`` its Lambda request id, ``trace`` its X-Ray trace header and ``event``
    its event.
    """

    def __init__(self, app_dir, layer_dir, boto_dir, endpoint, table, log):
        env = {
            "DB_ENDPOINT": endpoint,
            "DB_TABLE_NAME": table,
            "CORS_ALLOW_ORIGINS": "",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            # Lambda always hands the function its role's credentials.
            "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "example",
            "AWS_SESSION_TOKEN": "example",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        self.log = log
        self.output = log.open("w", encoding="utf-8")
        self.reader = log.open(encoding="utf-8")
        answers_read, answers_write = os.pipe()
        runner = [sys.executable, "-I", "-S", str(RUNNER), str(app_dir), str(layer_dir), str(boto_dir)]
        self.process = subprocess.Popen(
            [*runner, str(answers_write)],
            stdin=subprocess.PIPE,
            stdout=self.output,
            env=env,
            text=True,
            encoding="utf-8",
            pass_fds=(answers_write,),
        )
        os.close(answers_write)
        self.answers = os.fdopen(answers_read, encoding="utf-8")
        self.started = json.loads(self.answers.readline() or "null")
        self.lines, self.request_id, self.trace, self.event = [], None, None, None

    def __call__(self, method, path, payload=None, headers=None, caller=USER_A):
        """(status, parsed body, headers) of one request, signed in as ``caller`` (None: no token)."""
        event = gateway.proxy_event(
            routes, method, path, body=payload, headers={"content-type": "application/json", **(headers or {})}
        )
        if caller is not None:
            # What API Gateway's Cognito authorizer passes on once it has verified the ID token.
            event["headers"]["Authorization"] = "eyJ.verified-by-api-gateway.sig"
            event["requestContext"]["authorizer"] = {"claims": id_token_claims(caller)}
        event["headers"].update(headers or {})
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        line = self.answers.readline()
        assert line, "the handler process died"
        answer = json.loads(line)
        # The handler writes its record before it returns: it is complete by now.
        self.lines, self.request_id, self.event = self.reader.read().splitlines(), answer["aws_request_id"], event
        self.trace = answer["trace"]
        response = answer["response"]
        body = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], body, response["headers"]

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)
        for stream in (self.answers, self.output, self.reader):
            stream.close()


@pytest.fixture(scope="module")
def proxy(dynalite_endpoint):
    """The handler's way to the engine: passes everything on, unless told to throttle."""
    with FaultProxy(dynalite_endpoint) as running:
        yield running


@pytest.fixture(scope="module")
def handler_table(dynalite_endpoint):
    return create_fresh_table(dynalite_endpoint)


@pytest.fixture(scope="module")
def handler(unpacked, proxy, handler_table, tmp_path_factory):
    running = Handler(*unpacked, proxy.url, handler_table, tmp_path_factory.mktemp("logs") / "stdout.log")
    yield running
    running.close()


def test_handler_runs_on_the_zip_the_powertools_layer_and_the_runtime_boto3_alone(handler, unpacked):
    app_dir, layer_dir, boto_dir = unpacked
    origins = handler.started["origins"]
    assert Path(origins["app"]).parent == app_dir
    assert Path(origins["chalice"]).parent.parent == app_dir
    assert Path(origins["aws_lambda_powertools"]).parent.parent == layer_dir
    assert Path(origins["boto3"]).parent.parent == boto_dir
    assert not any("site-packages" in entry for entry in handler.started["path"])


def test_handler_lists_todos_as_a_json_array(handler):
    created = handler("POST", "/todos", {"title": "list me", "memo": "", "priority": 1})[1]
    status, body, _ = handler("GET", "/todos")
    assert status == 200
    assert created in body


def test_handler_creates_a_todo_with_location_and_etag(handler):
    status, body, headers = handler("POST", "/todos", {"title": "𩸽 を買う", "memo": "二匹", "priority": 3})
    assert status == 201
    assert {k: body[k] for k in ("title", "memo", "priority", "completed", "version")} == {
        "title": "𩸽 を買う",
        "memo": "二匹",
        "priority": 3,
        "completed": False,
        "version": 1,
    }
    assert len(body["id"]) == 32
    assert headers["Location"] == f"/api/todos/{body['id']}"
    assert headers["ETag"] == '"1"'


def test_handler_gets_a_stored_todo(handler):
    created = handler("POST", "/todos", {"title": "get me", "memo": "m", "priority": 2})[1]
    status, body, _ = handler("GET", f"/todos/{created['id']}")
    assert (status, body) == (200, created)


def test_handler_answers_an_unknown_id_with_404_not_found_error(handler):
    status, body, _ = handler("GET", "/todos/no-such-todo")
    assert status == 404
    assert body["Code"] == "NotFoundError"
    assert body["Message"].startswith("NotFoundError: ")


def test_handler_updates_a_todo_and_bumps_its_version(handler):
    created = handler("POST", "/todos", {"title": "update me", "memo": "m", "priority": 2})[1]
    status, body, _ = handler("PUT", f"/todos/{created['id']}", {"completed": True, "priority": 5})
    assert status == 200
    assert (body["completed"], body["priority"], body["version"], body["title"]) == (True, 5, 2, "update me")
    assert handler("GET", f"/todos/{created['id']}")[1] == body


def test_handler_deletes_a_todo_and_then_cannot_find_it(handler):
    created = handler("POST", "/todos", {"title": "delete me", "memo": "m", "priority": 4})[1]
    status, body, _ = handler("DELETE", f"/todos/{created['id']}")
    assert (status, body) == (200, created)
    assert handler("GET", f"/todos/{created['id']}")[0] == 404
    assert handler("DELETE", f"/todos/{created['id']}")[0] == 404


def test_handler_rejects_an_invalid_body_with_400(handler):
    status, body, _ = handler("POST", "/todos", {"title": "no priority", "memo": ""})
    assert status == 400
    assert body["Code"] == "BadRequestError"


def test_handler_keeps_each_callers_todos_to_themselves(handler):
    created = handler("POST", "/todos", {"title": "A's", "memo": "", "priority": 2}, caller=USER_A)[1]
    assert handler("GET", f"/todos/{created['id']}", caller=USER_B)[0] == 404
    assert handler("DELETE", f"/todos/{created['id']}", caller=USER_B)[0] == 404
    assert all(todo["id"] != created["id"] for todo in handler("GET", "/todos", caller=USER_B)[1])
    assert handler("GET", f"/todos/{created['id']}", caller=USER_A)[1] == created


def test_handler_refuses_a_request_without_the_authorizers_claims_with_401(handler):
    status, body, _ = handler("GET", "/todos", caller=None)
    assert status == 401
    assert body["Code"] == "UnauthorizedError"


def test_handler_answers_a_method_the_any_route_hands_on_with_405_and_allow(handler, template):
    # The packaged template routes every other method of a resource to the function (ANY), as here.
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert "x-amazon-apigateway-any-method" in paths["/todos"]
    status, body, headers = handler("DELETE", "/todos", caller=None)
    assert status == 405
    assert body["Code"] == "MethodNotAllowedError"
    allowed = {m.strip() for m in headers["Allow"].split(",")}
    assert {"GET", "HEAD", "POST", "OPTIONS"} <= allowed and "DELETE" not in allowed


# What the handler writes: one line a request, its record with the request's metrics (CloudWatch's embedded
# metric format), and nothing of a token, a title or a memo.
FAKE_TOKEN = "eyJhbGciOiJSUzI1NiJ9.RECOGNISABLE-FAKE-TOKEN-5f1c.c2lnbmF0dXJl"
TITLE = "題名 recognisable title 8c2e"
MEMO = "recognisable memo text 3b7d"
RECORD_FIELDS = {"level", "timestamp", "message", "service", "lambda_request_id", "api_request_id", "cold_start"}
RECORD_FIELDS |= {"method", "route", "status", "latency_ms"}
EMF_UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes"}
EMF_UNITS |= {"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "None"}
EMF_UNITS |= {f"{unit}/Second" for unit in ("Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Count")}
EMF_UNITS |= {f"{unit}/Second" for unit in ("Bits", "Kilobits", "Megabits", "Gigabits", "Terabits")}


class Sent:
    """One request of the session and what the handler wrote for it."""

    def __init__(self, handler, status, body, caller):
        self.status, self.body, self.caller = status, body, caller
        self.lines, self.request_id, self.event = handler.lines, handler.request_id, handler.event
        self.trace_root = handler.trace.partition(";")[0].removeprefix("Root=")

    @property
    def record(self):
        (line,) = self.lines  # one line a request: its record
        return json.loads(line)


@pytest.fixture(scope="module")
def session(handler):
    """Requests of every outcome, each with a recognisable token, title or memo."""
    sent = []

    def send(method, path, payload=None, headers=None, caller=USER_A):
        # The authorizer has verified a token; the header still carries it, as API Gateway passes it on.
        headers = {"Authorization": f"Bearer {FAKE_TOKEN}", **(headers or {})}
        status, body, _ = handler(method, path, payload, headers=headers, caller=caller)
        sent.append(Sent(handler, status, body, caller))
        return body

    created = send("POST", "/todos", {"title": TITLE, "memo": MEMO, "priority": 3})
    path = f"/todos/{created['id']}"
    send("GET", path)
    send("PUT", path, {"memo": MEMO + " again"}, headers={"If-Match": '"7"'})  # 412
    send("PATCH", path, {"title": TITLE + " again"})
    send("GET", "/todos")
    send("GET", "/todos/no-such-todo")  # 404
    send("POST", "/todos", {"title": TITLE})  # 400: no memo or priority
    send("POST", "/todos", TITLE, headers={"content-type": "text/plain"})  # 415
    send("GET", "/todos", caller=None)  # 401
    send("DELETE", "/todos", caller=None)  # 405
    send("DELETE", path)
    return sent


def emf_problems(document):
    """Why CloudWatch would not take ``document`` as an embedded metric format log event (none: it would)."""
    problems = []
    metadata = document.get("_aws")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("Timestamp"), int):
        return ["_aws.Timestamp is not an integer (epoch milliseconds)"]
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return ["_aws.CloudWatchMetrics is not a non-empty list"]
    for directive in directives:
        if not isinstance(directive.get("Namespace"), str) or not directive["Namespace"]:
            problems.append(f"no Namespace: {directive}")
        for dimension_set in directive.get("Dimensions", []):
            if not 1 <= len(dimension_set) <= 30:
                problems.append(f"a dimension set of {len(dimension_set)}: {dimension_set}")
            problems += [
                f"dimension {name} is no string member"
                for name in dimension_set
                if not isinstance(document.get(name), str)
            ]
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            problems.append(f"Metrics is not a list of 1 to 100: {metrics}")
            continue
        for metric in metrics:
            value = document.get(metric.get("Name"))
            if metric.get("Unit", "None") not in EMF_UNITS:
                problems.append(f"unit {metric.get('Unit')} of {metric.get('Name')}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"metric {metric.get('Name')} has no number: {value!r}")
    return problems


def metric_names(record):
    return [[metric["Name"] for metric in directive["Metrics"]] for directive in record["_aws"]["CloudWatchMetrics"]]


def test_every_line_the_handler_writes_is_one_json_object(handler, session):
    lines = handler.log.read_text(encoding="utf-8").splitlines()
    assert lines
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_each_request_writes_one_record_with_its_ids_route_status_latency_and_caller(session):
    for sent in session:
        record = sent.record
        assert set(record) >= RECORD_FIELDS, record
        assert record["level"] == ("ERROR" if sent.status >= 500 else "INFO")
        assert record["lambda_request_id"] == sent.request_id
        # The function keeps what it read of its environment, but for the trace of each invocation.
        assert record["xray_trace_id"] == sent.trace_root
        assert record["api_request_id"] == sent.event["requestContext"]["requestId"]
        assert (record["method"], record["route"]) == (sent.event["httpMethod"], sent.event["resource"])
        assert record["status"] == sent.status
        assert isinstance(record["latency_ms"], float) and record["latency_ms"] >= 0
        assert record["service"] == "hobopy-test-api"
        assert record.get("caller") == (sent.caller if sent.status not in (401, 405) else None)
        assert record.get("error") == (sent.body["Code"] if sent.status >= 400 else None)
    assert [sent.status for sent in session] == [201, 200, 412, 200, 200, 404, 400, 415, 401, 405, 200]


def test_only_the_first_record_the_process_writes_is_a_cold_start(handler, session):
    records = [json.loads(line) for line in handler.log.read_text(encoding="utf-8").splitlines()]
    assert [record["cold_start"] for record in records] == [True] + [False] * (len(records) - 1)
    assert records[0]["ColdStarts"] == 1 and all("ColdStarts" not in record for record in records[1:])


def test_no_token_title_memo_or_claim_is_written(handler, session):
    written = handler.log.read_text(encoding="utf-8")
    for secret in (FAKE_TOKEN, "RECOGNISABLE-FAKE-TOKEN", "verified-by-api-gateway", "Bearer", "Authorization"):
        assert secret not in written
    for text in (TITLE, "recognisable title", MEMO, "recognisable memo", "題名", "@example.com", "cognito"):
        assert text not in written


def test_each_record_carries_its_metrics_as_emf_cloudwatch_accepts(session):
    for sent in session:
        record = sent.record
        assert emf_problems(record) == []
        directives = record["_aws"]["CloudWatchMetrics"]
        assert {directive["Namespace"] for directive in directives} == {"hobopy"}
        assert record["Requests"] == 1 and record["Latency"] >= 0
        expected_sets = [["service"], ["service", "error"]] if 400 <= sent.status < 500 else [["service"]]
        assert [dimension_set for d in directives for dimension_set in d["Dimensions"]] == expected_sets
        assert record.get("ClientErrors", 0) == (1 if 400 <= sent.status < 500 else 0)
        assert record.get("Conflicts", 0) == (1 if sent.status == 412 else 0)
        assert "ServerErrors" not in record


def test_dynamodb_calls_are_counted_per_request(session):
    calls = {(sent.event["httpMethod"], sent.status): sent.record["DynamoDBCalls"] for sent in session}
    assert calls[("GET", 200)] == 1 and calls[("POST", 201)] == 1 and calls[("DELETE", 200)] == 1
    # Refused before the database is asked.
    assert calls[("GET", 401)] == 0 and calls[("POST", 400)] == 0 and calls[("DELETE", 405)] == 0


def test_dynamodb_retries_are_counted_and_the_request_succeeds(handler, proxy):
    created = handler("POST", "/todos", {"title": "retried", "memo": "", "priority": 1})[1]
    proxy.throttle(2)
    status, body, _ = handler("GET", f"/todos/{created['id']}")
    assert (status, body) == (200, created)
    record = json.loads(handler.lines[0])
    assert (record["DynamoDBCalls"], record["DynamoDBRetries"]) == (1, 2)
    assert "DynamoDBRetries" in metric_names(record)[0]


def test_a_500_record_carries_the_traceback_as_fields_and_the_answer_says_nothing(
    handler, dynalite_endpoint, handler_table
):
    # A stored value the API cannot answer in JSON: a bug's 500, not a 4xx.
    client = storage.dynamodb_client(dynalite_endpoint)
    item = {"owner": {"S": USER_A}, "id": {"S": "binary-title"}, "title": {"B": b"\x00"}, "memo": {"S": ""}}
    client.put_item(TableName=handler_table, Item={**item, "priority": {"N": "1"}, "completed": {"BOOL": False}})
    status, body, _ = handler("GET", "/todos/binary-title")
    assert status == 500
    assert body == {"Code": "InternalServerError", "Message": "InternalServerError: an internal server error occurred."}
    (line,) = handler.lines
    record = json.loads(line)
    assert (record["level"], record["status"], record["error"]) == ("ERROR", 500, "InternalServerError")
    assert record["exception_name"] == "TypeError" and "Traceback" in record["exception"]
    frames = record["stack_trace"]["frames"]
    assert frames and all({"file", "line", "function", "statement"} <= set(frame) for frame in frames)
    assert any(frame["function"] == "get_todo" for frame in frames)
    assert record["ServerErrors"] == 1 and emf_problems(record) == []
