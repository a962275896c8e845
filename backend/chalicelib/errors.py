"""The errors the API answers with a 4xx or 503, and the one shape every error body has.

Each error class names its status and its ``Code``; ``error_body`` is the
``{"Code": ..., "Message": "<Code>: <message>"}`` object of the contract, for
the app's answers and for those the local servers give themselves.
"""

import json
from typing import ClassVar


def error_body(code: str, message: str) -> dict[str, str]:
    """An error in the contract's shape: ``{"Code": code, "Message": "<code>: <message>"}``."""
    return {"Code": code, "Message": f"{code}: {message}"}


def quoted(text: str, limit: int = 64) -> str:
    """``text`` as a JSON string for a message, cut after ``limit`` characters."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return json.dumps(shown, ensure_ascii=False)


class TodoError(Exception):
    """Base class of the errors the API answers with a 4xx or 503; each names its status and code."""

    STATUS: ClassVar[int] = 400
    CODE: ClassVar[str] = "BadRequestError"

    def headers(self) -> dict[str, str]:
        """Extra headers the answer carries."""
        return {}


class ValidationError(TodoError):
    """The request is malformed or breaks a field rule (400)."""


class Unauthorized(TodoError):
    """No valid token where one is required (401)."""

    STATUS = 401
    CODE = "UnauthorizedError"


class NotFound(TodoError):
    """No todo with that id for this caller (404)."""

    STATUS = 404
    CODE = "NotFoundError"


def not_found(todo_id: str) -> NotFound:
    """The NotFound error for ``todo_id``."""
    return NotFound(f"no todo with id {quoted(todo_id)}.")


class PreconditionFailed(TodoError):
    """``If-Match`` named a version that is no longer current (412)."""

    STATUS = 412
    CODE = "PreconditionFailed"


def precondition_failed(todo_id: str) -> PreconditionFailed:
    """The PreconditionFailed error for ``todo_id``."""
    return PreconditionFailed(f"todo {quoted(todo_id)} has changed since the version If-Match names; fetch it again.")


def already_exists(todo_id: str) -> PreconditionFailed:
    """The PreconditionFailed error of a create under ``todo_id`` when the caller has a todo with it."""
    return PreconditionFailed(
        f"a todo with id {quoted(todo_id)} exists already; nothing was changed (to change it, send the PUT "
        "without If-None-Match, with If-Match naming its version)."
    )


class PayloadTooLarge(TodoError):
    """The request body is over the size the API reads (413)."""

    STATUS = 413
    CODE = "RequestEntityTooLargeError"


class UnsupportedMediaType(TodoError):
    """The request body is not ``application/json`` (415)."""

    STATUS = 415
    CODE = "UnsupportedMediaType"


class Unavailable(TodoError):
    """The database or the identity provider cannot be reached or keeps throttling (503)."""

    STATUS = 503
    CODE = "ServiceUnavailable"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
