"""Checks a project before it is packaged or deployed, and says how to fix what it finds.

``check(project_dir, stage)`` reads files and returns every problem, so a
broken file never hides the problems of the next one. The rules are the
project's own: files in UTF-8 without BOM, the seed against the schema, no
local endpoint, issuer or anonymous owner in a deployable stage, DynamoDB never
granted on every table, the policy ``Version`` that looks like a date, and the
shape of actions. The rest of IAM policy grammar (Effect, Resource) is
cfn-lint's: ``make package`` runs it on the packaged template.
"""

import functools
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

Problem = DataFileError  # a problem in a file and its fix

# The stage that runs on this machine; every other stage is deployed to AWS.
LOCAL_STAGES = frozenset({"dev"})
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
CONFIG, SCHEMA, SEED = "backend/.chalice/config.json", "db/schema.json", "db/initial-data.json"


def _loopback(value: str) -> bool:
    host = (urlsplit(value if "//" in value else "//" + value).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


# Variables a deployable stage must not set: (whether the value is a problem, why).
LOCAL_ONLY: dict[str, tuple[Callable[[str], bool], str]] = {
    **dict.fromkeys(
        ("DB_ENDPOINT", "HOBOPY_DB_ENDPOINT"),
        (_loopback, "a loopback address: on Lambda that is the function itself, not a database"),
    ),
    **dict.fromkeys(
        ("AUTH_LOCAL_ENDPOINT", "HOBOPY_AUTH_ENDPOINT"),
        (bool, "a local issuer: the API would trust tokens from it instead of the user pool"),
    ),
    "ANONYMOUS_OWNER": (bool, "anonymous access: a request without a token would read and change that owner's todos"),
}


def check(project_dir: str | Path, stage: str = "prod") -> list[Problem]:
    """Every problem in the project at ``project_dir`` for deploying ``stage``."""
    root = Path(project_dir)
    problems: list[Problem] = []

    def read(relative: str, reader: Callable[[Path], Any] = read_json) -> Any:
        """What ``reader`` makes of the file, or None when it is missing or broken (then a problem)."""
        try:
            return reader(root / relative) if (root / relative).exists() else None
        except DataFileError as exc:
            exc.path = relative  # named as in the project, wherever it was copied
            problems.append(exc)
            return None

    config = read(CONFIG)
    if not (root / CONFIG).exists():
        problems.append(Problem(CONFIG, "is missing; the Chalice project needs it."))
    for relative in _policy_files(root, config):
        problems += check_policy(read(relative), relative)
    for relative in _glob(root, "deploy/*.json"):
        for label, document in _policy_documents(read(relative)):
            problems += check_policy(document, relative, label)
    if config is not None:
        problems += [Problem(CONFIG, message) for message in _check_stage(root, config, stage)]
    schema = read(SCHEMA, load_schema)
    if schema is None and not (root / SCHEMA).exists():
        problems.append(Problem(SCHEMA, "is missing; the table's key schema is read from it."))
    seed = read(SEED, read_requests) if schema else None
    for name, requests in (seed or {}).items():
        if name == schema["TableName"]:
            read(
                SEED, functools.partial(check_keys, requests, name, schema["KeySchema"], schema["AttributeDefinitions"])
            )
        else:
            message = (
                f"writes to table {name!r}, but {SCHEMA} creates {schema['TableName']!r}; use the same name in both."
            )
            problems.append(Problem(SEED, message))
    for relative in _glob(root, "db/*.json"):
        if relative not in (SCHEMA, SEED):
            read(relative)
    # What Chalice puts into the deployment package from the project itself.
    package = [
        p for p in _glob(root, "backend/chalicelib/**/*") if p.endswith((".py", ".json")) and "/__pycache__/" not in p
    ]
    for relative in ["backend/app.py", "backend/requirements.txt", *package]:
        read(relative, read_json if relative.endswith(".json") else read_text)
    return problems


def _glob(root: Path, pattern: str) -> list[str]:
    return [path.relative_to(root).as_posix() for path in sorted(root.glob(pattern))]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> dict[str, dict[str, Any]]:
    return {key: block for key, block in _dict(value).items() if isinstance(block, dict)}


def _policy_files(root: Path, config: Any) -> list[str]:
    """``.chalice/policy*.json`` and every policy file the configuration names, in any scope Chalice merges."""
    names = {path.name for path in (root / "backend" / ".chalice").glob("policy*.json")}
    scopes = [_dict(config), *_dicts(_dict(config).get("stages")).values()]
    for scope in scopes + [function for stage in scopes for function in _dicts(stage.get("lambda_functions")).values()]:
        names.update(scope[k] for k in ("iam_policy_file", "api_gateway_policy_file") if isinstance(scope.get(k), str))
    return [f"backend/.chalice/{name}" for name in sorted(names)]


def _policy_documents(template: Any, label: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, document) for every IAM policy document inside a CloudFormation template."""
    if isinstance(template, dict) and "Statement" in template:
        yield label or "policy", template
    elif isinstance(template, dict):
        for key, value in template.items():
            yield from _policy_documents(value, f"{label}.{key}" if label else key)
    elif isinstance(template, list):
        for index, value in enumerate(template):
            yield from _policy_documents(value, f"{label}[{index}]")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_policy(document: Any, path: str, label: str = "") -> list[Problem]:
    """The project's own rules for one IAM policy document (cfn-lint checks the rest of its grammar)."""
    if not isinstance(document, dict):
        return []
    where, version, found = f"{label}: " if label else "", document.get("Version"), []
    if version is None:
        found.append(
            'Version is missing; add "Version": "2012-10-17" (without it IAM falls back to the 2008 policy language).'
        )
    elif version not in POLICY_VERSIONS:
        found.append(
            f"Version is {json.dumps(version)}, but it names the IAM policy language's version, not a date to keep "
            'current: use exactly "2012-10-17" (AWS answers anything else with MalformedPolicyDocument).'
        )
    for index, statement in enumerate(_as_list(document.get("Statement")), 1):
        if not isinstance(statement, dict):
            continue
        name = f"statement {index}" + (f" ({statement['Sid']})" if statement.get("Sid") else "")
        actions = _as_list(statement.get("Action", statement.get("NotAction")))
        # cfn-lint skips the action check in templates with the SAM transform, as the packaged one is.
        found += [
            f'{name}: action {json.dumps(a)} is malformed; write it as service:Action, e.g. "dynamodb:GetItem".'
            for a in actions
            if a is not None and a != "*" and not (isinstance(a, str) and ACTION.fullmatch(a))
        ]
        grants_tables = any(isinstance(a, str) and a.startswith(("dynamodb:", "*")) for a in actions)
        if statement.get("Effect") == "Allow" and grants_tables and "*" in _as_list(statement.get("Resource")):
            found.append(
                f'{name}: grants DynamoDB actions on "Resource": "*", every table in the account; '
                'name the table\'s ARN instead, e.g. {"Fn::GetAtt": ["TodosTable", "Arn"]}.'
            )
    return [Problem(path, where + message) for message in found]


def _check_stage(root: Path, config: Any, stage: str) -> list[str]:
    """What is wrong in ``config`` with deploying ``stage``."""
    stages = _dict(_dict(config).get("stages"))
    if not isinstance(stages.get(stage), dict):
        return [
            f'stage {stage!r} is not defined (stages: {", ".join(sorted(stages)) or "none"}); add it under "stages".'
        ]
    if stage in LOCAL_STAGES:
        return []
    settings, found = stages[stage], []
    scopes = [("top-level environment_variables (inherited by every stage)", config), (f"stage {stage!r}", settings)]
    scopes += [(f"stage {stage!r}, function {n!r}", b) for n, b in _dicts(settings.get("lambda_functions")).items()]
    for scope, block in scopes:
        for variable, value in _dict(block.get("environment_variables")).items():
            wrong, why = LOCAL_ONLY.get(variable, (None, ""))
            if wrong and isinstance(value, str) and wrong(value):
                found.append(
                    f"{scope} sets {variable} to {value!r}, {why}. Remove {variable} there; "
                    "only the dev stage may set it."
                )
    policy = settings.get("iam_policy_file", config.get("iam_policy_file")) or f"policy-{stage}.json"
    if settings.get("autogen_policy", config.get("autogen_policy", True)) is not False:
        found.append(
            f'stage {stage!r} lets Chalice generate its IAM policy; set "autogen_policy": false and '
            f'"iam_policy_file": "policy-{stage}.json" so the role grants only what the code uses.'
        )
    elif not (root / "backend" / ".chalice" / policy).exists():
        found.append(
            f"stage {stage!r} uses backend/.chalice/{policy}, which does not exist; create it (see policy-prod.json)."
        )
    return found


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
