"""The OpenAPI document matches the app: same routes and methods, and every status it lists is real."""

import json
import re

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib import errors, openapi, todos
from tests.quality import openapi_doc
from tests.quality.openapi_doc import DOCUMENT
from tests.support.audit import audited
from tests.support.project import app_client, chalice_project

JSON = {"Content-Type": "application/json"}
ALLOWED_ORIGIN = "http://127.0.0.1:8002"  # the allow-list chalice_project() writes
NEW = {"title": "Write the OpenAPI document", "memo": "", "priority": 2}
# The one error the app answers outside the domain's error classes: the CORS preflight's refusal.
FRAMEWORK_ERRORS = {(403, "ForbiddenError")}
BAD_TOKEN = {"Authorization": "Bearer not-a-token"}


def _error_table():
    """{(status, Code)} of every domain error class: the table the app answers errors from."""
    found, pending = set(), [errors.TodoError]
    while pending:
        error = pending.pop()
        found.add((error.STATUS, error.CODE))
        pending += error.__subclasses__()
    return found


def _documented_codes():
    """{(status, Code)} over every error answer the document lists."""
    codes = set()
    for path, method, _ in openapi_doc.operations():
        for status, (answer, _) in openapi_doc.answers(path, method).items():
            if status < 400:
                continue
            schema = answer["content"]["application/json"]["schema"]
            for part in schema["allOf"]:
                for code in part.get("properties", {}).get("Code", {}).get("enum", []):
                    codes.add((status, code))
    return codes


def test_document_is_valid_openapi_3():
    validate(DOCUMENT)
    assert DOCUMENT["openapi"].startswith("3.")


def test_every_route_and_method_of_the_app_is_documented_and_nothing_else():
    in_app = {(path, method) for path, methods in app.routes.items() for method in methods}
    in_document = {(path, method) for path, method, _ in openapi_doc.operations()}
    assert in_app - in_document == set(), "routes the document does not describe"
    assert in_document - in_app == set(), "operations the app does not serve"


def test_every_error_of_the_error_table_is_documented_with_its_code():
    assert _error_table() - _documented_codes() == set()


def test_every_documented_error_code_comes_from_the_error_table_or_the_preflight():
    assert _documented_codes() - _error_table() - FRAMEWORK_ERRORS == set()


def test_415_is_documented_exactly_where_the_operation_takes_a_body():
    for path, method, operation in openapi_doc.operations():
        assert (415 in openapi_doc.answers(path, method)) == ("requestBody" in operation), f"{method} {path}"


def test_401_is_documented_exactly_where_the_route_needs_the_caller():
    for path, method, operation in openapi_doc.operations():
        secured = app.routes[path][method].authorizer is not None
        assert (401 in openapi_doc.answers(path, method)) == secured == bool(operation.get("security")), method + path


def test_every_operation_that_reads_the_database_documents_503_with_retry_after():
    for path, method, _ in openapi_doc.operations():
        if method == "OPTIONS" or path == "/openapi.json":
            continue
        answer, _ = openapi_doc.answers(path, method)[503]
        assert "Retry-After" in answer["headers"], f"{method} {path}"


def test_links_name_operations_that_exist_with_parameters_they_have():
    ids = {operation["operationId"]: (path, method) for path, method, operation in openapi_doc.operations()}
    assert len(ids) == len(list(openapi_doc.operations())), "operationIds are unique"
    checked = 0
    for path, method, _ in openapi_doc.operations():
        for answer, _ in openapi_doc.answers(path, method).values():
            for link in answer.get("links", {}).values():
                target_path, target_method = ids[link["operationId"]]
                target = openapi_doc.operation(target_path, target_method)
                params = [
                    openapi_doc.resolve(p, "")[0]
                    for p in DOCUMENT["paths"][target_path].get("parameters", []) + target.get("parameters", [])
                ]
                names = {f"{p['in']}.{p['name']}" for p in params} | {p["name"] for p in params}
                assert set(link["parameters"]) <= names, link
                checked += 1
    assert checked >= 10


def test_if_match_and_write_answers_are_linked_through_the_etag():
    link = openapi_doc.answers("/todos", "POST")[201][0]["links"]["UpdateTodo"]
    assert link["parameters"] == {"todo_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}


def test_served_document_is_the_file_with_its_server_where_it_was_fetched(dynalite_api_client):
    response = dynalite_api_client.get("/openapi.json")
    served = json.loads(response.body)
    assert response.status_code == 200
    assert served["servers"] == [{"url": "/"}]
    # The test stage has a demo owner, so no token is one of the todo operations' options.
    expected = openapi.document("/", anonymous_allowed=True)
    assert served == expected and served["paths"]["/todos"]["get"]["security"] == [{"CognitoIdToken": []}, {}]
    assert {k: v for k, v in served.items() if k not in ("servers", "paths")} == {
        k: v for k, v in DOCUMENT.items() if k not in ("servers", "paths")
    }
    assert openapi.document("/api")["servers"] == [{"url": "/api"}]
    assert openapi.document("/api")["paths"] == DOCUMENT["paths"]


@pytest.fixture
def down_api(dynalite_endpoint, tmp_path):
    """A client whose table does not exist: every database call is refused at once."""
    project = chalice_project(tmp_path / "down", dynalite_endpoint, "NoSuchTable")
    with app_client(project) as client:
        yield audited(client.http)


def _create(dynalite_api_client):
    response = dynalite_api_client.post("/todos", headers=JSON, body=json.dumps(NEW))
    assert response.status_code == 201
    return json.loads(response.body)["id"]


def _tags(count):
    return ", ".join(f'"{n}"' for n in range(100, 100 + count))


BIG = json.dumps({**NEW, "memo": "x" * 70000})
EVIL = "https://evil.example"
# One real request per documented (operation, status): (method, path or
# "{id}" for a todo that exists, headers, body, which client).
PROVOKERS = {
    ("listTodos", 200): ("GET", "/todos", {}, None, "api"),
    ("listTodos", 400): ("GET", "/todos?limit=0", {}, None, "api"),
    ("listTodos", 503): ("GET", "/todos", {}, None, "down"),
    ("listTodos", 304): ("GET", "/todos", {"If-None-Match": "*"}, None, "api"),
    ("headTodos", 304): ("HEAD", "/todos", {"If-None-Match": "*"}, None, "api"),
    ("createTodo", 201): ("POST", "/todos", JSON, json.dumps(NEW), "api"),
    ("createTodo", 400): ("POST", "/todos", JSON, "{}", "api"),
    ("createTodo", 413): ("POST", "/todos", JSON, BIG, "api"),
    ("createTodo", 415): ("POST", "/todos", {"Content-Type": "text/plain"}, "hello", "api"),
    ("createTodo", 503): ("POST", "/todos", JSON, json.dumps(NEW), "down"),
    ("preflightTodos", 204): ("OPTIONS", "/todos", {"Origin": ALLOWED_ORIGIN}, None, "api"),
    ("preflightTodos", 403): ("OPTIONS", "/todos", {"Origin": EVIL}, None, "api"),
    ("getTodo", 200): ("GET", "{id}", {}, None, "api"),
    ("getTodo", 404): ("GET", "/todos/missing", {}, None, "api"),
    ("getTodo", 503): ("GET", "/todos/x", {}, None, "down"),
    ("deleteTodo", 200): ("DELETE", "{id}", {"If-Match": '"1"'}, None, "api"),
    ("deleteTodo", 400): ("DELETE", "{id}", {"If-Match": _tags(21)}, None, "api"),
    ("deleteTodo", 404): ("DELETE", "/todos/missing", {}, None, "api"),
    ("deleteTodo", 412): ("DELETE", "{id}", {"If-Match": '"7"'}, None, "api"),
    ("deleteTodo", 503): ("DELETE", "/todos/x", {}, None, "down"),
    ("preflightTodo", 204): ("OPTIONS", "/todos/x", {"Origin": ALLOWED_ORIGIN}, None, "api"),
    ("preflightTodo", 403): ("OPTIONS", "/todos/x", {}, None, "api"),
    ("getOpenApiDocument", 200): ("GET", "/openapi.json", {}, None, "api"),
    ("headOpenApiDocument", 200): ("HEAD", "/openapi.json", {}, None, "api"),
    ("preflightOpenApiDocument", 204): ("OPTIONS", "/openapi.json", {"Origin": ALLOWED_ORIGIN}, None, "api"),
    ("preflightOpenApiDocument", 403): ("OPTIONS", "/openapi.json", {"Origin": EVIL}, None, "api"),
    ("headTodos", 200): ("HEAD", "/todos", {}, None, "api"),
    ("headTodos", 400): ("HEAD", "/todos?limit=0", {}, None, "api"),
    ("headTodos", 503): ("HEAD", "/todos", {}, None, "down"),
    ("headTodo", 200): ("HEAD", "{id}", {}, None, "api"),
    ("headTodo", 404): ("HEAD", "/todos/missing", {}, None, "api"),
    ("headTodo", 503): ("HEAD", "/todos/x", {}, None, "down"),
}
# A token this stage cannot verify: every operation that needs the caller refuses it before anything else.
PROVOKERS.update(
    {
        (operation["operationId"], 401): (method, "/todos/x" if "todo_id" in path else path, BAD_TOKEN, None, "api")
        for path, method, operation in openapi_doc.operations()
        if operation.get("security")
    }
)
for _update in ("updateTodo", "patchTodo"):
    PROVOKERS.update(
        {
            (_update, 200): ("{method}", "{id}", {**JSON, "If-Match": '"1"'}, '{"completed": true}', "api"),
            (_update, 201): ("{method}", "{new id}", {**JSON, "If-None-Match": "*"}, json.dumps(NEW), "api"),
            (_update, 400): ("{method}", "{id}", JSON, '{"priority": 9}', "api"),
            (_update, 404): ("{method}", "/todos/missing", JSON, '{"completed": true}', "api"),
            (_update, 412): ("{method}", "{id}", {**JSON, "If-Match": '"2"'}, '{"completed": true}', "api"),
            (_update, 413): ("{method}", "{id}", JSON, BIG, "api"),
            (_update, 415): ("{method}", "{id}", {"Content-Type": "text/plain"}, "x", "api"),
            (_update, 503): ("{method}", "/todos/x", JSON, '{"completed": true}', "down"),
        }
    )

DOCUMENTED = sorted(
    (operation["operationId"], status, path, method)
    for path, method, operation in openapi_doc.operations()
    for status in openapi_doc.answers(path, method)
)


def test_every_provoked_answer_is_one_the_document_lists():
    documented = {(op, status) for op, status, _, _ in DOCUMENTED}
    assert set(PROVOKERS) - documented == set()


@pytest.mark.parametrize(
    "operation_id, status, path, method", DOCUMENTED, ids=[f"{op}-{status}" for op, status, _, _ in DOCUMENTED]
)
def test_every_documented_answer_is_real_and_conforms_to_the_document(
    dynalite_api_client, down_api, operation_id, status, path, method
):
    assert (operation_id, status) in PROVOKERS, f"no request known that makes {method} {path} answer {status}"
    verb, target, headers, body, which = PROVOKERS[(operation_id, status)]
    if target == "{id}":
        target = f"/todos/{_create(dynalite_api_client)}"
    elif target == "{new id}":
        target = f"/todos/{todos.new_id()}"
    client = {"api": dynalite_api_client, "down": down_api}[which]
    response = client.request(verb.format(method=method), target, headers=headers, body=body or b"")
    assert response.status_code == status, response.body
    text = response.body.decode("utf-8") if response.body else ""
    assert openapi_doc.answer_problems(path, method, status, response.headers, text) == []


def test_answer_validation_catches_what_the_document_does_not_allow():
    good = json.dumps({"id": "a", "title": "t", "memo": "", "priority": 1, "completed": False})
    headers = {"ETag": '"1"', "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Vary": "Origin"}
    assert openapi_doc.answer_problems("/todos/{todo_id}", "GET", 200, headers, good) == []
    extra = json.dumps({**json.loads(good), "secret": 1})
    assert openapi_doc.answer_problems("/todos/{todo_id}", "GET", 200, headers, extra)
    assert openapi_doc.answer_problems("/todos/{todo_id}", "GET", 200, {**headers, "ETag": "W/1"}, good)
    assert openapi_doc.answer_problems("/todos/{todo_id}", "GET", 500, headers, good)
    no_sniff = {k: v for k, v in headers.items() if k != "X-Content-Type-Options"}
    assert openapi_doc.answer_problems("/todos/{todo_id}", "GET", 200, no_sniff, good)
    wrong_code = json.dumps({"Code": "BadRequestError", "Message": "BadRequestError: x"})
    assert re.search(
        "NotFoundError", " ".join(openapi_doc.answer_problems("/todos/{todo_id}", "GET", 404, headers, wrong_code))
    )


def test_an_answer_to_head_is_held_to_the_headers_and_an_empty_body():
    headers = {"ETag": '"1"', "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Vary": "Origin"}
    assert openapi_doc.answer_problems("/todos/{todo_id}", "HEAD", 200, headers, "") == []
    assert openapi_doc.answer_problems("/todos/{todo_id}", "HEAD", 200, headers, '{"id": "a"}')
    assert openapi_doc.answer_problems("/todos/{todo_id}", "HEAD", 200, {**headers, "ETag": "W/1"}, "")
