"""The OpenAPI document as test data: its operations, their answers, and validation of real answers against it."""

import json

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from chalicelib import openapi

DOCUMENT = json.loads(openapi.DOCUMENT_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_BASE = "urn:hobopy:openapi"
# OpenAPI 3.0 schemas are (close to) JSON Schema draft 4.
_REGISTRY = Registry().with_resource(_BASE, Resource(contents=DOCUMENT, specification=DRAFT4))


def _pointer_part(name):
    return str(name).replace("~", "~0").replace("/", "~1")


def resolve(node, pointer):
    """Follow a ``$ref`` (an answer, a parameter or a header) to (object, its JSON pointer)."""
    while "$ref" in node:
        pointer = node["$ref"][1:]
        node = DOCUMENT
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def operations():
    """(path, METHOD, operation) for every operation in the document."""
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method.upper(), item[method]


def operation(path, method):
    return DOCUMENT["paths"][path][method.lower()]


def answers(path, method):
    """{status: (answer object, its JSON pointer)} of one operation."""
    base = f"/paths/{_pointer_part(path)}/{method.lower()}/responses"
    return {
        int(status): resolve(answer, f"{base}/{status}")
        for status, answer in operation(path, method)["responses"].items()
    }


def _validate(instance, pointer):
    schema = {"$ref": f"{_BASE}#{pointer}"}
    jsonschema.Draft4Validator(schema, registry=_REGISTRY).validate(instance)


def answer_problems(path, method, status, headers, body):
    """What in a real answer the document does not allow: [] when it conforms."""
    documented = answers(path, method)
    if status not in documented:
        return [f"{method} {path} answered {status}, which the document does not list"]
    answer, pointer = documented[status]
    problems = []
    present = {name.lower(): value for name, value in headers.items()}
    for name, header in answer.get("headers", {}).items():
        header, header_pointer = resolve(header, f"{pointer}/headers/{_pointer_part(name)}")
        value = present.get(name.lower())
        if value is None:
            if header.get("required"):
                problems.append(f"required header {name} is missing")
            continue
        if header["schema"].get("type") == "integer":
            value = int(value) if value.isdigit() else value
        try:
            _validate(value, header_pointer + "/schema")
        except jsonschema.ValidationError as exc:
            problems.append(f"header {name}: {exc.message}")
    content = answer.get("content")
    if method.upper() == "HEAD":
        # The answer GET would give, without its body (RFC 9110).
        return problems + ([f"a body in an answer to HEAD: {body[:100]!r}"] if body else [])
    if content is None:
        if body:
            problems.append(f"a body where the document has none: {body[:100]!r}")
        return problems
    try:
        parsed = json.loads(body)
    except ValueError:
        return [*problems, f"the body is not JSON: {body[:100]!r}"]
    try:
        _validate(parsed, pointer + "/content/application~1json/schema")
    except jsonschema.ValidationError as exc:
        problems.append(f"body: {exc.message} at {list(exc.absolute_path)}")
    return problems
