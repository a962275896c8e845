"""Everything the Lambda code reads from its environment, in one place.

Values are read when asked for, not at import: Chalice's test client and the
local server set a stage's variables only around the requests they serve.
Inside Lambda, where a function's variables stay as they were when its
execution environment started (but for the X-Ray trace, set anew for each
invocation), each value is read once and kept: see ``forget``.
A ``HOBOPY_*`` variable wins over the stage's own: the local stack sets those
when it runs the engine or the identity provider on other ports than the
``dev`` stage names.
"""

import os
import re

DEFAULT_TABLE = "Todos"
DEFAULT_REGION = "us-east-1"

# The variables that make a stage local: a local engine, a local identity
# provider whose tokens the app verifies itself, a demo owner for requests
# without a token. A deployable stage sets none of them.
DB_ENDPOINT = "DB_ENDPOINT"
AUTH_LOCAL_ENDPOINT = "AUTH_LOCAL_ENDPOINT"
ANONYMOUS_OWNER = "ANONYMOUS_OWNER"
# Pages of this machine at any port may call the API (CORS): the dev stage only.
CORS_ALLOW_LOOPBACK = "CORS_ALLOW_LOOPBACK"
# What the local stack sets over a stage's own values when it runs the engine
# or the identity provider elsewhere than the ``dev`` stage names.
STACK_DB_ENDPOINT = "HOBOPY_DB_ENDPOINT"
STACK_AUTH_ENDPOINT = "HOBOPY_AUTH_ENDPOINT"
STACK_AUTH_USER_POOL_ID = "HOBOPY_AUTH_USER_POOL_ID"
STACK_AUTH_CLIENT_ID = "HOBOPY_AUTH_CLIENT_ID"
STACK_CORS_ALLOW_ORIGINS = "HOBOPY_CORS_ALLOW_ORIGINS"
LOCAL_STAGE_VARIABLES = (
    DB_ENDPOINT,
    STACK_DB_ENDPOINT,
    AUTH_LOCAL_ENDPOINT,
    STACK_AUTH_ENDPOINT,
    ANONYMOUS_OWNER,
    CORS_ALLOW_LOOPBACK,
)
STACK_VARIABLES = (
    STACK_DB_ENDPOINT,
    STACK_AUTH_ENDPOINT,
    STACK_AUTH_USER_POOL_ID,
    STACK_AUTH_CLIENT_ID,
    STACK_CORS_ALLOW_ORIGINS,
)


# Lambda names its Runtime API in every execution environment, whatever the runtime.
RUNTIME_API = "AWS_LAMBDA_RUNTIME_API"

# What ``_first`` found for each tuple of names, kept inside Lambda; None elsewhere.
_kept: dict[tuple[str, ...], str | None] | None = None


def forget() -> None:
    """Read every value afresh from now on, and decide again whether to keep what is read: kept only where Lambda's
    Runtime API is named. What a process that sets variables between requests (as Lambda never does) calls."""
    global _kept
    _kept = {} if os.environ.get(RUNTIME_API) else None


def _first(*names: str) -> str | None:
    """The first of ``names`` set to a value that is not empty, or None."""
    kept = _kept
    if kept is not None:
        found = kept.get(names, "")
        if found != "":
            return found
    found = None
    for name in names:
        value = os.environ.get(name)
        if value:
            found = value
            break
    if kept is not None:
        kept[names] = found
    return found


forget()


def table_name() -> str:
    """The todo table (``DB_TABLE_NAME``)."""
    return _first("DB_TABLE_NAME") or DEFAULT_TABLE


def db_endpoint() -> str | None:
    """A local engine's URL, or None for DynamoDB on AWS."""
    return _first(STACK_DB_ENDPOINT, DB_ENDPOINT)


def region() -> str:
    """The AWS region the code runs in (Lambda sets ``AWS_REGION``)."""
    return _first("AWS_REGION", "AWS_DEFAULT_REGION") or DEFAULT_REGION


def has_credentials() -> bool:
    """Whether AWS credentials are given in the environment."""
    return bool(_first("AWS_ACCESS_KEY_ID"))


def cors_origins() -> frozenset[str]:
    """The browser origins the API answers with CORS headers."""
    return split_origins(_first(STACK_CORS_ALLOW_ORIGINS, "CORS_ALLOW_ORIGINS"))


def cors_allows(origin: str) -> bool:
    """Whether the API answers a page of ``origin`` with CORS headers: listed, or (``dev`` only) on this machine."""
    return origin in cors_origins() or (_first(CORS_ALLOW_LOOPBACK) == "true" and is_loopback_origin(origin))


# The origin of a page served from this machine, at any port, as a browser writes it (lower case, no path).
_LOOPBACK_ORIGIN = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\]):([1-9][0-9]{0,4})")


def is_loopback_origin(origin: str) -> bool:
    """Whether ``origin`` is ``http://127.0.0.1:PORT``, ``http://localhost:PORT`` or ``http://[::1]:PORT``."""
    match = _LOOPBACK_ORIGIN.fullmatch(origin)
    return match is not None and int(match.group(1)) <= 65535


def split_origins(value: str | None) -> frozenset[str]:
    """The origins of a ``CORS_ALLOW_ORIGINS`` value: comma-separated, blanks ignored."""
    return frozenset(origin.strip() for origin in (value or "").split(",") if origin.strip())


def user_pool_id() -> str | None:
    """The Cognito user pool whose ID tokens name the callers."""
    return _first(STACK_AUTH_USER_POOL_ID, "AUTH_USER_POOL_ID")


def client_id() -> str | None:
    """The app client the ID tokens must be issued to (their ``aud``)."""
    return _first(STACK_AUTH_CLIENT_ID, "AUTH_CLIENT_ID")


def auth_region() -> str:
    """The user pool's region."""
    return _first("AUTH_REGION") or region()


def local_issuer_endpoint() -> str | None:
    """The local identity provider's URL; set only in local stages, where the API verifies tokens itself."""
    return _first(STACK_AUTH_ENDPOINT, AUTH_LOCAL_ENDPOINT)


def anonymous_owner() -> str | None:
    """The owner a request without a token acts as (the ``dev`` stage's demo owner), or None."""
    return _first(ANONYMOUS_OWNER)


def service_name() -> str:
    """What the API's log records and metrics name as their service: the Lambda function, locally ``hobopy``."""
    return _first("AWS_LAMBDA_FUNCTION_NAME") or "hobopy"


def trace_id() -> str | None:
    """The X-Ray trace of the request being served (Lambda sets ``_X_AMZN_TRACE_ID`` for each), as logs name it."""
    # Read for every request, so without _first's loop.
    header = os.environ.get("_X_AMZN_TRACE_ID")
    return header.partition(";")[0].removeprefix("Root=") if header else None


def in_lambda() -> bool:
    """Whether this process is a Lambda function, behind API Gateway's authorizer."""
    return bool(_first("AWS_LAMBDA_FUNCTION_NAME"))
