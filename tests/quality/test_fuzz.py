"""Schema-driven fuzzing (schemathesis) of the running stack as a signed-in user: a short run here, a long one in
`make fuzz`; and proof that the project's checks catch what they are there for."""

import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import hypothesis
import pytest
import schemathesis
import tomli_w
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import _BUILTIN_CHECK_NAMES as BUILTIN_CHECKS
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test

from chalicelib import openapi
from devtools.local.http import SECURITY_HEADERS
from devtools.quality import fuzz, fuzz_checks
from tests.support.audit import report_figure

ALL_PHASES = {"coverage": "success", "fuzzing": "success", "stateful": "success"}


@pytest.mark.slow
def test_fuzzing_every_operation_as_a_signed_in_user_finds_nothing(live_stack, tmp_path):
    # A fixed seed keeps this short run repeatable; `make fuzz` explores with fresh seeds.
    seed = int(os.environ.get("HOBOPY_FUZZ_SEED", "20261130"))
    users = fuzz.fuzz_tokens(live_stack.pool(), live_stack.api_url)
    code, report = fuzz.run_schemathesis(
        live_stack.api_url, live_stack.origins, **users, max_examples=5, seed=seed, report_dir=tmp_path, quiet=True
    )
    report_figure(f"fuzz (short run, signed in, a second user as peer): {fuzz.summary(report)}")
    assert code == 0, report.get("output", report)
    document = openapi.document("/", anonymous_allowed=True)
    operations = [m for item in document["paths"].values() for m in item if m != "parameters"]
    # Every operation but GET of the document itself, which schemathesis loaded the run from.
    assert report["operations"]["tested"] == len(operations) - 1
    assert {name: phase["status"] for name, phase in report["phases"].items() if name != "examples"} == ALL_PHASES
    assert report["test_cases"]["generated"] >= 300


def test_every_check_runs_on_every_operation_in_every_phase_but_the_one_not_applicable():
    document = openapi.document("/")
    config = SchemathesisConfig.from_str(tomli_w.dumps(fuzz.schemathesis_config({})))
    schema = schemathesis.openapi.from_dict(document, config=config)
    checks = [name for name in BUILTIN_CHECKS if name != "max_response_time"]  # that one needs a time limit
    off = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        for phase in (None, "coverage", "fuzzing", "stateful"):
            resolved = schema.config.checks_config_for(operation=operation, phase=phase)
            off |= {(operation.label, n) for n in checks if not resolved.get_by_name(name=n).enabled}
    assert off == {("OPTIONS /todos/{todo_id}", check) for _, check, _ in fuzz.NOT_APPLICABLE}


def test_each_operation_takes_every_status_justified_for_it_in_every_phase():
    config = SchemathesisConfig.from_str(tomli_w.dumps(fuzz.schemathesis_config({})))
    schema = schemathesis.openapi.from_dict(openapi.document("/"), config=config)
    for result in schema.get_all_operations():
        operation = result.ok()
        justified = {str(s) for ops, s, *_ in fuzz.JUSTIFIED if operation.definition.raw["operationId"] in ops}
        for phase in ("coverage", "fuzzing", "stateful"):
            resolved = schema.config.checks_config_for(operation=operation, phase=phase)
            taken = resolved.get_by_name(name="positive_data_acceptance").expected_statuses
            assert set(taken) == set(POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES) | justified, (operation.label, phase)


def test_the_configuration_widens_nothing_but_the_justified_statuses(tmp_path):
    auth = fuzz.wfc_auth(tmp_path, "Bearer x", "Bearer y")
    config = fuzz.schemathesis_config({"ids": ["x"], "cursors": [], "origins": ["http://127.0.0.1:8002"]}, auth)
    assert "checks" not in config and "phases" not in config
    assert all(set(operation) == {"include-operation-id", "checks"} for operation in config["operations"])
    defaults = set(POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES)
    widened = {
        (operation_id, check, status)
        for operation in config["operations"]
        for operation_id in operation["include-operation-id"]
        for check, settings in operation["checks"].items()
        for status in settings.get("expected-statuses", [])
        if status not in defaults
    }
    justified = {(op, "positive_data_acceptance", str(status)) for ops, status, *_ in fuzz.JUSTIFIED for op in ops}
    assert widened == {entry for entry in justified if entry[2] not in defaults}
    disabled = {
        (tuple(operation["include-operation-id"]), check)
        for operation in config["operations"]
        for check, settings in operation["checks"].items()
        if settings.get("enabled") is False
    }
    assert disabled == {(tuple(ops), check) for ops, check, _ in fuzz.NOT_APPLICABLE}
    assert config["auth"] == {
        "wfc": {"path": str(tmp_path / "users.json"), "user": "owner", "peers": ["owner", "peer"]}
    }
    users = json.loads((tmp_path / "users.json").read_text())["auth"]
    assert {user["name"]: user["fixedHeaders"] for user in users} == {
        "owner": [{"name": "Authorization", "value": "Bearer x"}],
        "peer": [{"name": "Authorization", "value": "Bearer y"}],
    }
    assert set(config["dictionaries"]) == {"ids", "origins", "tags"}
    assert config["parameters"]["path.todo_id"] == {"dictionary": "ids", "probability": 0.3}


def coverage_cases(operation_id: str) -> list[schemathesis.Case]:
    """The cases schemathesis's coverage phase makes for one operation of the document, with its fixed seed."""
    document = {**openapi.document("/"), "servers": [{"url": "http://127.0.0.1:9"}]}
    schema = schemathesis.openapi.from_dict(document)
    operation = next(
        r.ok() for r in schema.get_all_operations() if r.ok().definition.raw["operationId"] == operation_id
    )
    cases: list[schemathesis.Case] = []
    config = HypothesisTestConfig(
        modes=[HypothesisTestMode.COVERAGE],
        settings=hypothesis.settings(max_examples=50, deadline=None, database=None),
        seed=20261130,
        project=schema.config,
    )

    def keep(case: schemathesis.Case) -> None:
        cases.append(case)

    create_test(operation=operation, test_func=keep, config=config)()
    return cases


@pytest.mark.parametrize("operation_id", ["updateTodo", "patchTodo", "deleteTodo"])
def test_a_case_that_sends_an_if_match_its_schema_refuses_is_judged_as_invalid_data(operation_id):
    valid_tag = re.compile(openapi.document("/")["components"]["parameters"]["IfMatch"]["schema"]["pattern"])
    cases = coverage_cases(operation_id)
    for case in cases:
        fuzz_checks.before_call(None, case, {})
    valid = [case for case in cases if case.meta.generation.mode.is_positive]
    assert valid, "no case left to send as valid data"
    assert all(valid_tag.match(case.headers["If-Match"]) for case in valid if "If-Match" in (case.headers or {}))
    assert any((case.headers or {}).get("If-Match") == "0" for case in cases), "the case this guards against is gone"


Answer = tuple[int, dict[str, str], bytes]


@contextmanager
def fake_api(answer: Callable[[str, str, dict[str, str]], Answer]) -> Iterator[str]:
    """An HTTP server that serves the real document and lets ``answer(method, path, headers)`` say the rest."""
    document = json.dumps(openapi.document("/")).encode()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/openapi.json"):
                status, headers, body = 200, {"Content-Type": "application/json", **dict(SECURITY_HEADERS)}, document
            else:
                status, headers, body = answer(self.command, self.path, dict(self.headers))
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def failed_checks(url, tmp_path, phases=("coverage",), peer_token=None, max_examples=1):
    code, report = fuzz.run_schemathesis(
        url,
        ["http://127.0.0.1:8002"],
        "Bearer a.b.c",
        peer_token,
        max_examples=max_examples,
        report_dir=tmp_path,
        phases=",".join(phases),
        quiet=True,
        seed=1,
    )
    assert code != 0
    assert "failures" in report, report.get("output")
    return {failure["title"] for failure in report["failures"]}


def error(status, code, message, headers=SECURITY_HEADERS):
    body = json.dumps({"Code": code, "Message": f"{code}: {message}"}).encode()
    return status, {"Content-Type": "application/json", **dict(headers)}, body


def careless(method, path, headers):
    """An API that gets it all wrong: any token will do, a refused list blames the limit, errors show tracebacks,
    and a preflight depends on the todo."""
    if method == "OPTIONS":
        unknown = re.fullmatch(r"/todos/[0-9a-f]{32}", path)
        return error(404, "NotFoundError", "no such todo.") if unknown else (204, dict(SECURITY_HEADERS), b"")
    if path.startswith("/todos") and method in ("GET", "HEAD") and path.count("/") == 1:
        return error(400, "BadRequestError", "limit is out of range.")
    if method == "POST":
        leak = 'Traceback (most recent call last):\n  File "/srv/app.py", line 3, in create\nKeyError: 1'
        return error(400, "BadRequestError", leak, headers=())
    return 200, {"Content-Type": "application/json", **dict(SECURITY_HEADERS)}, b"{}"


def test_the_project_s_fuzz_checks_catch_what_they_are_for(tmp_path):
    with fake_api(careless) as url:
        failed = failed_checks(url, tmp_path, phases=("coverage", "fuzzing"))
    assert {
        "Custom check failed: `errors_in_contract_shape_without_internals`",
        "Custom check failed: `security_headers_on_every_answer`",
        "Custom check failed: `tokens_are_verified`",
        "Custom check failed: `justified_statuses_only_for_their_reason`",
        "Custom check failed: `preflights_alike_for_any_todo`",
    } <= failed


def conflicted(method, path, headers):
    """An API that answers every new todo, valid or not, with a 409 that schemathesis's defaults would take."""
    if method == "POST":
        return error(409, "ConflictError", "a todo like this exists.")
    if method == "OPTIONS":
        return 204, dict(SECURITY_HEADERS), b""
    return 200, {"Content-Type": "application/json", **dict(SECURITY_HEADERS)}, b"[]"


def test_a_status_the_contract_does_not_give_fails_although_schemathesis_would_take_it(tmp_path):
    with fake_api(conflicted) as url:
        failed = failed_checks(url, tmp_path, phases=("coverage", "fuzzing"))
    assert "Custom check failed: `only_the_contract_s_statuses`" in failed, failed


def sharing(todos):
    """An API that keeps each caller's list apart but hands any signed-in caller any todo by its id.

    That is its only flaw: it refuses tokens it did not issue and sends the headers the document requires, so no
    other failure ends a stateful scenario before the peer has replayed the owner's read.
    """
    callers = {"Bearer a.b.c", "Bearer d.e.f"}
    vary = {"Vary": "Origin", **dict(SECURITY_HEADERS)}
    preflight = {"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "Authorization"}

    def answer(method, path, headers):
        caller = headers.get("Authorization")
        ok = {"Content-Type": "application/json", **vary}
        if method == "OPTIONS":
            return 204, {**preflight, "Access-Control-Max-Age": "600", **vary}, b""
        if caller not in callers:
            return error(401, "UnauthorizedError", "no.", headers=vary.items())
        if method == "POST" and path == "/todos":
            todo = {"id": uuid.uuid4().hex, "title": "t", "memo": "", "priority": 1, "completed": False, "version": 1}
            todos[todo["id"]] = (caller, todo)
            return 201, {**ok, "Location": f"/todos/{todo['id']}", "ETag": '"1"'}, json.dumps(todo).encode()
        if method in ("GET", "HEAD") and path.split("?")[0] == "/todos":
            page = json.dumps([todo for owner, todo in todos.values() if owner == caller]).encode()
            return 200, {**ok, "ETag": f'"{hashlib.md5(page).hexdigest()}"'}, page
        found = todos.get(path.rpartition("/")[2])
        if method in ("GET", "HEAD") and found:
            return 200, {**ok, "ETag": '"1"'}, json.dumps(found[1]).encode()
        return error(404, "NotFoundError", "no such todo.", headers=vary.items())

    return answer


def test_the_fuzz_run_catches_a_user_who_gets_another_user_s_todo(tmp_path):
    with fake_api(sharing({})) as url:
        # Where nothing else fails, the stateful phase plays one scenario per example; the short run's five reach
        # a todo the owner created and read, and the peer's replay of that read.
        failed = failed_checks(url, tmp_path, phases=("stateful",), peer_token="Bearer d.e.f", max_examples=5)
    assert "Object-level authorization bypass" in failed, failed
