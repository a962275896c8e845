"""Checks a project before it is packaged or deployed, and says how to fix each problem it finds.

``check`` returns every problem: a broken file never hides those of the next one. The rules are the project's own
(encodings, seed against schema, no local settings in a deployable stage, no DynamoDB on every table, the policy
``Version``, the shape of actions); the rest of IAM policy grammar is cfn-lint's, which ``make package`` runs.
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

from chalicelib.settings import (
    ANONYMOUS_OWNER,
    AUTH_LOCAL_ENDPOINT,
    CORS_ALLOW_LOOPBACK,
    DB_ENDPOINT,
    STACK_AUTH_ENDPOINT,
    STACK_DB_ENDPOINT,
)
from devtools.db.datafiles import check_keys, load_schema, read_json, read_requests
from devtools.files import DataFileError, read_text
from devtools.settings import ROOT

Problem = DataFileError  # a problem in a file and its fix

# The stage that runs on this machine; every other stage is deployed to AWS.
LOCAL_STAGES = frozenset({"dev"})
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
CONFIG, SCHEMA, SEED = "backend/.chalice/config.json", "db/schema.json", "db/initial-data.json"
# The files read besides the schema and the seed: JSON (any may hold IAM policy documents), and what Chalice zips.
JSON_FILES = ("backend/.chalice/**/*.json", "deploy/*.json", "db/*.json", "backend/chalicelib/**/*.json")
FILES = (*JSON_FILES, "backend/app.py", "backend/requirements.txt", "backend/chalicelib/**/*.py")
# What `chalice deploy` records about earlier deployments: its own output, not the project's.
CHALICE_RECORDS = ("backend/.chalice/deployments/", "backend/.chalice/deployed/")


def _loopback(value: str) -> bool:
    host = (urlsplit(value if "//" in value else "//" + value).hostname or "").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")
    return address.is_loopback or address.is_unspecified


_LOOPBACK = (_loopback, "a loopback address: on Lambda that is the function itself, not a database")
_ISSUER = (bool, "a local issuer: the API would trust tokens from it instead of the user pool")
# Variables a deployable stage must not set: (whether the value is a problem, why).
LOCAL_ONLY: dict[str, tuple[Callable[[str], bool], str]] = {
    DB_ENDPOINT: _LOOPBACK,
    STACK_DB_ENDPOINT: _LOOPBACK,
    AUTH_LOCAL_ENDPOINT: _ISSUER,
    STACK_AUTH_ENDPOINT: _ISSUER,
    ANONYMOUS_OWNER: (bool, "anonymous access: a request without a token would read and change that owner's todos"),
    CORS_ALLOW_LOOPBACK: (bool, "every page on a visitor's own machine could call the API with the visitor's token"),
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

    paths = [path.relative_to(root).as_posix() for pattern in FILES for path in sorted(root.glob(pattern))]
    paths = [relative for relative in paths if not relative.startswith(CHALICE_RECORDS)]
    documents = {r: read(r, read_json if r.endswith(".json") else read_text) for r in paths if r not in (SCHEMA, SEED)}
    for relative, document in documents.items():
        for label, policy in _policy_documents(document):
            problems += check_policy(policy, relative, label)
    if not (root / CONFIG).exists():
        problems.append(Problem(CONFIG, "is missing; the Chalice project needs it."))
    elif documents.get(CONFIG) is not None:
        problems += [Problem(CONFIG, message) for message in _check_stage(root, documents[CONFIG], stage)]
    schema = read(SCHEMA, load_schema)
    if schema is None and not (root / SCHEMA).exists():
        problems.append(Problem(SCHEMA, "is missing; the table's key schema is read from it."))
    seed = read(SEED, read_requests) if schema else None
    for name, requests in (seed or {}).items():
        table, keys = schema["TableName"], (schema["KeySchema"], schema["AttributeDefinitions"])
        if name == table:
            read(SEED, functools.partial(check_keys, requests, name, *keys))
        else:
            problems.append(
                Problem(SEED, f"writes to table {name!r}, but {SCHEMA} creates {table!r}; use the same name in both.")
            )
    return problems


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _waf_statement(value: Any) -> bool:
    """Whether ``value`` is an AWS WAF rule's statement: one key naming its kind (``RateBasedStatement``...)."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).endswith("Statement")


def _policy_documents(value: Any, label: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, document) for every IAM policy document in a policy file or a CloudFormation template."""
    if isinstance(value, dict) and "Statement" in value and not _waf_statement(value["Statement"]):
        yield label, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _policy_documents(inner, f"{label}.{key}" if label else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _policy_documents(inner, f"{label}[{index}]")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_policy(document: dict[str, Any], path: str, label: str = "") -> list[Problem]:
    """The project's own rules for one IAM policy document (cfn-lint checks the rest of its grammar)."""
    version, found = document.get("Version"), []
    if version is None:
        found.append(
            'Version is missing; add "Version": "2012-10-17" (without it IAM falls back to the 2008 policy language).'
        )
    elif version not in POLICY_VERSIONS:
        found.append(
            f"Version is {json.dumps(version)}, but it names the IAM policy language's version, not a date to keep "
            'current: use exactly "2012-10-17" (AWS answers anything else with MalformedPolicyDocument).'
        )
    for index, statement in enumerate(_as_list(document["Statement"]), 1):
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
    return [Problem(path, f"{label}: {message}" if label else message) for message in found]


def _check_stage(root: Path, config: Any, stage: str) -> list[str]:
    """What is wrong in ``config`` with deploying ``stage``."""
    stages = _dict(_dict(config).get("stages"))
    if not isinstance(stages.get(stage), dict):
        known = ", ".join(sorted(stages)) or "none"
        return [f'stage {stage!r} is not defined (stages: {known}); add it under "stages".']
    if stage in LOCAL_STAGES:
        return []
    settings, found = stages[stage], []
    scopes = [("top-level environment_variables (inherited by every stage)", config), (f"stage {stage!r}", settings)]
    functions = _dict(settings.get("lambda_functions")).items()
    scopes += [(f"stage {stage!r}, function {name!r}", block) for name, block in functions if isinstance(block, dict)]
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


@click.command()
@click.option("--stage", default="prod", show_default=True, help="The Chalice stage to check for deployment.")
@click.option(
    "--project-dir", type=click.Path(file_okay=False, exists=True), help="The project's root (default: this checkout)."
)
def preflight(stage: str, project_dir: str | None) -> None:
    """Check the project before packaging or deploying, and say how to fix each problem.

    Example: hobopy preflight --stage prod
    """
    problems = check(project_dir or ROOT, stage)
    if problems:
        click.echo("\n".join(map(str, problems)), err=True)
        noun = "problem" if len(problems) == 1 else "problems"
        click.echo(f"preflight: {len(problems)} {noun}; fix them and run `hobopy preflight` again.", err=True)
        raise SystemExit(1)
    click.echo(f"preflight OK: stage {stage} is ready to package.")
    # A deployed stage has no user until someone makes one.
    click.echo(
        "accounts: the first user signs up from the UI (e-mail, password, then the code sent by mail), or is made "
        "with `aws cognito-idp admin-create-user` (README: Deploy to AWS > Accounts); the Cognito pool (Lite plan) "
        "is free up to 10,000 monthly active users per account, then USD 0.0055 each (README: Cost)."
    )
