"""deployment.zip on its own: small, runtime code only, and working with nothing but boto3 beside it."""

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app import app as routes  # only its routes: the events are built on them
from devtools.local import gateway
from devtools.quality import bench
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
    """(app folder, boto folder): the zip unpacked alone, and boto3 with its dependencies alone."""
    app_dir = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(archive) as package:
        package.extractall(app_dir)
    boto_dir = bench.runtime_folder(tmp_path_factory.mktemp("runtime"))
    assert (boto_dir / "botocore").is_dir() and not (boto_dir / "chalice").exists()
    return app_dir, boto_dir


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
    """A bare interpreter that runs the unpacked handler on API Gateway proxy events."""

    def __init__(self, app_dir, boto_dir, endpoint, table):
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
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(RUNNER), str(app_dir), str(boto_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.started = json.loads(self.process.stdout.readline() or "null")

    def __call__(self, method, path, payload=None, headers=None, caller=USER_A):
        """(status, parsed body, headers) of one request, signed in as ``caller`` (None: no token)."""
        event = gateway.proxy_event(
            routes, method, path, body=payload, headers={"content-type": "application/json", **(headers or {})}
        )
        if caller is not None:
            # What API Gateway's Cognito authorizer passes on once it has verified the ID token.
            event["headers"]["Authorization"] = "eyJ.verified-by-api-gateway.sig"
            event["requestContext"]["authorizer"] = {"claims": id_token_claims(caller)}
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the handler process died"
        response = json.loads(line)
        body = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], body, response["headers"]

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def handler(unpacked, dynalite_endpoint):
    table = create_fresh_table(dynalite_endpoint)
    running = Handler(*unpacked, dynalite_endpoint, table)
    yield running
    running.close()


def test_handler_runs_on_the_zip_and_the_runtime_boto3_alone(handler, unpacked):
    app_dir, boto_dir = unpacked
    origins = handler.started["origins"]
    assert Path(origins["app"]).parent == app_dir
    assert Path(origins["chalice"]).parent.parent == app_dir
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
