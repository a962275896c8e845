"""Checks a project before it is packaged or deployed, and says how to fix what it finds.

``check(project_dir, stage)`` reads files and returns every problem, one
``Problem`` each, so a broken file never hides the problems of the next one.
The rules are the project's own: files in UTF-8 without BOM, the seed against
the schema, no local endpoint, issuer or anonymous owner in a deployable stage,
DynamoDB never granted on every table, the policy ``Version`` that looks like a
date, and the shape of actions. The rest of IAM policy grammar (Effect,
Resource) is cfn-lint's: ``make package`` runs it on the packaged template.
"""

import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from devtools.datafiles import DataFileError, check_keys, load_schema, read_json, read_requests, read_text
from devtools.settings import ROOT

# A problem in a file and its fix, whether found while reading the file or checking it.
Problem = DataFileError

# The stage that runs on this machine; every other stage is deployed to AWS.
LOCAL_STAGES = frozenset({"dev"})
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
CONFIG = "backend/.chalice/config.json"
SCHEMA = "db/schema.json"
SEED = "db/initial-data.json"


def _loopback(value: str) -> bool:
    host = urlsplit(value if "//" in value else "//" + value).hostname
    if not host:
        return False
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _always(value: str) -> bool:
    return bool(value)


# Variables a deployable stage must not set: (is the value a problem, why, where it belongs).
LOCAL_ONLY: dict[str, tuple[Callable[[str], bool], str]] = {
    **dict.fromkeys(
        ("DB_ENDPOINT", "HOBOPY_DB_ENDPOINT"),
        (_loopback, "a loopback address: on Lambda that is the function itself, not a database"),
    ),
    **dict.fromkeys(
        ("AUTH_LOCAL_ENDPOINT", "HOBOPY_AUTH_ENDPOINT"),
        (_always, "a local issuer: the API would trust tokens from it instead of the user pool"),
    ),
    "ANONYMOUS_OWNER": (
        _always,
        "anonymous access: a request without a token would read and change that owner's todos",
    ),
}


class _Files:
    """Reads project files, recording unreadable, non-UTF-8 and malformed ones as problems."""

    def __init__(self, root: str | Path, problems: list[Problem]) -> None:
        self.root = Path(root)
        self.problems = problems

    def read(self, relative: str, reader: Callable[[Path], Any] = read_json) -> Any:
        """What ``reader`` makes of the file, or None when it is missing or broken (then a problem)."""
        if not (self.root / relative).exists():
            return None
        try:
            return reader(self.root / relative)
        except DataFileError as exc:
            self.problems.append(_relative(exc, relative))
            return None


def _relative(problem: Problem, relative: str) -> Problem:
    problem.path = relative  # named as in the project, wherever it was copied
    return problem


def check(project_dir: str | Path, stage: str = "prod") -> list[Problem]:
    """Every problem in the project at ``project_dir`` for deploying ``stage`` (a list of ``Problem``)."""
    problems: list[Problem] = []
    files = _Files(project_dir, problems)
    config = files.read(CONFIG)
    if config is None and not (files.root / CONFIG).exists():
        problems.append(Problem(CONFIG, "is missing; the Chalice project needs it."))
    for relative in _policy_files(files.root, config):
        document = files.read(relative)
        if document is not None:
            problems.extend(check_policy(document, relative))
    for relative in _sorted_relative(files.root, "deploy", "*.json"):
        template = files.read(relative)
        for label, document in _policy_documents(template):
            problems.extend(check_policy(document, relative, label))
    if config is not None:
        problems.extend(_check_stage(files.root, config, stage))
    _check_seed(files)
    for relative in _sorted_relative(files.root, "db", "*.json"):
        if relative not in (SCHEMA, SEED):
            files.read(relative)
    for relative in _backend_sources(files.root):
        files.read(relative, read_json if relative.endswith(".json") else read_text)
    return problems


def _sorted_relative(root: Path, folder: str, pattern: str) -> list[str]:
    return [p.relative_to(root).as_posix() for p in sorted((root / folder).glob(pattern))]


def _backend_sources(root: Path) -> list[str]:
    """What Chalice puts into the deployment package from the project itself."""
    sources = ["backend/app.py", "backend/requirements.txt"]
    sources += [
        p.relative_to(root).as_posix()
        for p in sorted((root / "backend" / "chalicelib").rglob("*"))
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts
    ]
    return [s for s in sources if (root / s).exists()]


def _policy_files(root: Path, config: Any) -> list[str]:
    """``.chalice/policy*.json`` and every policy file the configuration names."""
    names = {p.name for p in (root / "backend" / ".chalice").glob("policy*.json")}
    for settings in _settings_blocks(config):
        for key in ("iam_policy_file", "api_gateway_policy_file"):
            if isinstance(settings.get(key), str):
                names.add(settings[key])
    return [f"backend/.chalice/{name}" for name in sorted(names)]


def _settings_blocks(config: Any) -> Iterator[dict[str, Any]]:
    """The top-level settings, each stage's and each function's (where Chalice merges from)."""
    if not isinstance(config, dict):
        return
    for scope in (config, *_dict_values(config.get("stages"))):
        yield scope
        yield from _dict_values(scope.get("lambda_functions"))


def _dict_values(value: Any) -> list[dict[str, Any]]:
    return [v for v in value.values() if isinstance(v, dict)] if isinstance(value, dict) else []


# --- IAM policies ----------------------------------------------------------------------------


def _policy_documents(template: Any, label: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, document) for every IAM policy document inside a CloudFormation template."""
    if isinstance(template, dict):
        if "Statement" in template:
            yield label or "policy", template
            return
        for key, value in template.items():
            yield from _policy_documents(value, f"{label}.{key}" if label else key)
    elif isinstance(template, list):
        for index, value in enumerate(template):
            yield from _policy_documents(value, f"{label}[{index}]")


def check_policy(document: Any, path: str, label: str = "") -> list[Problem]:
    """The project's own rules for one IAM policy document (cfn-lint checks the rest of its grammar)."""
    where = f"{label}: " if label else ""
    if not isinstance(document, dict):
        return []
    problems = []
    version = document.get("Version")
    if version is None:
        problems.append(
            Problem(
                path,
                f'{where}Version is missing; add "Version": "2012-10-17" (without it IAM falls back '
                "to the 2008 policy language).",
            )
        )
    elif version not in POLICY_VERSIONS:
        problems.append(
            Problem(
                path,
                f"{where}Version is {json.dumps(version)}, but it names the IAM policy language's version, "
                'not a date to keep current: use exactly "2012-10-17" (AWS answers anything else '
                "with MalformedPolicyDocument).",
            )
        )
    statements = document.get("Statement")
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        if not isinstance(statement, dict):
            continue
        name = f"{where}statement {index + 1}" + (f" ({statement['Sid']})" if statement.get("Sid") else "")
        actions = _as_list(statement.get("Action", statement.get("NotAction")))
        # cfn-lint skips the action check in templates with the SAM transform, as the packaged one is.
        problems += [
            Problem(
                path,
                f'{name}: action {json.dumps(a)} is malformed; write it as service:Action, e.g. "dynamodb:GetItem".',
            )
            for a in actions
            if a is not None and a != "*" and not (isinstance(a, str) and ACTION.fullmatch(a))
        ]
        grants_tables = any(isinstance(a, str) and a.startswith(("dynamodb:", "*")) for a in actions)
        if statement.get("Effect") == "Allow" and grants_tables and "*" in _as_list(statement.get("Resource")):
            problems.append(
                Problem(
                    path,
                    f'{name}: grants DynamoDB actions on "Resource": "*", every table in the account; '
                    'name the table\'s ARN instead, e.g. {"Fn::GetAtt": ["TodosTable", "Arn"]}.',
                )
            )
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- Chalice stages ----------------------------------------------------------------------------


def _check_stage(root: Path, config: Any, stage: str) -> list[Problem]:
    stages = config.get("stages") if isinstance(config, dict) else None
    if not isinstance(stages, dict) or not isinstance(stages.get(stage), dict):
        known = ", ".join(sorted(stages)) if isinstance(stages, dict) else "none"
        return [Problem(CONFIG, f'stage {stage!r} is not defined (stages: {known}); add it under "stages".')]
    if stage in LOCAL_STAGES:
        return []
    settings = stages[stage]
    problems = []
    scopes = [("top-level environment_variables (inherited by every stage)", config), (f"stage {stage!r}", settings)]
    scopes += [(f"stage {stage!r}, function {name!r}", block) for name, block in _named_blocks(settings)]
    for scope, block in scopes:
        variables = block.get("environment_variables")
        for variable, value in variables.items() if isinstance(variables, dict) else ():
            wrong, why = LOCAL_ONLY.get(variable, (None, ""))
            if wrong and isinstance(value, str) and wrong(value):
                problems.append(
                    Problem(
                        CONFIG,
                        f"{scope} sets {variable} to {value!r}, {why}. Remove {variable} there; "
                        "only the dev stage may set it.",
                    )
                )
    autogen = settings.get("autogen_policy", config.get("autogen_policy", True))
    policy = settings.get("iam_policy_file", config.get("iam_policy_file")) or f"policy-{stage}.json"
    if autogen is not False:
        problems.append(
            Problem(
                CONFIG,
                f'stage {stage!r} lets Chalice generate its IAM policy; set "autogen_policy": false and '
                f'"iam_policy_file": "policy-{stage}.json" so the role grants only what the code uses.',
            )
        )
    elif not (root / "backend" / ".chalice" / policy).exists():
        problems.append(
            Problem(
                CONFIG,
                f"stage {stage!r} uses backend/.chalice/{policy}, which does not exist; create it "
                "(see policy-prod.json).",
            )
        )
    return problems


def _named_blocks(settings: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    functions = settings.get("lambda_functions")
    return [(n, b) for n, b in functions.items() if isinstance(b, dict)] if isinstance(functions, dict) else []


# --- db/schema.json and db/initial-data.json ------------------------------------------------------


def _check_seed(files: _Files) -> None:
    """The seed is a valid batch-write-item file for the table the schema creates, with its key in every item."""
    schema = files.read(SCHEMA, load_schema)
    if schema is None:
        if not (files.root / SCHEMA).exists():
            files.problems.append(Problem(SCHEMA, "is missing; the table's key schema is read from it."))
        return
    table = schema["TableName"]
    for name, requests in (files.read(SEED, read_requests) or {}).items():
        if name != table:
            files.problems.append(
                Problem(SEED, f"writes to table {name!r}, but {SCHEMA} creates {table!r}; use the same name in both.")
            )
            continue
        try:
            check_keys(requests, table, schema["KeySchema"], schema["AttributeDefinitions"], path=files.root / SEED)
        except DataFileError as exc:
            files.problems.append(_relative(exc, SEED))


# Said after every successful check, since a deployed stage has no user until someone makes one.
FIRST_USER_AND_COST = (
    "accounts: the first user signs up from the UI (e-mail, password, then the code sent by mail), or is made with "
    "`aws cognito-idp admin-create-user` (README: Deploy to AWS > Accounts); the Cognito pool (Lite plan) is free "
    "up to 10,000 monthly active users per account, then USD 0.0055 each (README: Cost)."
)


@click.command()
@click.option("--stage", default="prod", show_default=True, help="The Chalice stage to check for deployment.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="The project's root folder, with backend/ and db/ (default: this checkout).",
)
def preflight(stage: str, project_dir: str | None) -> None:
    """Check the project before packaging or deploying, and say how to fix each problem.

    Example: hobopy preflight --stage prod
    """
    problems = check(project_dir or ROOT, stage)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        click.echo(f"preflight: {len(problems)} {noun}; fix them and run `hobopy preflight` again.", err=True)
        raise SystemExit(1)
    click.echo(f"preflight OK: stage {stage} is ready to package.")
    click.echo(FIRST_USER_AND_COST)
