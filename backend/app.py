"""The hobopy Todo API: routes only; the domain is chalicelib.todos, requests and answers chalicelib.http, storage
chalicelib.storage."""

from chalicelib import deployguard  # noqa: F401, I001  (first: stops `chalice deploy` before any AWS call)

import functools
import gc
from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Chalice, CognitoUserPoolAuthorizer, Request, Response

from chalicelib import auth, errors, http, observability, openapi, settings, storage, todos

# Chalice's own messages go through the service's logger, as JSON records like the app's.
app = Chalice(app_name="hobopy", configure_logs=False)
app.log = observability.log
storage.request_observers.append(observability.note_dynamodb_request)

# API Gateway verifies the callers' ID tokens against this user pool before a
# todo route runs. The deploy template puts the stack's own pool in place of
# this placeholder; local stages verify tokens in chalicelib.auth instead.
users = CognitoUserPoolAuthorizer(
    "TodoUsers", provider_arns=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_placeholder"]
)

# Media types are checked by http.check_media_type, more strictly than Chalice would.
ANY_TYPE = ["*/*"]
EXPOSED_HEADERS = "ETag, Link, Location, Retry-After"
ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match"

# Where the routes get their repository; tests put a factory of their own here.
repository_factory: Callable[[], todos.TodoRepository] = storage.repository_from_environment


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer in the API's encoding."""
    return Response(
        body=http.to_json(body),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error in the contract's shape: ``{"Code": ..., "Message": "<Code>: <message>"}``."""
    return json_response(errors.error_body(code, message), status, headers)


def translating_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answer domain errors with their status; any other exception is a bug, answered without detail."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except errors.TodoError as exc:
            return error_response(exc.STATUS, exc.CODE, str(exc), exc.headers())
        except Exception as exc:
            observability.note_failure(exc)
            return internal_error()

    return wrapper


def internal_error() -> Response:
    """The answer to a bug: a 500 that says nothing about it (the request's record holds the traceback)."""
    return error_response(500, "InternalServerError", "an internal server error occurred.")


def _request() -> Request:
    request = app.current_request
    assert request is not None, "a route runs only while a request is served"
    return request


def _owner() -> str:
    request = _request()
    owner = auth.caller(request.headers, request.context)
    observability.note_caller(owner)
    return owner


def _repository() -> todos.TodoRepository:
    return repository_factory()


def _request_path() -> str:
    # The path as the client sent it, stage prefix (e.g. /api) included.
    request = _request()
    path: str = (request.context or {}).get("path") or request.path
    return path


def _todo_response(todo: todos.Todo, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_response(todo, status, {"ETag": http.etag(todo), **(headers or {})})


def _if_match() -> todos.IfMatch:
    return http.parse_if_match(_request().headers.get("if-match"))


def _json_body() -> dict[str, Any]:
    request = _request()
    http.check_media_type(request.headers.get("content-type"))
    return http.parse_body(request.raw_body)


@app.route("/todos", methods=["GET", "HEAD"], content_types=ANY_TYPE, authorizer=users)
@translating_errors
def list_todos() -> Response:
    """GET /todos: the caller's todos, a page at a time (completed=, limit=, cursor=)."""
    owner = _owner()
    params: Mapping[str, str] = _request().query_params or {}
    completed, limit, cursor = http.parse_list_query(params)
    items, next_cursor = _repository().list(owner, completed=completed, limit=limit, cursor=cursor)
    headers = {}
    if next_cursor is not None:
        query: dict[str, str] = {name: params[name] for name in ("completed", "limit") if name in params}
        query["cursor"] = next_cursor
        link = _request_path() + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        headers["Link"] = f'<{link}>; rel="next"'
    headers["ETag"] = http.list_etag(items, headers.get("Link"))
    if http.none_match(_request().headers.get("if-none-match"), headers["ETag"]):
        # The caller's page is current: the same validators, no body.
        return Response(body="", status_code=304, headers={**headers})
    return json_response(items, 200, headers)


@app.route("/todos", methods=["POST"], content_types=ANY_TYPE, authorizer=users)
@translating_errors
def create_todo() -> Response:
    """POST /todos: create a todo from title, memo, priority (and completed, due, position)."""
    owner = _owner()
    todo = _repository().create(owner, todos.validate_new(_json_body()))
    location = _request_path().rstrip("/") + "/" + todo["id"]
    return _todo_response(todo, status=201, headers={"Location": location})


def _create_with_id(owner: str, todo_id: str) -> Response:
    try:
        if _request().headers.get("if-match") is not None:
            raise errors.ValidationError("If-Match cannot be given beside If-None-Match: a create has no version.")
        todos.check_client_id(todo_id)
        fields = todos.validate_new(_json_body())
    except errors.ValidationError as exc:
        # Said so: the same body without the header is an update with other rules.
        raise errors.ValidationError(f"{exc} (a PUT with If-None-Match: * creates a todo under its id.)") from None
    todo = _repository().create_with_id(owner, todo_id, fields)
    return _todo_response(todo, status=201, headers={"Location": _request_path()})


@app.route("/todos/{todo_id}", methods=["GET", "HEAD"], content_types=ANY_TYPE, authorizer=users)
@translating_errors
def get_todo(todo_id: str) -> Response:
    """GET /todos/{id}: one of the caller's todos."""
    owner = _owner()
    return _todo_response(_repository().get(owner, todo_id))


@app.route("/todos/{todo_id}", methods=["PUT", "PATCH"], content_types=ANY_TYPE, authorizer=users)
@translating_errors
def update_todo(todo_id: str) -> Response:
    """PUT /todos/{id}: partial update (PATCH is the same); with ``If-None-Match: *`` a create under that id."""
    owner = _owner()
    if http.is_create_only(_request().headers.get("if-none-match")):
        return _create_with_id(owner, todo_id)
    if_match = _if_match()
    changes = todos.validate_changes(_json_body())
    return _todo_response(_repository().update(owner, todo_id, changes, if_match=if_match))


@app.route("/todos/{todo_id}", methods=["DELETE"], content_types=ANY_TYPE, authorizer=users)
@translating_errors
def delete_todo(todo_id: str) -> Response:
    """DELETE /todos/{id}: delete one of the caller's todos and answer it as it was."""
    owner = _owner()
    return _todo_response(_repository().delete(owner, todo_id, if_match=_if_match()))


@app.route("/openapi.json", methods=["GET", "HEAD"], content_types=ANY_TYPE)
def openapi_document() -> Response:
    """GET /openapi.json: this API's OpenAPI 3 document, its server set to where it was fetched."""
    base_path = _request_path()[: -len("/openapi.json")]
    return json_response(openapi.document(base_path or "/", anonymous_allowed=settings.anonymous_owner() is not None))


def _preflight(resource: str) -> Response:
    origin = _request().headers.get("origin")
    if origin is None:
        return error_response(403, "ForbiddenError", "a CORS preflight needs an Origin header.")
    if not settings.cors_allows(origin):
        return error_response(403, "ForbiddenError", f"origin {errors.quoted(origin)} is not allowed.")
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Methods": ", ".join(sorted(app.routes[resource])),
            "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
            "Access-Control-Max-Age": "600",
        },
    )


@app.route("/todos", methods=["OPTIONS"], content_types=ANY_TYPE)
def preflight_todos() -> Response:
    """OPTIONS /todos: CORS preflight for allowed origins."""
    return _preflight("/todos")


@app.route("/todos/{todo_id}", methods=["OPTIONS"], content_types=ANY_TYPE)
def preflight_todo(todo_id: str) -> Response:
    """OPTIONS /todos/{id}: CORS preflight for allowed origins."""
    return _preflight("/todos/{todo_id}")


@app.route("/openapi.json", methods=["OPTIONS"], content_types=ANY_TYPE)
def preflight_openapi() -> Response:
    """OPTIONS /openapi.json: CORS preflight for allowed origins."""
    return _preflight("/openapi.json")


@app.middleware("http")
def common_headers(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Security headers on every answer, CORS headers for allowed origins, no body for HEAD."""
    response = get_response(event)
    headers = response.headers
    headers.update(http.SECURITY_HEADERS)
    origin = event.headers.get("origin")
    if origin and settings.cors_allows(origin):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    headers["Vary"] = "Origin"
    body = response.body
    if isinstance(body, dict):
        # Chalice's own errors (405) are dicts it serialises to JSON without
        # saying so; API Gateway would fall back to its default type...
        headers.setdefault("Content-Type", "application/json")
        if set(body) == {"Code", "Message"} and not str(body["Message"]).startswith(str(body["Code"])):
            # ...and they get the same "<Code>: <message>" form as ours.
            body.update(errors.error_body(str(body["Code"]), str(body["Message"])))
    if event.method == "HEAD":
        response.body = ""
    return response


# One structured record and one set of metrics for every request. Registered after ``common_headers``, so it runs
# inside it and reads an error's code before HEAD empties the body; Chalice calls it as (request, get_response).
observed = functools.partial(observability.observe, internal_error=internal_error)
app.register_middleware(observed, "http")


# Everything imported so far lives as long as the function. Freezing it keeps
# the collector from walking boto3's and Chalice's objects again: without this,
# the objects the app adds at import tip the first request into one full
# collection while boto3 builds its client (about a tenth of a cold start).
if settings.in_lambda():
    gc.freeze()
