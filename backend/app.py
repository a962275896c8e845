"""The hobopy Todo API: routes only; rules live in chalicelib.todos, storage in chalicelib.storage."""
import functools
import json
import logging
import os

from chalice import Chalice, Response

from chalicelib import deployguard  # noqa: F401  (stops `chalice deploy`, before any AWS call)
from chalicelib import openapi, storage, todos

app = Chalice(app_name="hobopy")
app.log.setLevel(logging.INFO)

JSON_ONLY = ["application/json"]
# Reads carry no body, so any Content-Type they may send is fine.
ANY_TYPE = ["*/*"]
EXPOSED_HEADERS = "ETag, Link, Location, Retry-After"
ALLOWED_METHODS = {"/todos": "GET, POST, OPTIONS", "/todos/{todo_id}": "GET, PUT, PATCH, DELETE, OPTIONS"}

_ERRORS = {
    todos.ValidationError: (400, "BadRequestError"),
    todos.NotFound: (404, "NotFoundError"),
    todos.PreconditionFailed: (412, "PreconditionFailed"),
    todos.PayloadTooLarge: (413, "RequestEntityTooLargeError"),
    todos.Unavailable: (503, "ServiceUnavailable"),
}


def json_response(body, status=200, headers=None):
    """A JSON answer with text as UTF-8 rather than \\u escapes, so it reads as it was written."""
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def error_response(status, code, message, headers=None):
    """An error in the contract's shape: ``{"Code": ..., "Message": "<Code>: <message>"}``."""
    return json_response({"Code": code, "Message": f"{code}: {message}"}, status, headers)


def translating_errors(view):
    """Answer domain errors with their status; any other exception is a bug, answered without detail."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except todos.TodoError as exc:
            status, code = _ERRORS[type(exc)]
            headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, todos.Unavailable) else None
            return error_response(status, code, str(exc), headers)
        except Exception:
            app.log.exception("unexpected error in %s", view.__name__)
            return error_response(500, "InternalServerError", "an internal server error occurred.")

    return wrapper


def _repository():
    return storage.repository_from_environment()


def _request_path():
    # The path as the client sent it, stage prefix (e.g. /api) included.
    request = app.current_request
    return (request.context or {}).get("path") or request.path


def _todo_response(todo, status=200, headers=None):
    return json_response(todo, status, {"ETag": todos.etag(todo), **(headers or {})})


def _if_match():
    return todos.parse_if_match(app.current_request.headers.get("if-match"))


def _json_body():
    return todos.parse_body(app.current_request.raw_body)


@app.route("/todos", methods=["GET"], content_types=ANY_TYPE)
@translating_errors
def list_todos():
    """GET /todos: all todos, or one page of them (completed=, limit=, cursor=)."""
    params = app.current_request.query_params or {}
    completed, limit, cursor = todos.parse_list_query(params)
    items, next_cursor = _repository().list(completed=completed, limit=limit, cursor=cursor)
    headers = {}
    if next_cursor is not None:
        query = {k: v for k, v in (("completed", params.get("completed")), ("limit", params.get("limit"))) if v}
        query["cursor"] = next_cursor
        link = _request_path() + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        headers["Link"] = f'<{link}>; rel="next"'
    return json_response(items, 200, headers)


@app.route("/todos", methods=["POST"], content_types=JSON_ONLY)
@translating_errors
def create_todo():
    """POST /todos: create a todo from title, memo, priority (and completed)."""
    todo = _repository().create(todos.validate_new(_json_body()))
    location = _request_path().rstrip("/") + "/" + todo["id"]
    return _todo_response(todo, status=201, headers={"Location": location})


@app.route("/todos/{todo_id}", methods=["GET"], content_types=ANY_TYPE)
@translating_errors
def get_todo(todo_id):
    """GET /todos/{id}: one todo."""
    return _todo_response(_repository().get(todo_id))


@app.route("/todos/{todo_id}", methods=["PUT", "PATCH"], content_types=JSON_ONLY)
@translating_errors
def update_todo(todo_id):
    """PUT /todos/{id}: partial update (PATCH is the same)."""
    if_match = _if_match()
    changes = todos.validate_changes(_json_body())
    return _todo_response(_repository().update(todo_id, changes, if_match=if_match))


@app.route("/todos/{todo_id}", methods=["DELETE"], content_types=ANY_TYPE)
@translating_errors
def delete_todo(todo_id):
    """DELETE /todos/{id}: delete a todo and answer it as it was."""
    return _todo_response(_repository().delete(todo_id, if_match=_if_match()))


@app.route("/openapi.json", methods=["GET"], content_types=ANY_TYPE)
def openapi_document():
    """GET /openapi.json: this API's OpenAPI 3 document, its server set to where it was fetched."""
    base_path = _request_path()[: -len("/openapi.json")]
    return json_response(openapi.document(base_path or "/"))


def _allowed_origins():
    # HOBOPY_CORS_ALLOW_ORIGINS is set by the local stack when the UI runs on
    # another port than the dev stage names; deployed stages never set it.
    value = os.environ.get("HOBOPY_CORS_ALLOW_ORIGINS") or os.environ.get("CORS_ALLOW_ORIGINS", "")
    return {origin.strip() for origin in value.split(",") if origin.strip()}


def _preflight(resource):
    origin = app.current_request.headers.get("origin")
    if origin not in _allowed_origins():
        return error_response(403, "ForbiddenError", f"origin {origin!r} is not allowed.")
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Methods": ALLOWED_METHODS[resource],
            "Access-Control-Allow-Headers": "Content-Type, If-Match",
            "Access-Control-Max-Age": "600",
        },
    )


@app.route("/todos", methods=["OPTIONS"], content_types=ANY_TYPE)
def preflight_todos():
    """OPTIONS /todos: CORS preflight for allowed origins."""
    return _preflight("/todos")


@app.route("/todos/{todo_id}", methods=["OPTIONS"], content_types=ANY_TYPE)
def preflight_todo(todo_id):
    """OPTIONS /todos/{id}: CORS preflight for allowed origins."""
    return _preflight("/todos/{todo_id}")


@app.middleware("http")
def common_headers(event, get_response):
    """Security headers on every answer, and CORS headers for allowed origins."""
    response = get_response(event)
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cache-Control"] = "no-store"
    origin = event.headers.get("origin")
    if origin and origin in _allowed_origins():
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    headers["Vary"] = "Origin"
    body = response.body
    if not isinstance(body, (str, bytes)):
        # Chalice's own errors (405, 415) are dicts it serialises to JSON
        # without saying so; API Gateway would fall back to its default type.
        headers.setdefault("Content-Type", "application/json")
        if isinstance(body, dict) and set(body) == {"Code", "Message"} and not body["Message"].startswith(body["Code"]):
            # ...and they get the same "<Code>: <message>" form as ours.
            body["Message"] = f"{body['Code']}: {body['Message']}"
    return response
