"""The project's own schemathesis checks, loaded by ``st run`` through SCHEMATHESIS_HOOKS=devtools.fuzz_checks."""
import json

import schemathesis

from devtools.fuzz import error_body_problems

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


def _first(headers, name):
    values = headers.get(name) or [""]
    return values[0]


def _echoed(case):
    """Strings this request carried that an error message may quote back."""
    values = list((case.path_parameters or {}).values())
    values += [str(v) for v in (case.query or {}).values()]
    values += [str(v) for v in (case.headers or {}).values()]
    if isinstance(case.body, dict):
        values += [str(k) for k in case.body]
    return values


@schemathesis.check
def errors_in_contract_shape_without_internals(ctx, response, case):
    """Every answer >= 400 is {"Code", "Message"} JSON with no traceback, path or exception class."""
    if response.status_code < 400:
        return None
    problems = error_body_problems(
        response.status_code, _first(response.headers, "content-type"), response.content, _echoed(case)
    )
    if problems:
        raise AssertionError("; ".join(problems))
    return None


@schemathesis.check
def security_headers_on_every_answer(ctx, response, case):
    """nosniff and no-store on every answer, including the framework's own 405 and 415."""
    for name, expected in SECURITY_HEADERS.items():
        if _first(response.headers, name) != expected:
            raise AssertionError(f"{response.status_code} answer without `{name}: {expected}`")
    return None


@schemathesis.check
def valid_list_queries_fail_only_on_the_cursor(ctx, response, case):
    """A schema-valid GET /todos may only be refused for a cursor the API did not issue."""
    meta = case.meta
    if case.operation.label != "GET /todos" or response.status_code != 400 or meta is None:
        return None
    if not meta.generation.mode.is_positive:
        return None
    message = json.loads(response.content).get("Message", "")
    if "cursor" not in message:
        raise AssertionError(f"valid query {case.query!r} refused: {message}")
    return None
