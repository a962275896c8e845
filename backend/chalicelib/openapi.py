"""The API's OpenAPI 3 document, kept next to the code it describes (``openapi.json``)."""

import copy
import functools
import json
from pathlib import Path
from typing import Any

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")


@functools.lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    return loaded


def document(base_path: str = "/", anonymous_allowed: bool = False) -> dict[str, Any]:
    """The document with its server set to ``base_path``, where the API answers (``/api`` on a stage).

    Where the stage lets a request without a token act as its demo owner,
    the todo operations say so: no token is one of their security options.
    """
    result = copy.copy(_load())
    result["servers"] = [{"url": base_path or "/"}]
    if anonymous_allowed:
        result["paths"] = paths = copy.deepcopy(result["paths"])
        for operations in paths.values():
            for operation in operations.values():
                if isinstance(operation, dict) and "security" in operation:
                    operation["security"] = [*operation["security"], {}]
    return result
