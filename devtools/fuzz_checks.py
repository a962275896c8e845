"""The project's own schemathesis checks, loaded by ``st run`` through SCHEMATHESIS_HOOKS=devtools.fuzz_checks."""

from typing import Any

import schemathesis

from devtools import contract_audit, fuzz


def _echoed(case: Any) -> list[str]:
    """Strings this request carried that an error message may quote back."""
    values = [str(v) for v in (case.path_parameters or {}).values()]
    values += [str(v) for v in (case.query or {}).values()]
    values += [str(v) for v in (case.headers or {}).values()]
    if isinstance(case.body, dict):
        values += [str(k) for k in case.body]
    return values


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
        if operation_id in operations and response.status_code == status:
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            if not isinstance(answer, dict) or answer.get("Code") != code or word not in answer.get("Message", ""):
                raise AssertionError(f"{status} is allowed for valid data only when {why}; this one says {answer}")
    return None
