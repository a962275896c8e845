"""The project's own schemathesis checks, loaded by ``st run`` through SCHEMATHESIS_HOOKS=devtools.fuzz_checks."""

import threading
import urllib.parse
import uuid
from typing import Any

import requests
import schemathesis
from schemathesis.generation.modes import GenerationMode

from devtools import contract_audit, fuzz


def _echoed(case: Any) -> list[str]:
    """Strings this request carried that an error message may quote back."""
    values = [str(v) for v in (case.path_parameters or {}).values()]
    values += [str(v) for v in (case.query or {}).values()]
    values += [str(v) for v in (case.headers or {}).values()]
    if isinstance(case.body, dict):
        values += [str(k) for k in case.body]
    return values


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A case with a part generated as invalid data is invalid data, whatever its overall label says.

    schemathesis 4.32.5's coverage phase pairs a valid value of one parameter
    with a fallback value of a header whose pattern it cannot cover (If-Match:
    0) and labels the whole case valid; its own component labels say otherwise.
    """
    meta = case.meta
    parts = meta.components.values() if meta is not None else ()
    if meta is not None and meta.generation.mode.is_positive and any(part.mode.is_negative for part in parts):
        meta.generation.mode = GenerationMode.NEGATIVE


@schemathesis.check
def errors_in_contract_shape_without_internals(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every answer >= 400 is {"Code", "Message"} JSON without internals or Python values; HEAD answers are empty."""
    problems = contract_audit.body_problems(
        response.status_code, response.headers, response.content, _echoed(case), case.method
    )
    if problems:
        raise AssertionError("; ".join(problems))
    return None


@schemathesis.check
def security_headers_on_every_answer(ctx: Any, response: Any, case: Any) -> bool | None:
    """nosniff and no-store on every answer, whichever layer gave it."""
    problems = contract_audit.header_problems(response.status_code, response.headers)
    if problems:
        raise AssertionError("; ".join(problems))
    return None


@schemathesis.check
def justified_statuses_only_for_their_reason(ctx: Any, response: Any, case: Any) -> bool | None:
    """A status fuzz.JUSTIFIED allows for valid data must carry its Code and name its reason, nothing else."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    operation_id = case.operation.schema.get_operation_id(case.operation)
    for operations, status, code, word, why in fuzz.JUSTIFIED:
        if operation_id not in operations or response.status_code != status:
            continue
        content = response.content
        if case.method == "HEAD":
            # A HEAD answer has no body to give its reason: GET the same resource the same way.
            probe = response.request.copy()
            probe.method = "GET"
            with requests.Session() as session:
                content = session.send(probe, timeout=10).content
        text = content.decode("utf-8", "replace")
        if contract_audit.error_code(content) != code or word not in text:
            raise AssertionError(f"{status} is allowed for valid data only when {why}; this one says {text[:300]}")
    return None


@schemathesis.check
def preflights_alike_for_any_todo(ctx: Any, response: Any, case: Any) -> bool | None:
    """A preflight that fuzz.NOT_APPLICABLE exempts answers the same for an id nobody ever had."""
    operation_id = case.operation.schema.get_operation_id(case.operation)
    if not any(operation_id in operations for operations, _, _ in fuzz.NOT_APPLICABLE):
        return None
    probe = response.request.copy()
    parts = urllib.parse.urlsplit(probe.url)
    probe.url = parts._replace(path=parts.path.rpartition("/")[0] + "/" + uuid.uuid4().hex).geturl()
    with requests.Session() as session:
        answer = session.send(probe, timeout=10)

    def cors(headers: Any) -> dict[str, str]:
        return {k.lower(): v for k, v in headers.items() if k.lower().startswith("access-control-")}

    if answer.status_code != response.status_code or cors(answer.headers) != cors(probe_headers(response)):
        raise AssertionError(
            f"the preflight of a todo answered {response.status_code} {cors(probe_headers(response))}, "
            f"of an id nobody had {answer.status_code} {cors(answer.headers)}"
        )
    return None


def probe_headers(response: Any) -> dict[str, str]:
    """A schemathesis response's headers (lists of values) as single values."""
    return {name: values[0] if isinstance(values, list) else values for name, values in response.headers.items()}


_probed: set[tuple[str, str]] = set()
_probed_lock = threading.Lock()


def _tampered(authorization: str) -> str:
    # The same token with one character of its signature changed: well formed, signed by nobody.
    head, _, signature = authorization.rpartition(".")
    return f"{head}.{'A' if signature[:1] != 'A' else 'B'}{signature[1:]}"


def _token_probes(case: Any, sent: Any) -> dict[str, str | None]:
    probes: dict[str, str | None] = {"garbage": "Bearer garbage"}
    authorization = sent.headers.get("Authorization")
    if authorization and authorization.count(".") == 2:
        probes["tampered"] = _tampered(authorization)
    schema = case.operation.schema.raw_schema
    security = case.operation.definition.raw.get("security", schema.get("security", []))
    if {} not in security:
        probes["none"] = None
    return probes


@schemathesis.check
def tokens_are_verified(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request a signed-in user got through is 401 in the contract's shape with no token, or a bad one.

    Once per operation and kind of token: the accepted request is sent again
    as it was, its Authorization header replaced (or left out where the
    document says a request needs a token).
    """
    security = case.operation.definition.raw.get("security", case.operation.schema.raw_schema.get("security"))
    if not security or not 200 <= response.status_code < 300:
        return None
    sent = response.request
    for kind, authorization in _token_probes(case, sent).items():
        with _probed_lock:
            if (case.operation.label, kind) in _probed:
                continue
            _probed.add((case.operation.label, kind))
        probe = sent.copy()
        probe.headers.pop("Authorization", None)
        if authorization is not None:
            probe.headers["Authorization"] = authorization
        with requests.Session() as session:
            answer = session.send(probe, timeout=10, allow_redirects=False)
        problems = contract_audit.answer_problems(
            answer.status_code, answer.headers, answer.content, method=probe.method or "GET"
        )
        code = contract_audit.error_code(answer.content) if probe.method != "HEAD" else "UnauthorizedError"
        if answer.status_code != 401 or code != "UnauthorizedError":
            problems.insert(0, f"with {kind} token: {answer.status_code} {code}, not 401 UnauthorizedError")
        if problems:
            raise AssertionError(f"{probe.method} {probe.url}: " + "; ".join(problems))
    return None
