"""Schema-driven fuzzing of the running API with schemathesis, signed in as a user of the identity provider.

``hobopy fuzz`` (``make fuzz``) starts a throwaway stack unless ``--url`` names one, signs up two users and runs
``st run`` with every check over the API's ``/openapi.json`` as the first one; the second replays the first one's reads
and must get none of them. ``JUSTIFIED`` and ``NOT_APPLICABLE`` are the only ways the configuration widens
schemathesis's defaults, one line each; ``devtools.quality.fuzz_checks`` holds each to its reason, narrows the
statuses the defaults take to the contract's, and adds the project's checks.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import click
import requests
import tomli_w

from devtools import settings
from devtools.local import accounts
from devtools.local.stack import throwaway_stack

# Statuses that are right for schema-valid data for a reason no schema can state: (operations, status,
# the Code such an answer must carry, words its message must contain, why). fuzz_checks holds every such
# answer to its reason; everything else is judged by schemathesis's own defaults (404 is among them).
TODO_IDS = ["getTodo", "headTodo", "updateTodo", "patchTodo", "deleteTodo"]
JUSTIFIED: list[tuple[list[str], int, str, str, str]] = [
    (["listTodos", "headTodos"], 400, "BadRequestError", "cursor", "a well-formed cursor the API did not issue"),
    (["updateTodo", "patchTodo", "deleteTodo"], 412, "PreconditionFailed", "If-Match", "a tag another step made stale"),
    (
        ["updateTodo", "patchTodo"],
        400,
        "BadRequestError",
        "If-None-Match",
        "a create (If-None-Match: *) under an id that is no fresh UUIDv7, or with less than a whole new todo",
    ),
    # Not an error: the answer to a conditional GET whose tag is current has no body, so no Code; the word is the
    # request header that asks for it.
    (["listTodos", "headTodos"], 304, "", "If-None-Match", "If-None-Match named the page as it is (or was *)"),
    (TODO_IDS, 404, "NotFoundError", "", "an id the user does not have (made up, deleted earlier, another's)"),
]
# Checks that do not apply to an operation, with the reason; fuzz_checks holds the operation to it.
NOT_APPLICABLE: list[tuple[list[str], str, str]] = [
    (["preflightTodo"], "use_after_free", "a preflight answers for the path and the origin, not for one todo"),
]


# Random strings are never cursors the API issued, ids that exist, allowed origins or current tags: mix real ones in
# so the success paths run too. A parameter: (the dictionary of real values, how often one of them is used).
BINDINGS = {
    "query.cursor": ("cursors", 0.8),
    "header.Origin": ("origins", 0.5),
    "path.todo_id": ("ids", 0.3),
    "header.If-Match": ("tags", 0.5),
}


def schemathesis_config(values: dict[str, list[str]], auth: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run's settings: ``auth``, real ``origins``, ``cursors`` and ``ids`` to mix in, the justified statuses."""
    from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES as accepted

    values = {**values, "tags": ["*", '"0"', '"1"', '"2"']}
    bound = {key: (name, p) for key, (name, p) in BINDINGS.items() if values.get(name)}
    # Schemathesis takes a check's settings from the first entry that names the operation, so each operation's
    # justified statuses go into one entry (operations that share them share it).
    widened: dict[str, list[str]] = {}
    for ops, status, *_ in JUSTIFIED:
        for operation in ops if str(status) not in accepted else []:
            widened.setdefault(operation, []).append(str(status))
    sharing: dict[tuple[str, ...], list[str]] = {}
    for operation, statuses in widened.items():
        sharing.setdefault(tuple(statuses), []).append(operation)
    rules: list[tuple[list[str], str, dict[str, Any]]] = [
        (ops, "positive_data_acceptance", {"expected-statuses": [*accepted, *statuses]})
        for statuses, ops in sharing.items()
    ]
    rules += [(ops, check, {"enabled": False}) for ops, check, _ in NOT_APPLICABLE]
    return {
        "auth": auth or {},
        "dictionaries": {name: {"values": values[name]} for name, _ in bound.values()},
        "parameters": {key: {"dictionary": name, "probability": p} for key, (name, p) in bound.items()},
        "operations": [{"include-operation-id": ops, "checks": {check: rule}} for ops, check, rule in rules],
    }


def known_values(url: str, token: str | None = None) -> dict[str, list[str]]:
    """The ``ids`` and ``cursors`` the API at ``url`` hands the holder of ``token``, fetched as a client would."""
    ids: set[str] = set()
    cursors: list[str] = []
    headers = {"Authorization": token} if token else {}
    for size in (1, 2, 3):
        try:
            answer = requests.get(f"{url}/todos", {"limit": size}, headers=headers, timeout=10)
            ids.update(todo["id"] for todo in answer.json())
        except (requests.RequestException, ValueError, TypeError, KeyError):
            continue  # Not a list of todos: the run goes on with generated values only.
        next_page = urllib.parse.urlsplit(answer.links.get("next", {}).get("url", "")).query
        cursors += urllib.parse.parse_qs(next_page).get("cursor", [])
    return {"ids": sorted(ids), "cursors": cursors}


def wfc_auth(folder: Path, token: str, peer_token: str | None = None) -> dict[str, Any]:
    """``auth`` settings that act as ``owner`` (``token``) and replay its reads as ``peer`` (schemathesis's
    object_level_authorization), the users written into ``folder`` as a Web Fuzzing Commons file."""
    users = {"owner": token, "peer": peer_token} if peer_token else {"owner": token}
    entries = [{"name": n, "fixedHeaders": [{"name": "Authorization", "value": v}]} for n, v in users.items()]
    (folder / "users.json").write_text(json.dumps({"auth": entries}), encoding="utf-8")
    wfc = {"path": str(folder / "users.json"), "user": "owner"}
    return {"wfc": {**wfc, "peers": [*users]} if peer_token else wfc}


def run_schemathesis(
    url: str, origins: list[str], token: str | None = None, peer_token: str | None = None, **options: Any
) -> tuple[int, dict[str, Any]]:
    """Run ``st run`` with every check against ``url`` as the holder of ``token`` (and ``peer_token``: ``wfc_auth``);
    ``options`` are st run's own but ``report_dir`` and ``quiet``. Returns the exit code and the JSON report."""
    url, quiet = url.rstrip("/"), options.pop("quiet", False)
    folder = Path(options.pop("report_dir", None) or tempfile.mkdtemp(prefix="hobopy-fuzz-"))
    folder.mkdir(parents=True, exist_ok=True)
    auth = wfc_auth(folder, token, peer_token) if token else {}
    config = schemathesis_config({**known_values(url, token), "origins": origins}, auth)
    (folder / "schemathesis.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    report = folder / "report.json"
    options = {"max_examples": 20, "workers": 1, **options, "request_timeout": 10, "report_json_path": report}
    # No --checks: schemathesis runs every check by default, and naming them on the
    # command line would switch back on the ones NOT_APPLICABLE turns off for an operation.
    args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items() if value is not None]
    st = [str(Path(sys.executable).with_name("st")), "--config-file", str(folder / "schemathesis.toml"), "run"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "devtools.quality.fuzz_checks"}
    command = [*st, f"{url}/openapi.json", *args, "--report=json", "--no-color"]
    completed = subprocess.run(command, env=env, cwd=folder, capture_output=quiet, text=True)
    result = {**(json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}), "report_dir": str(folder)}
    if quiet and completed.returncode != 0:
        result["output"] = completed.stdout + completed.stderr
    return completed.returncode, result


def summary(report: dict[str, Any]) -> str:
    """One line of figures from a schemathesis JSON report: cases, failures by kind, phases, time."""
    cases = report.get("test_cases", {})
    phases = ", ".join(f"{name} {info.get('status')}" for name, info in report.get("phases", {}).items())
    kinds = Counter(failure.get("title", "?") for failure in report.get("failures", []))
    failures = "; ".join(f"{title}: {count}" for title, count in kinds.most_common()) or "none"
    return (
        f"{cases.get('generated', 0)} test cases generated, {cases.get('with_failures', 0)} with failures "
        f"(by kind: {failures}), {len(report.get('errors', []))} errors; phases: {phases}; "
        f"{report.get('running_time', 0):.1f} s"
    )


def local_pool(data_dir: Path | None = None) -> accounts.Pool:
    """The user pool of the local identity provider that ``make run`` started (its data in ``data_dir``)."""
    return accounts.Pool.from_data_dir(data_dir or settings.data_dir() / "idp", settings.url(settings.port("idp")))


def fuzz_tokens(pool: accounts.Pool, url: str) -> dict[str, str]:
    """The Authorization headers of the run's user and of a peer, each holding todos (ids and cursors to mix in)."""
    tokens = {}
    for name, todos in (("token", 3), ("peer_token", 1)):
        user = pool.new_user()
        for number in range(todos):
            todo: dict[str, Any] = {"title": f"fuzz seed {number}", "memo": "", "priority": number + 1}
            requests.post(f"{url.rstrip('/')}/todos", json=todo, headers=user.headers(), timeout=10).raise_for_status()
        tokens[name] = user.headers()["Authorization"]
    return tokens


@click.command("fuzz")
@click.option("--url", help="Fuzz the API at this URL (e.g. `make run`'s) instead of starting a throwaway stack.")
@click.option("--origin", "origins", multiple=True, help="An origin the API allows (with --url).")
@click.option(
    "--idp-data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --url: the identity provider's data folder [default: the stack's, .data/idp].",
)
@click.option("--anonymous", is_flag=True, help="With --url: send no token (the dev stage's demo owner).")
@click.option("--max-examples", default=200, show_default=True, help="Test cases per operation and phase.")
@click.option("--max-time", type=int, help="Stop after this many seconds.")
@click.option("--workers", default=1, show_default=True, help="Concurrent schemathesis workers.")
@click.option("--seed", type=int, help="Reproduce an earlier run.")
@click.option("--report-dir", type=click.Path(file_okay=False), help="Keep the report here.")
def fuzz_command(
    url: str | None, origins: tuple[str, ...], idp_data_dir: Path | None, anonymous: bool, **options: Any
) -> None:
    """Fuzz every operation of the API from its OpenAPI document, signed in as a new user (and a second one, who
    must not get the first one's todos).

    Example: hobopy fuzz --max-examples 50
    """
    if url:
        users = {} if anonymous else fuzz_tokens(local_pool(idp_data_dir), url)
        code, report = run_schemathesis(
            url, list(origins) or settings.local_origins(settings.UI_PORT), **users, **options
        )
    else:
        with throwaway_stack() as stack:
            users = fuzz_tokens(stack.pool(), stack.api_url)
            code, report = run_schemathesis(stack.api_url, stack.origins, **users, **options)
    click.echo(f"fuzz: {summary(report)}")
    click.echo(f"report and configuration: {report['report_dir']}")
    sys.exit(code)


if __name__ == "__main__":
    fuzz_command()
