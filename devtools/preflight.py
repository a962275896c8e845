"""Checks a project before it is packaged or deployed, and says how to fix what it finds.

``check(project_dir, stage)`` is a pure function over a directory: it reads
files and returns every problem, one ``Problem`` each, so a broken file never
hides the problems of the next one.
"""
import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click

# Stages that run on this machine; every other stage is deployed to AWS.
LOCAL_STAGES = frozenset({"dev", "local"})
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
KEY_TYPES = ("HASH", "RANGE")
SCALAR_TYPES = ("S", "N", "B")
ENDPOINT_VARIABLES = ("DB_ENDPOINT", "HOBOPY_DB_ENDPOINT")

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "backend/.chalice/config.json"
SCHEMA = "db/schema.json"
SEED = "db/initial-data.json"


@dataclass(frozen=True)
class Problem:
    """One thing that would break packaging or deployment, and its fix."""

    path: str
    message: str
    line: int = 0
    column: int = 0

    def __str__(self):
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        return f"{where}: {self.message}"


class _Files:
    """Reads project files once, recording unreadable, non-UTF-8 and malformed ones as problems."""

    def __init__(self, root, problems):
        self.root = Path(root)
        self.problems = problems

    def text(self, relative):
        """The file's text, or None when it is missing or not UTF-8 (which is then a problem)."""
        try:
            data = (self.root / relative).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.problems.append(Problem(relative, f"cannot be read ({exc.strerror}); check its permissions."))
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(
                relative,
                f"is not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}; "
                "save the file with the UTF-8 encoding.",
            ))
            return None
        if text.startswith("\ufeff"):
            self.problems.append(Problem(
                relative,
                "starts with a byte order mark, which chalice and the aws CLI refuse in JSON; "
                "save it as UTF-8 without BOM.",
            ))
            return None
        return text

    def json(self, relative):
        """The parsed JSON file, or None when it is missing or broken (which is then a problem)."""
        text = self.text(relative)
        if text is None:
            return None
        duplicates = []
        try:
            value = json.loads(text, object_pairs_hook=_object_noting_duplicates(duplicates))
        except json.JSONDecodeError as exc:
            self.problems.append(Problem(
                relative, f"invalid JSON: {exc.msg}. {_json_hint(exc)}", exc.lineno, exc.colno
            ))
            return None
        for key in duplicates:
            self.problems.append(Problem(
                relative, f"key {key!r} appears twice in one object, and JSON keeps only the last; remove one."
            ))
        return value


def _object_noting_duplicates(duplicates):
    def build(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    return build


def _json_hint(exc):
    if exc.msg.startswith("Expecting property name"):
        return "JSON allows no trailing comma, comment or single-quoted name."
    if exc.msg.startswith("Expecting ',' delimiter"):
        return "A comma is missing between two items (or a quote is not closed)."
    if exc.msg.startswith("Expecting value"):
        return "A value is missing, or there is a trailing comma before ] or }."
    return "Fix the syntax at that position."


def check(project_dir, stage="prod"):
    """Every problem in the project at ``project_dir`` for deploying ``stage`` (a list of ``Problem``)."""
    problems = []
    files = _Files(project_dir, problems)
    config = files.json(CONFIG)
    if config is None and not (files.root / CONFIG).exists():
        problems.append(Problem(CONFIG, "is missing; the Chalice project needs it."))
    for relative in _policy_files(files.root, config):
        document = files.json(relative)
        if document is not None:
            problems.extend(check_policy(document, relative))
    for relative in _sorted_relative(files.root, "deploy", "*.json"):
        template = files.json(relative)
        if template is not None:
            for label, document in _policy_documents(template):
                problems.extend(check_policy(document, relative, label))
    if config is not None:
        problems.extend(_check_stage(files.root, config, stage))
    problems.extend(_check_seed(files))
    for relative in _sorted_relative(files.root, "db", "*.json"):
        if relative not in (SCHEMA, SEED):
            files.json(relative)
    for relative in _backend_sources(files.root):
        if relative.endswith(".json"):
            files.json(relative)
        else:
            files.text(relative)
    return problems


def _sorted_relative(root, folder, pattern):
    return [p.relative_to(root).as_posix() for p in sorted((root / folder).glob(pattern))]


def _backend_sources(root):
    """What Chalice puts into the deployment package from the project itself."""
    sources = ["backend/app.py", "backend/requirements.txt"]
    sources += [
        p.relative_to(root).as_posix()
        for p in sorted((root / "backend" / "chalicelib").rglob("*"))
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts
    ]
    return [s for s in sources if (root / s).exists()]


def _policy_files(root, config):
    """``.chalice/policy*.json`` and every policy file the configuration names."""
    names = {p.name for p in (root / "backend" / ".chalice").glob("policy*.json")}
    for settings in _settings_blocks(config):
        for key in ("iam_policy_file", "api_gateway_policy_file"):
            if isinstance(settings.get(key), str):
                names.add(settings[key])
    return [f"backend/.chalice/{name}" for name in sorted(names)]


def _settings_blocks(config):
    """The top-level settings, each stage's and each function's (where Chalice merges from)."""
    if not isinstance(config, dict):
        return
    for scope in (config, *_dict_values(config.get("stages"))):
        yield scope
        yield from _dict_values(scope.get("lambda_functions"))


def _dict_values(value):
    return [v for v in value.values() if isinstance(v, dict)] if isinstance(value, dict) else []


# --- IAM policies ----------------------------------------------------------------------------


def _policy_documents(template, label=""):
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


def check_policy(document, path, label=""):
    """Problems in one IAM policy document (a dict parsed from JSON)."""
    where = f"{label}: " if label else ""
    if not isinstance(document, dict):
        return [Problem(path, f"{where}a policy must be a JSON object with Version and Statement.")]
    problems = []
    version = document.get("Version")
    if version is None:
        problems.append(Problem(
            path,
            f'{where}Version is missing; add "Version": "2012-10-17" (without it IAM falls back '
            "to the 2008 policy language).",
        ))
    elif version not in POLICY_VERSIONS:
        problems.append(Problem(
            path,
            f'{where}Version is {json.dumps(version)}, but it names the IAM policy language\'s version, '
            'not a date to keep current: use exactly "2012-10-17" (AWS answers anything else '
            "with MalformedPolicyDocument).",
        ))
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        problems.append(Problem(path, f"{where}Statement is missing or empty; give a list of statements."))
        return problems
    for index, statement in enumerate(statements):
        name = f"{where}statement {index + 1}"
        if isinstance(statement, dict) and isinstance(statement.get("Sid"), str) and statement["Sid"]:
            name += f" ({statement['Sid']})"
        if not isinstance(statement, dict):
            problems.append(Problem(path, f"{name} is not a JSON object."))
            continue
        problems.extend(Problem(path, f"{name}: {message}") for message in _statement_problems(statement))
    return problems


def _statement_problems(statement):
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        shown = "missing" if effect is None else json.dumps(effect)
        yield f'Effect is {shown}; it must be exactly "Allow" or "Deny" (capitalised).'
    key = "Action" if "Action" in statement else "NotAction" if "NotAction" in statement else None
    if key is None:
        yield 'Action is missing; list the actions it allows, e.g. ["dynamodb:GetItem"].'
    else:
        actions = _as_list(statement[key])
        if not actions:
            yield f"{key} is empty; list at least one action."
        for action in actions:
            if not isinstance(action, str) or (action != "*" and not ACTION.fullmatch(action)):
                yield (f"action {json.dumps(action)} is malformed; write actions as service:Action, "
                       'e.g. "dynamodb:GetItem".')
    # Trust and resource-based policies name a Principal and may have no Resource.
    if not {"Resource", "NotResource", "Principal", "NotPrincipal"} & statement.keys():
        yield ('Resource is missing; name what the actions apply to, e.g. the table\'s ARN '
               '{"Fn::GetAtt": ["TodosTable", "Arn"]}.')
    elif "Resource" in statement:
        resources = _as_list(statement["Resource"])
        if not resources:
            yield "Resource is empty; name what the actions apply to."
        for resource in resources:
            if not isinstance(resource, str) and not _is_intrinsic(resource):
                yield f"resource {json.dumps(resource)} is neither an ARN nor a CloudFormation function."
        grants_tables = key == "Action" and any(
            isinstance(a, str) and a.startswith("dynamodb:") for a in _as_list(statement[key])
        )
        if effect == "Allow" and grants_tables and "*" in resources:
            yield ('grants DynamoDB actions on "Resource": "*", every table in the account; name the '
                   'table\'s ARN instead, e.g. {"Fn::GetAtt": ["TodosTable", "Arn"]}.')


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _is_intrinsic(value):
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in (
        "Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::ImportValue", "Fn::If", "Fn::Select"
    )


# --- Chalice stages ----------------------------------------------------------------------------


def _check_stage(root, config, stage):
    stages = config.get("stages") if isinstance(config, dict) else None
    if not isinstance(stages, dict) or stage not in stages or not isinstance(stages[stage], dict):
        known = ", ".join(sorted(stages)) if isinstance(stages, dict) else "none"
        return [Problem(CONFIG, f"stage {stage!r} is not defined (stages: {known}); add it under \"stages\".")]
    if stage in LOCAL_STAGES:
        return []
    settings = stages[stage]
    problems = []
    scopes = [("top-level environment_variables, inherited by every stage", config),
              (f"stage {stage!r}", settings)]
    functions = settings.get("lambda_functions")
    scopes += [(f"stage {stage!r}, function {name!r}", block)
               for name, block in (functions.items() if isinstance(functions, dict) else ()) if isinstance(block, dict)]
    for scope, block in scopes:
        variables = block.get("environment_variables") or {}
        for variable in ENDPOINT_VARIABLES:
            value = variables.get(variable) if isinstance(variables, dict) else None
            if isinstance(value, str) and _is_loopback(value):
                problems.append(Problem(
                    CONFIG,
                    f"{scope} sets {variable} to {value!r}, a loopback address: on Lambda that is the function "
                    f"itself, not a database. Remove {variable} from stage {stage!r} so the AWS endpoint is "
                    "used (keep local endpoints in the dev stage).",
                ))
    autogen = settings.get("autogen_policy", config.get("autogen_policy", True))
    if autogen is not False:
        problems.append(Problem(
            CONFIG,
            f'stage {stage!r} lets Chalice generate its IAM policy; set "autogen_policy": false and '
            f'"iam_policy_file": "policy-{stage}.json" so the role grants only what the code uses.',
        ))
    else:
        policy = settings.get("iam_policy_file", config.get("iam_policy_file")) or f"policy-{stage}.json"
        if not (root / "backend" / ".chalice" / policy).exists():
            problems.append(Problem(
                CONFIG,
                f"stage {stage!r} uses backend/.chalice/{policy}, which does not exist; create it "
                "(see policy-prod.json).",
            ))
    return problems


def _is_loopback(url):
    host = urlsplit(url if "//" in url else "//" + url).hostname
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


# --- db/schema.json and db/initial-data.json ------------------------------------------------------


def _check_seed(files):
    schema = files.json(SCHEMA)
    seed = files.json(SEED)
    if schema is None:
        if not (files.root / SCHEMA).exists():
            return [Problem(SCHEMA, "is missing; the table's key schema is read from it.")]
        return []
    problems, keys = _schema_keys(schema)
    if problems or seed is None:
        return problems
    if not isinstance(seed, dict) or not seed:
        return [Problem(SEED, "must be an object mapping the table name to a list of PutRequests.")]
    table = schema["TableName"]
    for name, requests in seed.items():
        if name != table:
            problems.append(Problem(
                SEED, f"writes to table {name!r}, but {SCHEMA} creates {table!r}; use the same name in both."
            ))
            continue
        if not isinstance(requests, list):
            problems.append(Problem(SEED, f"{name!r} must be a list of requests."))
            continue
        for index, request in enumerate(requests):
            problems.extend(
                Problem(SEED, f"{name}[{index}]: {message}") for message in _request_problems(request, keys)
            )
    return problems


def _schema_keys(schema):
    """Problems in the schema, and its key attributes as {name: type}."""
    if not isinstance(schema, dict) or not isinstance(schema.get("TableName"), str) or not schema["TableName"]:
        return [Problem(SCHEMA, "needs a TableName (it is a create-table --cli-input-json file).")], {}
    types = {
        d.get("AttributeName"): d.get("AttributeType")
        for d in schema.get("AttributeDefinitions") or [] if isinstance(d, dict)
    }
    key_schema = schema.get("KeySchema")
    if not isinstance(key_schema, list) or not key_schema:
        return [Problem(SCHEMA, "KeySchema is missing; give the HASH key (and an optional RANGE key).")], {}
    problems, keys = [], {}
    for element in key_schema:
        name = element.get("AttributeName") if isinstance(element, dict) else None
        if not isinstance(name, str) or element.get("KeyType") not in KEY_TYPES:
            problems.append(Problem(SCHEMA, 'each KeySchema entry needs AttributeName and KeyType "HASH" or "RANGE".'))
        elif types.get(name) not in SCALAR_TYPES:
            problems.append(Problem(
                SCHEMA, f"key attribute {name!r} needs an AttributeDefinitions entry with AttributeType S, N or B."
            ))
        else:
            keys[name] = types[name]
    return problems, keys


def _request_problems(request, keys):
    if isinstance(request, dict) and isinstance(request.get("PutRequest"), dict):
        item, label = request["PutRequest"].get("Item"), "PutRequest.Item"
    elif isinstance(request, dict) and isinstance(request.get("DeleteRequest"), dict):
        item, label = request["DeleteRequest"].get("Key"), "DeleteRequest.Key"
    else:
        yield 'is neither {"PutRequest": {"Item": ...}} nor {"DeleteRequest": {"Key": ...}}.'
        return
    if not isinstance(item, dict):
        yield f"{label} must be an object of attributes."
        return
    for name, wanted in keys.items():
        if name not in item:
            yield f"{label} has no {name!r}, a key attribute of the table; every item needs it."
            continue
        value = item[name]
        kind = next(iter(value)) if isinstance(value, dict) and len(value) == 1 else None
        if kind is None:
            yield (f"{label}[{name!r}] is {json.dumps(value, ensure_ascii=False)}, not DynamoDB JSON; "
                   f'write it as {{"{wanted}": ...}}.')
        elif kind != wanted:
            yield (f"{label}[{name!r}] is of type {kind}, but {SCHEMA} declares the key as {wanted}; "
                   f'write it as {{"{wanted}": ...}}.')
        elif not _valid_key_value(wanted, value[kind]):
            yield f"{label}[{name!r}] has the value {json.dumps(value[kind])}, which is not a valid {wanted} key."


def _valid_key_value(kind, value):
    if not isinstance(value, str) or not value:
        return False
    if kind == "N":
        try:
            float(value)
        except ValueError:
            return False
    return True


@click.command()
@click.option("--stage", default="prod", show_default=True, help="The Chalice stage to check for deployment.")
@click.option("--project-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="The project's root folder, with backend/ and db/ (default: this checkout).")
def preflight(stage, project_dir):
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
