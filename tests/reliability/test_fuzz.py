"""Schema-driven fuzzing (schemathesis) of the running stack: a short run here, a long one in `make fuzz`."""
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools import fuzz
from tests.reliability.openapi_doc import DOCUMENT
from tests.reliability.plugin import report_figure


@pytest.mark.slow
def test_fuzzing_every_operation_finds_no_server_error_leak_or_schema_violation(live_stack, tmp_path):
    # A fixed seed keeps this short run repeatable; `make fuzz` explores with fresh seeds.
    seed = int(os.environ.get("HOBOPY_FUZZ_SEED", "20261129"))
    code, report = fuzz.run_schemathesis(live_stack.api_url, fuzz.stack_origins(live_stack), max_examples=5,
                                         seed=seed, report_dir=tmp_path, quiet=True)
    report_figure(f"fuzz (short run): {fuzz.summary(report)}")
    assert code == 0, report.get("output", report)
    # Every operation but the document itself, which schemathesis leaves out.
    assert report["operations"]["tested"] == len(list(_operations())) - 1
    assert {name: phase["status"] for name, phase in report["phases"].items() if name != "examples"} == {
        "coverage": "success", "fuzzing": "success", "stateful": "success"}
    assert report["test_cases"]["generated"] >= 100


def _operations():
    for item in DOCUMENT["paths"].values():
        yield from (m for m in item if m != "parameters")


class _LeakyHandler(BaseHTTPRequestHandler):
    """An API that gets everything wrong the way a careless one would: tracebacks in its errors."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path.startswith("/openapi.json"):
            status, body = 200, json.dumps(DOCUMENT)
        else:
            status = 400
            body = json.dumps({"Code": "BadRequestError", "Message": 'Traceback (most recent call last):\n  File '
                               '"/srv/app.py", line 3, in create\nKeyError: \'title\''})
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

    def log_message(self, *args):
        pass


def test_the_fuzz_checks_catch_an_api_that_leaks_tracebacks(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LeakyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, report = fuzz.run_schemathesis(url, ["http://127.0.0.1:8002"], max_examples=1, report_dir=tmp_path,
                                             phases=["coverage"], quiet=True)
    finally:
        server.shutdown()
        server.server_close()
    failed_checks = {failure["title"] for failure in report["failures"]}
    assert code != 0
    assert "Custom check failed: `errors_in_contract_shape_without_internals`" in failed_checks
    assert "Custom check failed: `security_headers_on_every_answer`" in failed_checks
