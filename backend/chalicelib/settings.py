"""Everything the Lambda code reads from its environment, in one place.

Values are read when asked for, not at import: Chalice's test client and the
local server set a stage's variables only around the requests they serve.
A ``HOBOPY_*`` variable wins over the stage's own: the local stack sets those
when it runs the engine or the identity provider on other ports than the
``dev`` stage names.
"""

import os

DEFAULT_TABLE = "Todos"
DEFAULT_REGION = "us-east-1"


def _first(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def table_name() -> str:
    """The todo table (``DB_TABLE_NAME``)."""
    return _first("DB_TABLE_NAME") or DEFAULT_TABLE


def db_endpoint() -> str | None:
    """A local engine's URL, or None for DynamoDB on AWS."""
    return _first("HOBOPY_DB_ENDPOINT", "DB_ENDPOINT")


def region() -> str:
    """The AWS region the code runs in (Lambda sets ``AWS_REGION``)."""
    return _first("AWS_REGION", "AWS_DEFAULT_REGION") or DEFAULT_REGION


def has_credentials() -> bool:
    """Whether AWS credentials are given in the environment."""
    return bool(_first("AWS_ACCESS_KEY_ID"))


def cors_origins() -> frozenset[str]:
    """The browser origins the API answers with CORS headers."""
    return split_origins(_first("HOBOPY_CORS_ALLOW_ORIGINS", "CORS_ALLOW_ORIGINS"))


def split_origins(value: str | None) -> frozenset[str]:
    """The origins of a ``CORS_ALLOW_ORIGINS`` value: comma-separated, blanks ignored."""
    return frozenset(origin.strip() for origin in (value or "").split(",") if origin.strip())


def user_pool_id() -> str | None:
    """The Cognito user pool whose ID tokens name the callers."""
    return _first("HOBOPY_AUTH_USER_POOL_ID", "AUTH_USER_POOL_ID")


def client_id() -> str | None:
    """The app client the ID tokens must be issued to (their ``aud``)."""
    return _first("HOBOPY_AUTH_CLIENT_ID", "AUTH_CLIENT_ID")


def auth_region() -> str:
    """The user pool's region."""
    return _first("AUTH_REGION") or region()


def local_issuer_endpoint() -> str | None:
    """The local identity provider's URL; set only in local stages, where the API verifies tokens itself."""
    return _first("HOBOPY_AUTH_ENDPOINT", "AUTH_LOCAL_ENDPOINT")


def anonymous_owner() -> str | None:
    """The owner a request without a token acts as (the ``dev`` stage's demo owner), or None."""
    return _first("ANONYMOUS_OWNER")


def service_name() -> str:
    """What the API's log records and metrics name as their service: the Lambda function, locally ``hobopy``."""
    return _first("AWS_LAMBDA_FUNCTION_NAME") or "hobopy"


def trace_id() -> str | None:
    """The X-Ray trace of the request being served (Lambda sets ``_X_AMZN_TRACE_ID`` for each), as logs name it."""
    header = _first("_X_AMZN_TRACE_ID")
    return header.split(";")[0].removeprefix("Root=") if header else None


def in_lambda() -> bool:
    """Whether this process is a Lambda function, behind API Gateway's authorizer."""
    return bool(_first("AWS_LAMBDA_FUNCTION_NAME"))
