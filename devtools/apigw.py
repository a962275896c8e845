"""API Gateway (REST, proxy integration) events, built the way API Gateway sends them to Lambda.

Used to invoke the handler exactly as Lambda does: by the benchmark, and by
the tests that run the packaged ``deployment.zip`` on its own.
"""
import json
import re
from urllib.parse import quote, unquote

# Routes of backend/app.py, most specific first: (resource template, regex).
RESOURCES = [
    ("/todos/{todo_id}", re.compile(r"^/todos/(?P<todo_id>[^/]+)$")),
    ("/todos", re.compile(r"^/todos/?$")),
    ("/openapi.json", re.compile(r"^/openapi\.json$")),
]


class LambdaContext:
    """The few attributes of Lambda's context object that Chalice reads."""

    function_name = "hobopy-prod"
    memory_limit_in_mb = 128
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self):
        return 30000


def proxy_event(method, path, body=None, headers=None, query=None, stage="api"):
    """The event API Gateway sends for ``method path`` (path without the stage, query as a dict)."""
    for resource, pattern in RESOURCES:
        match = pattern.match(path)
        if match:
            break
    else:
        raise ValueError(f"no route for {path}")
    if body is not None and not isinstance(body, str):
        body = json.dumps(body, ensure_ascii=False)
    headers = {"Host": "example.execute-api.us-east-1.amazonaws.com", **(headers or {})}
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    path_parameters = {k: unquote(v) for k, v in match.groupdict().items()} or None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{quote(path, safe='/{}')}",
            "stage": stage,
            "requestId": "bench",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": body,
        "isBase64Encoded": False,
    }
