"""Schema-driven fuzzing of the running API with schemathesis, and the audit every error answer must pass.

``hobopy fuzz`` (or ``make fuzz``) starts a throwaway stack unless ``--url``
names one, then runs schemathesis over the API's own ``/openapi.json``: every
operation with valid and invalid data, the coverage phase's edge cases, and
stateful sequences along the document's links. Besides schemathesis's own
checks, ``devtools.fuzz_checks`` holds the project's: no 5xx but 503, and
every error in the contract's shape without internals.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent

# What a leaking error body looks like: traceback text, source paths, the
# names of Python, botocore or DynamoDB exception classes.
LEAK_PATTERNS = [
    (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
    (re.compile(r"File \"[^\"]*\", line \d+"), "a traceback frame"),
    (re.compile(r"\bline \d+, in \w"), "a traceback frame"),
    (re.compile(r"[\w-]+\.py\b"), "a Python file name"),
    (re.compile(r"(?:^|[\s'\"(=])(?:/[\w.-]+){2,}"), "a file path"),
    (re.compile(r"[A-Za-z]:\\[\w\\]"), "a file path"),
    (re.compile(r"site-packages|dist-packages|chalicelib|\.venv\b"), "a source location"),
    (re.compile(r"\b(?:boto3?|botocore|urllib3|chalice\.)"), "a library name"),
    (re.compile(r"\b\w*(?:Exception|Error)\(|\b(?:Key|Value|Type|Attribute|Index|Name|Runtime|Recursion|"
                r"Unicode\w*|JSONDecode|OS|Lookup|Assertion|Client|ParamValidation|EndpointConnection)Error\b"),
     "a Python exception class"),
    (re.compile(r"\b\w+Exception\b|\b(?:Validation|Todo)Error\b|\b(?:NotFound|Unavailable|PreconditionFailed)\("),
     "an exception class"),
    (re.compile(r"\bErrno\b|\[Errno"), "an OS error"),
    (re.compile(r"\bat 0x[0-9a-f]{6,}"), "an object address"),
    (re.compile(r"<(?:module|class|function|bound method)\b"), "a Python object"),
]
CONTRACT_KEYS = {"Code", "Message"}
WARNINGS = ["missing_auth", "missing_test_data", "base_url_mismatch", "validation_mismatch", "missing_deserializer",
            "unused_openapi_auth", "unsupported_regex", "method_not_allowed", "constants_extraction",
            "unmatched_filter", "unresolvable_reference", "low_valid_rate", "rate_limited", "dictionary_mismatch",
            "timeout_units"]


def _without_echoes(text, echoed):
    # Messages quote what the client sent (an id, a field name); a client
    # sending "Traceback" must not count as a leak, so those parts go first.
    for value in sorted({v for v in echoed if isinstance(v, str) and v}, key=len, reverse=True):
        for form in (repr(value), repr(value[:64] + "..."), value):
            text = text.replace(form, "")
    return text


def error_body_problems(status, content_type, body, echoed=()):
    """What is wrong with an error answer (status >= 400): [] when it is in the contract's shape and leaks nothing.

    ``body`` is bytes or text; ``echoed`` holds strings the client sent, which
    messages may quote back.
    """
    problems = []
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return [f"{status}: the body is not UTF-8"]
    if status >= 500 and status != 503:
        problems.append(f"{status}: a server error other than 503")
    if not (content_type or "").startswith("application/json"):
        problems.append(f"{status}: Content-Type is {content_type!r}, not JSON")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or set(parsed) != CONTRACT_KEYS or not all(
        isinstance(parsed[k], str) for k in CONTRACT_KEYS
    ):
        problems.append(f"{status}: the body is not {{\"Code\", \"Message\"}} with string values: {body[:200]!r}")
        text = body
    else:
        text = parsed["Message"]
        if re.search(r"\s", parsed["Code"]) or not parsed["Code"]:
            problems.append(f"{status}: Code {parsed['Code']!r} is not a single word")
    text = _without_echoes(text, echoed)
    for pattern, what in LEAK_PATTERNS:
        match = pattern.search(text)
        if match:
            problems.append(f"{status}: the message shows {what} ({match.group(0)!r}): {text[:200]!r}")
    return problems


def _toml_value(value):
    # JSON's strings, numbers and arrays are TOML too; tables become inline tables.
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def to_toml(config):
    """A schemathesis.toml text for a dict of settings (every value written inline)."""
    return "".join(f"{json.dumps(key)} = {_toml_value(value)}\n" for key, value in config.items())


def schemathesis_config(origins, cursors, ids):
    """The run's settings: what counts as a server error, which statuses valid data may get."""
    dictionaries = {"origins": origins, "cursors": cursors, "ids": ids, "tags": ["*", '"0"', '"1"', '"2"']}
    bindings = {"query.cursor": ("cursors", 0.8), "header.Origin": ("origins", 0.5), "path.todo_id": ("ids", 0.3),
                "header.If-Match": ("tags", 0.5)}
    return {
        # The dev server's TRACE/QUERY answers are excluded on purpose (see the command line).
        "warnings": {"display": [name for name in WARNINGS if name != "unmatched_filter"]},
        "checks": {
            # 503 is the contract's answer when the database is unreachable.
            "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]},
            # A valid If-Match can still be stale: 412 is a right answer to valid data.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "412", "503"]},
            # An If-Match that is not an entity tag can never match: 412, as RFC 9110 has it.
            "negative_data_rejection": {"expected-statuses": ["400", "404", "412", "413", "415"]},
        },
        # Random strings are never cursors the API issued, ids that exist, allowed
        # origins or current tags: mix real ones in so the success paths run too.
        "dictionaries": {name: {"values": list(values)} for name, values in dictionaries.items() if values},
        "parameters": {key: {"dictionary": name, "probability": probability}
                       for key, (name, probability) in bindings.items() if dictionaries[name]},
        "operations": [
            # A preflight asks about the path and the origin, not the todo: it
            # answers the same whether the todo exists or not.
            {"include-operation-id": ["preflightTodos", "preflightTodo"],
             "checks": {"positive_data_acceptance": {"expected-statuses": ["204", "403"]}},
             "phases": {"stateful": {"enabled": False}}},
            # A schema cannot say "a cursor this API issued"; fuzz_checks makes
            # sure such a 400 is about the cursor and nothing else.
            {"include-operation-id": ["listTodos"],
             "checks": {"positive_data_acceptance": {"expected-statuses": ["200", "400", "503"]}}},
        ],
    }


def known_values(url, sizes=(1, 2, 3)):
    """Ids and cursors the API at ``url`` hands out now, fetched as a client would."""
    ids, cursors = set(), []
    for size in sizes:
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/todos?limit={size}", timeout=10) as response:
                ids.update(todo["id"] for todo in json.loads(response.read()))
                match = re.search(r"[?&]cursor=([^&>]+)", response.headers.get("Link") or "")
        except (OSError, ValueError, TypeError, KeyError):
            # Not a list of todos: the run goes on with generated values only.
            continue
        if match:
            cursors.append(urllib.parse.unquote(match.group(1)))
    return sorted(ids), cursors


def run_schemathesis(url, origins, max_examples=20, workers=1, seed=None, report_dir=None, max_time=None,
                     phases=None, quiet=False):
    """Run ``st run`` against ``url``; returns (exit code, the JSON report as a dict)."""
    ids, cursors = known_values(url)
    report_dir = Path(report_dir or tempfile.mkdtemp(prefix="hobopy-fuzz-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    config_path = report_dir / "schemathesis.toml"
    config_path.write_text(to_toml(schemathesis_config(origins, cursors, ids)), encoding="utf-8")
    report_path = report_dir / "report.json"
    args = [
        str(Path(sys.executable).with_name("st")), "--config-file", str(config_path), "run",
        url.rstrip("/") + "/openapi.json",
        "--checks", "all",
        # The dev server (http.server) answers methods it has no handler for
        # with its own 501 page before the app sees them; API Gateway refuses
        # them too. Every method the app routes is still probed.
        "--exclude-method", "TRACE", "--exclude-method", "QUERY",
        "--max-examples", str(max_examples),
        "--workers", str(workers),
        "--request-timeout", "10",
        "--report", "json", "--report-json-path", str(report_path),
        "--no-color",
    ]
    if seed is not None:
        args += ["--seed", str(seed)]
    if max_time is not None:
        args += ["--max-time", str(max_time)]
    if phases:
        args += ["--phases", ",".join(phases)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "devtools.fuzz_checks",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    completed = subprocess.run(args, env=env, cwd=report_dir, capture_output=quiet, text=True)
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    report["report_dir"] = str(report_dir)
    if quiet and completed.returncode != 0:
        report["output"] = completed.stdout + completed.stderr
    return completed.returncode, report


def summary(report):
    """One line of figures from a schemathesis JSON report."""
    cases = report.get("test_cases", {})
    phases = ", ".join(f"{name} {info.get('status')}" for name, info in report.get("phases", {}).items())
    return (f"{cases.get('generated', 0)} test cases generated, {cases.get('with_failures', 0)} with failures, "
            f"{len(report.get('errors', []))} errors; phases: {phases}; "
            f"{report.get('running_time', 0):.1f} s")


@click.command("fuzz")
@click.option("--url", help="Fuzz the API at this URL instead of starting a throwaway stack.")
@click.option("--origin", "origins", multiple=True, help="An origin the API allows (with --url).")
@click.option("--max-examples", default=200, show_default=True, help="Test cases per operation and phase.")
@click.option("--max-time", type=int, help="Stop after this many seconds.")
@click.option("--workers", default=1, show_default=True, help="Concurrent schemathesis workers.")
@click.option("--seed", type=int, help="Reproduce an earlier run.")
@click.option("--report-dir", type=click.Path(file_okay=False), help="Keep the report here.")
def fuzz_command(url, origins, max_examples, max_time, workers, seed, report_dir):
    """Fuzz every operation of the API from its OpenAPI document.

    Example: hobopy fuzz --max-examples 50
    """
    if url:
        code, report = run_schemathesis(url, origins or ["http://127.0.0.1:8002"], max_examples, workers, seed,
                                        report_dir, max_time)
    else:
        with throwaway_stack() as stack:
            code, report = run_schemathesis(stack.api_url, stack_origins(stack), max_examples, workers, seed,
                                            report_dir, max_time)
    click.echo(f"fuzz: {summary(report)}")
    click.echo(f"report and configuration: {report['report_dir']}")
    sys.exit(code)


def stack_origins(stack):
    """The origins a Stack's API allows (its UI's)."""
    return [f"http://127.0.0.1:{stack.ui_port}", f"http://localhost:{stack.ui_port}"]


@contextmanager
def throwaway_stack(db_port=None):
    """A running Stack (no UI) on free ports, its data in a temporary folder removed afterwards.

    With ``db_port``, an engine already serving there is used as it is.
    """
    from devtools.stack import Stack

    with tempfile.TemporaryDirectory(prefix="hobopy-stack-") as data_dir:
        with Stack(db_port=db_port, data_dir=data_dir, with_ui=False) as stack:
            yield stack


if __name__ == "__main__":
    fuzz_command()
