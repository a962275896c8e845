"""API Gateway played locally on ``chalice.local``'s classes, answering like the deployed stage.

``ContractGateway`` serves ``python -m devtools.local.api`` and the tests' ``chalice.test.Client``;
``proxy_event`` builds the event a deployed function receives, to call the handler as Lambda does.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlencode

from chalice import local
from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.constants import DEFAULT_APIGATEWAY_STAGE_NAME

from devtools import settings
from devtools.local.http import SECURITY_HEADERS, contract_body

Event = dict[str, Any]


class _DecodingEventConverter(local.LambdaEventConverter):
    # API Gateway hands the function its path parameters URL-decoded.
    def __init__(self, app: Chalice) -> None:
        super().__init__(local.RouteMatcher(list(app.routes)), app.api.binary_types)

    def create_lambda_event(self, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> Event:
        event = super().create_lambda_event(method=method, path=path, headers=headers, body=body)
        event["pathParameters"] = {name: unquote(value) for name, value in event["pathParameters"].items()}
        # API Gateway names each request; the app's record carries the name.
        event["requestContext"]["requestId"] = str(uuid.uuid4())
        return event


class ContractGateway(local.LocalGateway):
    """``chalice.local.LocalGateway`` that answers like the deployed stage and the contract.

    Like API Gateway's own URL, it answers under the stage's name too (``/api/todos``), the stage then in the
    request's ``requestContext.path`` (so ``Location`` and ``Link`` carry it); without it as ``chalice local`` does.
    """

    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self.event_converter = _DecodingEventConverter(app_object)
        self.stage = config.api_gateway_stage or DEFAULT_APIGATEWAY_STAGE_NAME

    def handle_request(self, method: str, path: str, headers: dict[str, Any], body: bytes | None) -> dict[str, Any]:
        prefix = f"/{self.stage}"
        staged = path.startswith(prefix + "/")
        try:
            event = self.event_converter.create_lambda_event(
                method, path.removeprefix(prefix) if staged else path, headers, body
            )
            if staged:
                event["requestContext"].update(path=prefix + event["requestContext"]["path"], stage=self.stage)
        except ValueError:
            # No route matches: the contract's 404, where API Gateway's own gateway response would answer.
            error = contract_body(404, "no such resource.").decode()
            json_headers = {"Content-Type": "application/json", **dict(SECURITY_HEADERS)}
            return {"statusCode": 404, "headers": json_headers, "multiValueHeaders": {}, "body": error}
        # No authorizer (Chalice's decodes tokens unverified and fails on garbage; in local stages the app
        # verifies them itself) and no invented empty 200 for OPTIONS: the app answers (preflight or 405).
        return self._app_object(event, self._generate_lambda_context())


def use_contract_gateway(client: Any) -> None:
    """Let a ``chalice.test.Client`` (or its ``.http``) answer exactly as ``python -m devtools.local.api`` does."""
    http = getattr(client, "http", client)
    http._local_gateway = ContractGateway(http._app, http._config)


def load_app(project_dir: str, stage: str) -> tuple[Chalice, Config]:
    """The Chalice app of ``project_dir`` and its ``stage``'s config, loaded as ``chalice local`` loads them.

    ``HOBOPY_*`` variables already set win over the stage's: they are what the local stack decided.
    """
    ours = {name: value for name, value in os.environ.items() if name.startswith("HOBOPY_")}
    factory = CLIFactory(project_dir, environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app  # imports app.py with the stage's variables in os.environ
    os.environ.update(ours)
    # Threads serve requests side by side: give each its own current_request,
    # with the classes chalice.local made for that.
    local.CustomLocalChalice.__bases__ = (local.LocalChalice, app.__class__)
    app.__class__ = local.CustomLocalChalice
    return app, config


def lambda_context(
    function_name: str = "hobopy-prod", memory_mb: int = 256, timeout_s: int = 10
) -> local.LambdaContext:
    """A context object like the one Lambda hands the function (Chalice's local one)."""
    return local.LambdaContext(function_name, memory_mb, max_runtime_ms=timeout_s * 1000)


def proxy_event(
    app: Chalice,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    stage: str = "api",
    claims: Mapping[str, Any] | None = None,
) -> Event:
    """The API Gateway (REST, proxy integration) event for ``method path`` (without the stage) to ``app``.

    A ``body`` that is not a string goes as JSON; ``claims`` are a signed-in caller's, as API Gateway's
    Cognito authorizer passes them on. Raises ValueError when no route matches.
    """
    if body is not None and not isinstance(body, str):
        body = json.dumps(body, ensure_ascii=False)
    sent = {"Host": f"example.execute-api.{settings.region()}.amazonaws.com", **(headers or {})}
    if body is not None and not any(name.lower() == "content-type" for name in sent):
        sent["Content-Type"] = "application/json"
    target = path + ("?" + urlencode(dict(query)) if query else "")
    event = _DecodingEventConverter(app).create_lambda_event(method, target, sent)
    context = event["requestContext"]
    context.update(path=f"/{stage}{quote(path, safe='/%')}", stage=stage, requestId=str(uuid.uuid4()))
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    multi_query = event["multiValueQueryStringParameters"]
    event.update(
        resource=context["resourcePath"],
        path=path,
        httpMethod=method,
        headers=sent,
        multiValueHeaders={name: [value] for name, value in sent.items()},
        queryStringParameters={name: values[-1] for name, values in multi_query.items()} if multi_query else None,
        pathParameters=event["pathParameters"] or None,
        stageVariables=None,
        body=body,
        isBase64Encoded=False,
    )
    return event
