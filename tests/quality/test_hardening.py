"""Hostile input and browser-facing headers: size and depth limits, nosniff/no-store everywhere, CORS allow-lists."""

import base64
import json
import time

import pytest
from chalice.test import Client

from app import app
from tests.support.audit import audited
from tests.support.project import BACKEND

JSON = {"Content-Type": "application/json"}
LIMIT = 64 * 1024
NEW = {"title": "t", "memo": "", "priority": 1}
DEV_ORIGINS = ["http://127.0.0.1:8002", "http://localhost:8002"]
# Pages on this machine at any port: the dev stage allows them all (e.g. the book's UI served on its own port).
LOOPBACK_ORIGINS = ["http://127.0.0.1:5173", "http://localhost:1", "http://[::1]:8080", "http://localhost:65535"]
FOREIGN_ORIGINS = [
    "https://evil.example",
    "null",
    "http://evil.example",
    "http://127.0.0.1:8002.evil.example",
    "http://127.0.0.1:80021",
    "http://localhost:65536",
    "http://localhost:0",
    "http://localhost:08002",
    "http://127.0.0.1",
    "http://[::1]",
    "https://127.0.0.1:8002",
    "http://127.0.0.2:8002",
    "http://0.0.0.0:8002",
    "http://localhost.:8002",
    "http://evil.localhost:8002",
    "http://user@localhost:8002",
    "http://localhost:8002/",
    "*",
]


def padded(size, **fields):
    """A valid todo body of exactly ``size`` bytes (the padding is an ignored field)."""
    body = json.dumps({**NEW, **fields, "pad": ""})
    return body[:-2] + "x" * (size - len(body)) + '"}'


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_body_over_64_kib_is_413_even_when_it_is_not_json(dynalite_api_client, method):
    started = time.monotonic()
    response = dynalite_api_client.request(
        method, "/todos" if method == "POST" else "/todos/x", headers=JSON, body="{" * (LIMIT + 1)
    )
    assert response.status_code == 413, response.body
    assert json.loads(response.body)["Code"] == "RequestEntityTooLargeError"
    assert time.monotonic() - started < 1


def test_a_body_of_exactly_64_kib_is_accepted_and_one_byte_more_is_not(dynalite_api_client):
    assert len(padded(LIMIT)) == LIMIT
    assert dynalite_api_client.post("/todos", headers=JSON, body=padded(LIMIT)).status_code == 201
    assert dynalite_api_client.post("/todos", headers=JSON, body=padded(LIMIT + 1)).status_code == 413
    assert len(json.loads(dynalite_api_client.get("/todos").body)) == 1


def nested(depth):
    return "[" * depth + "]" * depth


def test_json_nested_32_deep_is_read_and_33_deep_is_400(dynalite_api_client):
    ok = json.dumps(NEW)[:-1] + ', "extra": ' + nested(31) + "}"
    assert dynalite_api_client.post("/todos", headers=JSON, body=ok).status_code == 201
    too_deep = json.dumps(NEW)[:-1] + ', "extra": ' + nested(32) + "}"
    response = dynalite_api_client.post("/todos", headers=JSON, body=too_deep)
    assert response.status_code == 400 and "nested deeper than 32" in json.loads(response.body)["Message"]


@pytest.mark.parametrize(
    "body", [nested(30000), "{" + '"a":{' * 10000 + "}" * 10001, '["' + "]" * 60000 + '", ' + nested(40) + "]"]
)
def test_pathologically_nested_json_is_a_quick_400(dynalite_api_client, body):
    started = time.monotonic()
    response = dynalite_api_client.post("/todos", headers=JSON, body=body)
    assert response.status_code == 400
    assert time.monotonic() - started < 1


def test_brackets_inside_strings_do_not_count_as_nesting(dynalite_api_client):
    body = json.dumps({**NEW, "memo": "[" * 1000 + "{" * 900})
    response = dynalite_api_client.post("/todos", headers=JSON, body=body)
    assert response.status_code == 201 and json.loads(response.body)["memo"].startswith("[[[")


@pytest.mark.parametrize(
    "method, path, headers, body",
    [
        ("DELETE", "/todos", {}, None),
        ("PUT", "/todos", JSON, "{}"),
        ("POST", "/todos/x", JSON, "{}"),
        ("POST", "/todos", {"Content-Type": "text/html"}, "<b>x</b>"),
        ("PUT", "/todos/x", {"Content-Type": "application/x-www-form-urlencoded"}, "title=x"),
    ],
    ids=["405 DELETE collection", "405 PUT collection", "405 POST item", "415 html", "415 form"],
)
def test_the_framework_s_own_errors_carry_the_security_headers_and_the_contract_shape(
    dynalite_api_client, method, path, headers, body
):
    response = dynalite_api_client.request(method, path, headers=headers, body=body or b"")
    assert response.status_code in (405, 415)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"].startswith("application/json")
    error = json.loads(response.body)
    assert set(error) == {"Code", "Message"}


@pytest.fixture(params=["dev", "prod"])
def stage_client(request):
    """The app configured by a real stage of backend/.chalice/config.json (only routes that need no database)."""
    with Client(app, stage_name=request.param, project_dir=str(BACKEND)) as client:
        yield request.param, audited(client.http)


def allowed_for(stage):
    return DEV_ORIGINS + LOOPBACK_ORIGINS if stage == "dev" else []


@pytest.mark.parametrize("origin", DEV_ORIGINS + LOOPBACK_ORIGINS + FOREIGN_ORIGINS)
def test_only_origins_on_the_stage_s_allow_list_get_cors_headers(stage_client, origin):
    stage, http = stage_client
    response = http.get("/openapi.json", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers
    if origin in allowed_for(stage):
        assert response.headers["Access-Control-Allow-Origin"] == origin
        exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"ETag", "Location", "Link", "Retry-After"} <= exposed
    else:
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Expose-Headers" not in response.headers


@pytest.mark.parametrize(
    "path, methods", [("/todos", {"GET", "POST"}), ("/todos/x", {"GET", "PUT", "PATCH", "DELETE"})]
)
@pytest.mark.parametrize("origin", DEV_ORIGINS + LOOPBACK_ORIGINS[:1] + FOREIGN_ORIGINS[:3] + [None])
def test_preflight_answers_allowed_origins_and_refuses_the_rest(stage_client, path, methods, origin):
    stage, http = stage_client
    headers = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type, if-match"}
    if origin:
        headers["Origin"] = origin
    response = http.options(path, headers=headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if origin in allowed_for(stage):
        assert response.status_code == 204
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert methods <= {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
        assert {"content-type", "if-match"} <= {
            h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
        }
    else:
        assert response.status_code == 403
        assert json.loads(response.body)["Code"] == "ForbiddenError"
        assert "Access-Control-Allow-Origin" not in response.headers


def test_a_deployed_stage_allows_no_loopback_origin():
    config = json.loads((BACKEND / ".chalice" / "config.json").read_text(encoding="utf-8"))
    for name, stage in config["stages"].items():
        if "DB_ENDPOINT" in stage.get("environment_variables", {}):
            continue  # a local stage
        origins = stage["environment_variables"].get("CORS_ALLOW_ORIGINS", "")
        assert "127.0.0.1" not in origins and "localhost" not in origins and "*" not in origins, name
        assert "CORS_ALLOW_LOOPBACK" not in stage["environment_variables"], name


@pytest.mark.parametrize("path", ["/nope", "/todos/x/y", "/TODOS", "/openapi.json/x"])
@pytest.mark.parametrize("method", ["GET", "POST", "TRACE"])
def test_a_path_no_route_matches_is_the_contract_s_404(dynalite_api_client, method, path):
    response = dynalite_api_client.request(method, path, headers=JSON, body=b"{}" if method == "POST" else b"")
    assert response.status_code == 404, response.body
    assert json.loads(response.body)["Code"] == "NotFoundError"


@pytest.mark.parametrize(
    "method, path",
    [("TRACE", "/todos"), ("QUERY", "/todos"), ("FOO", "/todos/x"), ("PUT", "/todos"), ("DELETE", "/openapi.json")],
)
def test_a_method_the_path_does_not_route_is_405_naming_the_allowed_ones(dynalite_api_client, method, path):
    response = dynalite_api_client.request(method, path, headers=JSON, body=b"")
    assert response.status_code == 405, response.body
    assert json.loads(response.body)["Code"] == "MethodNotAllowedError"
    resource = "/todos/{todo_id}" if path.startswith("/todos/") else path
    assert {m.strip() for m in response.headers["Allow"].split(",")} == set(app.routes[resource])


@pytest.mark.parametrize("field", ["priority", "title", "memo", "completed"])
def test_a_number_of_five_thousand_digits_is_a_quick_400_naming_the_field_s_rule(dynalite_api_client, field):
    body = json.dumps(NEW)[:-1] + f', "{field}": ' + "9" * 5000 + "}"
    started = time.monotonic()
    response = dynalite_api_client.post("/todos", headers=JSON, body=body)
    assert response.status_code == 400 and field in json.loads(response.body)["Message"], response.body
    assert time.monotonic() - started < 1


def _cursor(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("[" * 1000 + "]" * 1000),
        _cursor('{"after": ' + "[" * 1000 + "]" * 1000 + "}"),
        _cursor('{"after": "x", "owner": "someone else"}'),
        _cursor('{"after": ' + "9" * 5000 + "}"),
        "x" * 10000,
        "%00",
    ],
    ids=["nested", "nested after", "foreign owner", "digits", "long", "nul"],
)
def test_a_cursor_the_api_did_not_issue_is_a_quick_400(dynalite_api_client, cursor):
    started = time.monotonic()
    response = dynalite_api_client.get(f"/todos?limit=1&cursor={cursor}")
    assert response.status_code == 400 and "cursor" in json.loads(response.body)["Message"], response.body
    assert time.monotonic() - started < 1
