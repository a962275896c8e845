"""The API's OpenAPI 3 document, kept next to the code it describes (``openapi.json``)."""
import copy
import functools
import json
from pathlib import Path

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")


@functools.lru_cache(maxsize=1)
def _load():
    return json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))


def document(base_path="/"):
    """The document with its server set to ``base_path``, where the API answers (``/api`` on a stage)."""
    result = copy.copy(_load())
    result["servers"] = [{"url": base_path or "/"}]
    return result
