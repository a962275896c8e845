"""The project's own schemathesis checks, which ``st run`` loads through SCHEMATHESIS_HOOKS (``fuzz.py`` sets it)."""

import urllib.parse
import uuid
from typing import Any

import requests
import schemathesis
from schemathesis.core.jsonschema import make_validator
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

from devtools.quality import fuzz
from devtools.quality.contract_audit import answer_problems, body_problems, error_code, header, header_problems

# Operations whose accepted request was already sent again with bad tokens (a race between workers only repeats one).
_probed: set[str] = set()


def _fail_on(problems: list[str], prefix: str = "") -> None:
    if problems:
        raise AssertionError(prefix + "; ".join(problems))


def _echoed(case: Any) -> list[object]:
    """What the case itself sent that a message may quote back, not what the HTTP client added: taking out its
    Content-Length or Accept wherever they occur would hide a leak (a "0" from "at 0x7f...", a "2" from "line 2")."""
    values: list[object] = list((case.path_parameters or {}).values())
    values += [str(v) for part in (case.query, case.headers) for v in (part or {}).values()]
    return values + [str(k) for k in case.body] if isinstance(case.body, dict) else values


def _cors(answer: Any) -> tuple[int, dict[str, str | None]]:
    headers = answer.headers
    return answer.status_code, {k.lower(): header(headers, k) for k in headers if "access-control-" in k.lower()}


def _refused_headers(case: Any) -> list[str]:
    """The headers ``case`` sends whose value the operation's own schema for that header refuses."""
    sent = {str(name).lower(): value for name, value in (case.headers or {}).items()}
    refused = []
    for parameter in case.operation.iter_parameters():
        value = sent.get(parameter.name.lower())
        if parameter.location != ParameterLocation.HEADER or not isinstance(value, str):
            continue
        # The validator schemathesis itself judges conformance with, for the header's schema alone.
        if not make_validator(parameter.validation_schema, parameter.adapter.jsonschema_validator_cls).is_valid(value):
            refused.append(parameter.name)
    return refused


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A case that sends invalid data is invalid data, whatever its overall label says.

    Schemathesis 4.32.5's coverage phase makes header values of letters and digits only, so a header whose pattern
    needs a quote or ``*`` (If-Match) gets no valid value: the operation's template holds an invalid one (``0``).
    It labels a case valid that pairs a valid part with that fallback (its component labels then say otherwise), and
    where an operation has two optional headers (If-Match and If-None-Match on PUT and PATCH), the case of "the
    required headers and one optional one" even labels the headers themselves valid. A header value its own schema
    refuses is what decides.
    """
    meta = case.meta
    if not (meta and meta.generation.mode.is_positive):
        return
    if any(p.mode.is_negative for p in meta.components.values()) or _refused_headers(case):
        meta.generation.mode = GenerationMode.NEGATIVE


@schemathesis.check
def errors_in_contract_shape_without_internals(ctx: Any, response: Any, case: Any) -> None:
    """Every answer >= 400 is {"Code", "Message"} JSON without internals or Python values; HEAD answers are empty."""
    _fail_on(body_problems(response.status_code, response.headers, response.content, _echoed(case), case.method))


@schemathesis.check
def security_headers_on_every_answer(ctx: Any, response: Any, case: Any) -> None:
    """nosniff and no-store on every answer, whichever layer gave it."""
    _fail_on(header_problems(response.status_code, response.headers))


@schemathesis.check
def justified_statuses_only_for_their_reason(ctx: Any, response: Any, case: Any) -> None:
    """A status fuzz.JUSTIFIED allows for valid data must carry its Code and name its reason, nothing else."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for operations, status, code, word, why in fuzz.JUSTIFIED:
        if case.operation.definition.raw.get("operationId") in operations and response.status_code == status:
            if status < 400:
                if response.content or word not in response.request.headers:
                    raise AssertionError(f"{status} is allowed for valid data only when {why}, and without a body")
                continue
            content = response.content
            if case.method == "HEAD":  # No body to give its reason: GET the same resource the same way.
                content = requests.get(response.request.url, headers=response.request.headers, timeout=10).content
            text = content.decode("utf-8", "replace")
            if error_code(text) != code or word not in text:
                raise AssertionError(f"{status} is allowed for valid data only when {why}; this one says {text[:300]}")


# The statuses the contract gives refused invalid data: a bad body, query, header or token, an id no one has, a
# method the path does not take, a stale or malformed If-Match, a body too large, not JSON. Schemathesis's defaults
# also take 403, 406, 409, 422, 428 and 429, which this API never gives invalid data.
REFUSALS = frozenset({400, 401, 404, 405, 412, 413, 415})


@schemathesis.check
def only_the_contract_s_statuses(ctx: Any, response: Any, case: Any) -> None:
    """Valid data gets 2xx or a status fuzz.JUSTIFIED gives its operation; refused invalid data one of REFUSALS.

    A preflight may also answer 403 to either: the origin is not one the API allows. Schemathesis's defaults alone
    would take 401, 403, 409 and 429 for valid data too.
    """
    status = response.status_code
    if case.meta is None or 200 <= status < 300:
        return
    operation = case.operation.definition.raw.get("operationId")
    if case.meta.generation.mode.is_positive:
        allowed = {justified for ops, justified, *_ in fuzz.JUSTIFIED if operation in ops}
    else:
        allowed = set(REFUSALS)
    if case.method == "OPTIONS":
        allowed.add(403)
    if status not in allowed:
        kind = "valid" if case.meta.generation.mode.is_positive else "invalid"
        raise AssertionError(f"{status} for {kind} data; the contract gives {sorted(allowed)} or 2xx")


@schemathesis.check
def preflights_alike_for_any_todo(ctx: Any, response: Any, case: Any) -> None:
    """A preflight that fuzz.NOT_APPLICABLE exempts answers the same for an id nobody ever had."""
    if not any(case.operation.definition.raw.get("operationId") in ops for ops, _, _ in fuzz.NOT_APPLICABLE):
        return
    parts = urllib.parse.urlsplit(response.request.url)
    url = parts._replace(path=f"{parts.path.rpartition('/')[0]}/{uuid.uuid4().hex}").geturl()
    before, after = _cors(response), _cors(requests.options(url, headers=response.request.headers, timeout=10))
    if before != after:
        raise AssertionError(f"the preflight of a todo answered {before}, of an id nobody had {after}")


@schemathesis.check
def tokens_are_verified(ctx: Any, response: Any, case: Any) -> None:
    """A request a signed-in user got through is 401 in the contract's shape with no token, or a bad one.

    Once per operation, the accepted request is sent again as it was with its Authorization header replaced by
    garbage, by the same token with one character of its signature changed (well formed, signed by nobody), and left
    out where the document says a request needs a token.
    """
    operation, sent = case.operation, response.request
    security = operation.definition.raw.get("security", operation.schema.raw_schema.get("security", []))
    if not security or not 200 <= response.status_code < 300 or operation.label in _probed:
        return
    _probed.add(operation.label)
    token = sent.headers.get("Authorization", "")
    probes: dict[str, str | None] = {"garbage": "Bearer garbage"}
    if token.count(".") == 2:
        head, _, signature = token.rpartition(".")
        probes["tampered"] = f"{head}.{'B' if signature.startswith('A') else 'A'}{signature[1:]}"
    if {} not in security:
        probes["none"] = None
    for kind, authorization in probes.items():
        probe = sent.copy()
        probe.headers.pop("Authorization", None)
        if authorization:
            probe.headers["Authorization"] = authorization
        with requests.Session() as session:
            answer = session.send(probe, timeout=10, allow_redirects=False)
        problems = answer_problems(answer.status_code, answer.headers, answer.content, method=sent.method)
        code = error_code(answer.content) if sent.method != "HEAD" else "UnauthorizedError"
        if (answer.status_code, code) != (401, "UnauthorizedError"):
            problems.insert(0, f"with {kind} token: {answer.status_code} {code}, not 401 UnauthorizedError")
        _fail_on(problems, prefix=f"{sent.method} {sent.url}: ")
