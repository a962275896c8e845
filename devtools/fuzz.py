"""Schema-driven fuzzing of the running API with schemathesis, signed in as a user of the identity provider.

``hobopy fuzz`` (or ``make fuzz``) starts a throwaway stack unless ``--url``
names one, signs up two new users, and runs ``st run`` with every check over the
API's own ``/openapi.json`` with the first one's ID token: every operation and
method (TRACE and QUERY included) with valid and invalid data, the coverage
phase's edge cases, and stateful sequences along the document's links; the
second user replays the first one's reads and must get none of them.
Schemathesis's own checks keep their default statuses; ``JUSTIFIED`` lists
the few statuses that are right for valid data for a reason, and
``NOT_APPLICABLE`` the one check that does not apply to one operation, one
line each; ``devtools.fuzz_checks`` holds each of them to its reason and adds
the project's checks (``devtools.contract_audit``).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import click
import requests

from devtools import accounts, settings
from devtools.stack import throwaway_stack

ROOT = settings.ROOT


def _toml_value(value: object) -> str:
    # JSON's strings, numbers and arrays are TOML too; tables become inline tables.
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def to_toml(config: dict[str, Any]) -> str:
    """A schemathesis.toml text for a dict of settings (every value written inline)."""
    return "".join(f"{json.dumps(key)} = {_toml_value(value)}\n" for key, value in config.items())


# Statuses that are right for schema-valid data for a reason no schema can state: (operations, status,
# the Code such an answer must carry, words its message must contain, why). fuzz_checks holds every such
# answer to its reason; everything else is judged by schemathesis's own defaults (404 is among them).
TODO_IDS = ["getTodo", "headTodo", "updateTodo", "patchTodo", "deleteTodo"]
JUSTIFIED: list[tuple[list[str], int, str, str, str]] = [
    (["listTodos", "headTodos"], 400, "BadRequestError", "cursor", "a well-formed cursor the API did not issue"),
    (["updateTodo", "patchTodo", "deleteTodo"], 412, "PreconditionFailed", "If-Match", "a tag another step made stale"),
    (TODO_IDS, 404, "NotFoundError", "", "an id the user does not have (made up, deleted earlier, another's)"),
]
# Checks that do not apply to an operation, with the reason; fuzz_checks holds the operation to it.
NOT_APPLICABLE: list[tuple[list[str], str, str]] = [
    (["preflightTodo"], "use_after_free", "a preflight answers for the path and the origin, not for one todo"),
]


def schemathesis_config(
    origins: list[str],
    cursors: list[str],
    ids: list[str],
    token: str | None = None,
    document: dict[str, Any] | None = None,
    wfc_path: Path | None = None,
) -> dict[str, Any]:
    """The run's settings: who is signed in, real values to mix in, and the justified statuses.

    With ``wfc_path`` (a Web Fuzzing Commons file naming the users ``owner``
    and ``peer``), the run acts as ``owner`` and replays its reads as ``peer``,
    who must not get them (schemathesis's object_level_authorization);
    otherwise it sends ``token`` as the document's security scheme takes it.
    """
    from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES as positive_defaults

    dictionaries = {"origins": origins, "cursors": cursors, "ids": ids, "tags": ["*", '"0"', '"1"', '"2"']}
    bindings = {
        "query.cursor": ("cursors", 0.8),
        "header.Origin": ("origins", 0.5),
        "path.todo_id": ("ids", 0.3),
        "header.If-Match": ("tags", 0.5),
    }
    config: dict[str, Any] = {
        # Random strings are never cursors the API issued, ids that exist, allowed
        # origins or current tags: mix real ones in so the success paths run too.
        "dictionaries": {name: {"values": list(values)} for name, values in dictionaries.items() if values},
        "parameters": {
            key: {"dictionary": name, "probability": probability}
            for key, (name, probability) in bindings.items()
            if dictionaries[name]
        },
        "operations": [
            {
                "include-operation-id": operations,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*positive_defaults, str(status)]}},
            }
            for operations, status, _, _, _ in JUSTIFIED
            if str(status) not in positive_defaults
        ]
        + [
            {"include-operation-id": operations, "checks": {check: {"enabled": False}}}
            for operations, check, _ in NOT_APPLICABLE
        ],
    }
    if wfc_path:
        config["auth"] = {"wfc": {"path": str(wfc_path), "user": "owner", "peers": ["owner", "peer"]}}
    elif token:
        config["auth"] = auth_settings(document or {}, token)
    return config


def wfc_document(token: str, peer_token: str) -> dict[str, Any]:
    """Two signed-in users as a Web Fuzzing Commons auth file: the run's ``owner`` and a ``peer``."""
    users = {"owner": token, "peer": peer_token}
    return {
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": value}]} for name, value in users.items()
        ]
    }


def auth_settings(document: dict[str, Any], token: str) -> dict[str, Any]:
    """schemathesis's ``auth`` settings that send ``token`` the way the document's security schemes take it."""
    schemes = {}
    for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme.get("name") == "Authorization":
            schemes[name] = {"api_key": token}
        elif scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer":
            schemes[name] = {"bearer": token.removeprefix("Bearer ")}
    if not schemes:
        raise click.ClickException("the API's document declares no security scheme that takes an ID token")
    return {"openapi": schemes}


def known_values(url: str, token: str | None = None, sizes: tuple[int, ...] = (1, 2, 3)) -> tuple[list[str], list[str]]:
    """Ids and cursors the API at ``url`` hands out now to the holder of ``token``, fetched as a client would."""
    ids: set[str] = set()
    cursors = []
    headers = {"Authorization": token} if token else {}
    for size in sizes:
        request = urllib.request.Request(f"{url.rstrip('/')}/todos?limit={size}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                ids.update(todo["id"] for todo in json.loads(response.read()))
                match = re.search(r"[?&]cursor=([^&>]+)", response.headers.get("Link") or "")
        except (OSError, ValueError, TypeError, KeyError):
            # Not a list of todos: the run goes on with generated values only.
            continue
        if match:
            cursors.append(urllib.parse.unquote(match.group(1)))
    return sorted(ids), cursors


def run_schemathesis(
    url: str,
    origins: list[str],
    token: str | None = None,
    peer_token: str | None = None,
    max_examples: int = 20,
    workers: int = 1,
    seed: int | None = None,
    report_dir: str | Path | None = None,
    max_time: int | None = None,
    phases: list[str] | None = None,
    quiet: bool = False,
) -> tuple[int, dict[str, Any]]:
    """Run ``st run`` with every check against ``url`` as the holder of ``token``; returns (exit code, JSON report).

    With ``peer_token`` too, each read the first user gets is also tried as the second one.
    """
    ids, cursors = known_values(url, token)
    with urllib.request.urlopen(f"{url.rstrip('/')}/openapi.json", timeout=10) as answer:
        document = json.loads(answer.read())
    report_dir = Path(report_dir or tempfile.mkdtemp(prefix="hobopy-fuzz-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    wfc_path = None
    if token and peer_token:
        wfc_path = report_dir / "users.json"
        wfc_path.write_text(json.dumps(wfc_document(token, peer_token)), encoding="utf-8")
    config_path = report_dir / "schemathesis.toml"
    config = schemathesis_config(origins, cursors, ids, token, document, wfc_path)
    config_path.write_text(to_toml(config), encoding="utf-8")
    report_path = report_dir / "report.json"
    args = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config_path),
        "run",
        url.rstrip("/") + "/openapi.json",
        # No --checks: schemathesis runs every check by default, and naming them on the
        # command line would switch back on the ones NOT_APPLICABLE turns off for an operation.
        f"--max-examples={max_examples}",
        f"--workers={workers}",
        "--request-timeout=10",
        "--report=json",
        f"--report-json-path={report_path}",
        "--no-color",
    ]
    if seed is not None:
        args.append(f"--seed={seed}")
    if max_time is not None:
        args.append(f"--max-time={max_time}")
    if phases:
        args.append(f"--phases={','.join(phases)}")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "devtools.fuzz_checks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    completed = subprocess.run(args, env=env, cwd=report_dir, capture_output=quiet, text=True)
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    report["report_dir"] = str(report_dir)
    if quiet and completed.returncode != 0:
        report["output"] = completed.stdout + completed.stderr
    return completed.returncode, report


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


def local_pool(data_dir: Path | None = None, endpoint: str | None = None) -> accounts.Pool:
    """The user pool of the local identity provider that ``make run`` started (or the one named)."""
    return accounts.Pool.from_data_dir(
        data_dir or settings.data_dir() / "idp", endpoint or settings.url(settings.port("idp"))
    )


def fuzz_user(pool: accounts.Pool, url: str, todos: int = 3) -> accounts.User:
    """A new signed-in user holding a few todos, so there are ids and cursors to mix into the run."""
    user = pool.new_user()
    for number in range(todos):
        answer = requests.post(
            f"{url.rstrip('/')}/todos",
            json={"title": f"fuzz seed {number}", "memo": "", "priority": 1 + number % 5},
            headers=user.headers(),
            timeout=10,
        )
        answer.raise_for_status()
    return user


def fuzz_tokens(pool: accounts.Pool, url: str) -> dict[str, str]:
    """The Authorization headers of the run's user, who holds a few todos, and of a peer who must not see them."""
    owner, peer = fuzz_user(pool, url), fuzz_user(pool, url, todos=1)
    return {"token": owner.headers()["Authorization"], "peer_token": peer.headers()["Authorization"]}


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
    url: str | None,
    origins: tuple[str, ...],
    idp_data_dir: Path | None,
    anonymous: bool,
    max_examples: int,
    max_time: int | None,
    workers: int,
    seed: int | None,
    report_dir: str | None,
) -> None:
    """Fuzz every operation of the API from its OpenAPI document, signed in as a new user (and a second one, who
    must not get the first one's todos).

    Example: hobopy fuzz --max-examples 50
    """
    options: dict[str, Any] = {
        "max_examples": max_examples,
        "workers": workers,
        "seed": seed,
        "report_dir": report_dir,
        "max_time": max_time,
    }
    if url:
        if not anonymous:
            options.update(fuzz_tokens(local_pool(idp_data_dir), url))
        code, report = run_schemathesis(url, list(origins) or settings.local_origins(settings.UI_PORT), **options)
    else:
        with throwaway_stack() as stack:
            options.update(fuzz_tokens(stack.pool(), stack.api_url))
            code, report = run_schemathesis(stack.api_url, stack.origins, **options)
    click.echo(f"fuzz: {summary(report)}")
    click.echo(f"report and configuration: {report['report_dir']}")
    sys.exit(code)


if __name__ == "__main__":
    fuzz_command()
