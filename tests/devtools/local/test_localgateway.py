"""devtools.local.gateway: chalice.local's gateway made to answer like the contract and the deployed stage."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from chalice import Chalice, CognitoUserPoolAuthorizer
from chalice.config import Config
from chalice.test import Client

from devtools.local.api import LocalAPIServer
from devtools.local.gateway import (
    ContractGateway,
    lambda_context,
    proxy_event,
    use_contract_gateway,
)
from tests.support.wire import connect, read_answer

POOL = CognitoUserPoolAuthorizer("Users", provider_arns=["arn:aws:cognito-idp:us-east-1:123456789012:userpool/x"])


def tiny_app() -> Chalice:
    """An app with a signed-in route, a public route without a preflight route, and a path parameter."""
    app = Chalice(app_name="tiny")

    @app.route("/mine", methods=["GET"], authorizer=POOL)
    def mine() -> dict[str, object]:
        request = app.current_request
        return {"authorization": request.headers.get("authorization"), "context": request.context.get("authorizer")}

    @app.route("/things/{name}", methods=["GET", "DELETE"])
    def thing(name: str) -> dict[str, str]:
        return {"name": name}

    return app


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(tiny_app()) as test_client:
        yield test_client


def test_garbage_tokens_reach_the_app_untouched(client: Client) -> None:
    use_contract_gateway(client)
    for token in ("garbage", "Bearer x.!!!.y", "a.eyJjb2duaXRvOnVzZXJuYW1lIjoibWUifQ.c"):
        response = client.http.get("/mine", headers={"Authorization": token})
        assert response.status_code == 200
        # Nothing decoded from an unverified token pretends to be verified claims.
        assert response.json_body == {"authorization": token, "context": None}


def test_chalices_own_emulation_fails_on_garbage(client: Client) -> None:
    # Why the pass-through exists: without it the same request raises.
    with pytest.raises(IndexError):
        client.http.get("/mine", headers={"Authorization": "garbage"})


def test_the_contract_gateway_answers_like_the_local_server(client: Client) -> None:
    use_contract_gateway(client)
    response = client.http.get("/mine", headers={"Authorization": "garbage"})
    assert response.status_code == 200
    unknown = client.http.get("/nothing/here")
    assert unknown.status_code == 404
    assert json.loads(unknown.body) == {"Code": "NotFoundError", "Message": "NotFoundError: no such resource."}
    assert unknown.headers["X-Content-Type-Options"] == "nosniff"
    options = client.http.options("/things/a", headers={"Origin": "http://127.0.0.1:8002"})
    assert options.status_code == 405
    assert options.json_body["Code"] == "MethodNotAllowedError"
    assert set(options.headers["Allow"].split(", ")) == {"GET", "DELETE"}


def test_path_parameters_arrive_decoded_as_api_gateway_sends_them(client: Client) -> None:
    use_contract_gateway(client)
    assert client.http.get("/things/%E3%81%82%20b").json_body == {"name": "あ b"}


def test_paths_under_the_stage_answer_as_without_it_with_the_stage_in_the_requests_path() -> None:
    app = tiny_app()

    @app.route("/where", methods=["GET"])
    def where() -> dict[str, object]:
        context = app.current_request.context
        return {"path": context["path"], "stage": context.get("stage"), "route": app.current_request.path}

    with Client(app) as client:
        use_contract_gateway(client)
        # As API Gateway's own URL carries the stage (https://ID.execute-api.REGION.amazonaws.com/api/where).
        assert client.http.get("/api/where").json_body == {"path": "/api/where", "stage": "api", "route": "/where"}
        assert client.http.get("/where").json_body["path"] == "/where"
        assert client.http.get("/api/things/a%20b").json_body == {"name": "a b"}
        for path in ("/api", "/api/", "/apiwhere", "/api/api/where"):
            assert client.http.get(path).status_code == 404, path


def test_the_stage_is_the_one_the_config_names() -> None:
    with Client(tiny_app(), stage_name="dev") as client:
        http = client.http
        http._local_gateway = ContractGateway(http._app, Config.create(api_gateway_stage="v1"))
        assert http.get("/v1/things/x").json_body == {"name": "x"}
        assert http.get("/api/things/x").status_code == 404


@pytest.fixture
def server() -> Iterator[LocalAPIServer]:
    running = LocalAPIServer(("127.0.0.1", 0), ContractGateway(tiny_app(), Config.create()))
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def test_options_without_a_preflight_route_is_the_apps_405_not_an_empty_200(server: LocalAPIServer) -> None:
    with connect(server.server_port) as sock:
        sock.sendall(b"OPTIONS /things/a HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:8002\r\n\r\n")
        answer = read_answer(sock)
    # The app's own answer (this app has no middleware giving it the contract's message form).
    assert answer.status == 405
    assert answer.json() == {"Code": "MethodNotAllowedError", "Message": "Unsupported method: OPTIONS"}
    assert set(answer.headers["allow"].split(", ")) == {"GET", "DELETE"}


def test_head_on_a_route_without_head_is_405_without_a_body(server: LocalAPIServer) -> None:
    with connect(server.server_port) as sock:
        sock.sendall(b"HEAD /things/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = read_answer(sock, head_only=True)
        sock.sendall(b"GET /things/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        after = read_answer(sock)
    assert head.status == 405 and int(head.headers["content-length"]) > 0
    assert after.status == 200 and after.json() == {"name": "a"}


def test_proxy_event_is_what_api_gateway_sends() -> None:
    app = tiny_app()
    event = proxy_event(app, "GET", "/things/a%20b", query={"x": "1"}, claims={"sub": "owner-1"})
    assert event["resource"] == event["requestContext"]["resourcePath"] == "/things/{name}"
    assert event["path"] == "/things/a%20b"
    assert event["httpMethod"] == event["requestContext"]["httpMethod"] == "GET"
    assert event["requestContext"]["path"] == "/api/things/a%20b"
    assert event["requestContext"]["stage"] == "api"
    assert event["requestContext"]["authorizer"] == {"claims": {"sub": "owner-1"}}
    assert event["pathParameters"] == {"name": "a b"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1"]}
    assert event["body"] is None and event["isBase64Encoded"] is False
    response = app(event, lambda_context())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"name": "a b"}


def test_proxy_event_carries_a_json_body_and_no_claims_when_signed_out() -> None:
    event = proxy_event(tiny_app(), "DELETE", "/things/a", body={"title": "é"})
    assert json.loads(event["body"]) == {"title": "é"}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert "authorizer" not in event["requestContext"]
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None


def test_proxy_event_refuses_a_path_no_route_matches() -> None:
    with pytest.raises(ValueError):
        proxy_event(tiny_app(), "GET", "/nothing")
