"""Build the CloudFormation (SAM) template and the Lambda zip of one stage, offline.

``chalice package`` merges ``deploy/resources.json`` (what Chalice does not make) into its template key by key, lists
replaced whole: that is how the app's authorizer is pointed at the stack's user pool. The table's keys come from
``db/schema.json``; what the merge cannot say without repeating every route is added by ``finish_template``.
"""

import copy
import importlib.util
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from chalicelib.settings import split_origins
from devtools import settings
from devtools.db.datafiles import load_schema, read_json
from devtools.deploy import preflight
from devtools.files import DataFileError, display_path
from devtools.ui import build as ui

RESOURCES = "deploy/resources.json"
DASHBOARD = "deploy/dashboard.json"
# AWS's Powertools layers are named by Python version and architecture, as the function's must be.
POWERTOOLS_LAYER = re.compile(r":layer:AWSLambdaPowertoolsPythonV3-python(\d+)-(arm64|x86_64):\d+$")
INDEX_KINDS = ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
USER_POOL_ARN = {"Fn::GetAtt": ["UserPool", "Arn"]}
ANY_METHOD = "x-amazon-apigateway-any-method"
# What the ANY method takes from a routed one: all but its authorizer.
ANY_METHOD_KEYS = ("parameters", "responses", "x-amazon-apigateway-integration")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})
# The page's own origin in the UI's policy, which the API shares: written 'self' in the distribution's headers.
PAGE_ORIGIN = "https://app.invalid"
# What Chalice packages comes from the backend folder, less caches and old builds.
STAGING_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "deployed", "venv")


class PackageError(Exception):
    """The project cannot be packaged; the message says why."""


# Alarms that exist only under a condition of the template, and so are on the dashboard only then: the 429 alarm
# counts the access log's lines; CloudFront's metrics, and so an alarm on them, exist only in us-east-1.
OPTIONAL_ALARMS = (("GatewayThrottlesAlarm", "WithAccessLog"), ("CloudFrontErrorRateAlarm", "InUsEast1"))


def dashboard_body(widgets: dict[str, Any], optional: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The dashboard's body for CloudFormation: one ``Fn::Sub`` of ``widgets`` for each combination of the
    ``optional`` (alarm, condition) pairs, chosen with ``Fn::If``; an alarm whose condition is false is left out."""
    if not optional:
        return {"Fn::Sub": json.dumps(widgets, separators=(",", ":"))}
    (alarm, condition), rest = optional[0], optional[1:]
    reference = "${" + alarm + ".Arn}"
    without = {
        **widgets,
        "widgets": [
            {**w, "properties": {**w["properties"], "alarms": [a for a in w["properties"]["alarms"] if a != reference]}}
            if w["type"] == "alarm"
            else w
            for w in widgets["widgets"]
        ],
    }
    return {"Fn::If": [condition, dashboard_body(widgets, rest), dashboard_body(without, rest)]}


def merge_template(project_dir: Path | str = settings.ROOT) -> dict[str, Any]:
    """``deploy/resources.json`` with the table's keys and indexes taken from ``db/schema.json``, and the dashboard's
    widgets from ``deploy/dashboard.json`` (CloudWatch takes them as one JSON string, with the stack's names put in)."""
    template: dict[str, Any] = read_json(Path(project_dir) / RESOURCES)
    widgets = read_json(Path(project_dir) / DASHBOARD)
    template["Resources"]["Dashboard"]["Properties"]["DashboardBody"] = dashboard_body(widgets, OPTIONAL_ALARMS)
    schema = load_schema(Path(project_dir) / "db" / "schema.json")
    table = template["Resources"]["TodosTable"]["Properties"]
    # On-demand tables take no provisioned throughput, neither do their indexes.
    indexes = {
        kind: [{k: v for k, v in index.items() if k != "ProvisionedThroughput"} for index in schema[kind]]
        for kind in INDEX_KINDS
        if schema.get(kind)
    }
    keys = [schema["KeySchema"], *(index["KeySchema"] for kind in indexes.values() for index in kind)]
    used = {element["AttributeName"] for key in keys for element in key}
    # CloudFormation refuses attribute definitions that no key or index uses.
    definitions = [d for d in schema["AttributeDefinitions"] if d["AttributeName"] in used]
    table.update(KeySchema=schema["KeySchema"], AttributeDefinitions=definitions, **indexes)
    return template


def package(
    stage: str = "prod",
    out_dir: Path | str | None = None,
    project_dir: Path | str = settings.ROOT,
    echo: Callable[[str], Any] = click.echo,
) -> tuple[Path, Path]:
    """Write sam.json, deployment.zip and site/ (the UI) of ``stage`` to ``out_dir``; PackageError if preflight or
    Chalice fails.

    ``site/`` is the same for every stage: ``make deploy`` writes the stage's configuration into it from the stack.
    """
    project_dir = Path(project_dir).resolve()
    out_dir = Path(out_dir or project_dir / "dist" / stage).resolve()
    if stage in preflight.LOCAL_STAGES:
        raise PackageError(
            f"stage {stage!r} runs on this machine (its database is the local engine); "
            "package a deployable stage such as prod."
        )
    problems = preflight.check(project_dir, stage)
    if problems:
        raise PackageError("\n".join(map(str, problems)) + f"\npreflight found {len(problems)} problem(s).")
    echo(f"preflight OK: stage {stage}")
    template, archive, site = out_dir / "sam.json", out_dir / "deployment.zip", out_dir / "site"
    with tempfile.TemporaryDirectory(prefix="hobopy-package-") as scratch:
        staging, merge, built = Path(scratch, "backend"), Path(scratch, "merge-template.json"), Path(scratch, "out")
        shutil.copytree(project_dir / "backend", staging, ignore=STAGING_IGNORE)
        merge.write_text(json.dumps(merge_template(project_dir), indent=2), encoding="utf-8")
        echo(f"chalice package --stage {stage}, merging {RESOURCES} and the key schema of db/schema.json")
        # Packaging needs no AWS account: no credentials, no profile, and a placeholder region that never reaches
        # the template (it names the region as ${AWS::Region}).
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_DEFAULT_REGION=settings.region(), AWS_EC2_METADATA_DISABLED="true")
        env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        chalice = str(Path(sys.executable).with_name("chalice"))
        command = [chalice, "package", "--stage", stage, "--merge-template", str(merge), str(built)]
        result = subprocess.run(command, cwd=staging, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise PackageError(f"chalice package failed:\n{result.stdout}{result.stderr}")
        finished = finish_template(read_json(built / "sam.json"))
        out_dir.mkdir(parents=True, exist_ok=True)
        template.write_text(json.dumps(finished, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        shutil.copyfile(built / "deployment.zip", archive)
        echo("building the UI (Transcrypt)")
        fresh = ui.build_files(Path(scratch, "site"))
        (fresh / "js" / ".fingerprint").unlink()  # the compiler's bookkeeping, not the site's
        shutil.rmtree(site, ignore_errors=True)  # a file the UI no longer has must not be deployed
        shutil.copytree(fresh, site)
    add_bytecode(archive)
    size = archive.stat().st_size / 1024
    echo(f"wrote {display_path(template)}, {display_path(archive)} ({size:.0f} KiB) and {display_path(site)}")
    return template, archive


def site_policy() -> dict[str, str]:
    """The UI's content security policy as the distribution sends it: the API on the page's own origin ('self'),
    Cognito in the stack's region."""
    api_url = PAGE_ORIGIN + "/api/"
    policy = ui.content_security_policy(api_url, auth={"region": "${AWS::Region}"})
    return {"Fn::Sub": policy.replace(ui.origin_of(api_url), "'self'")}


def add_bytecode(archive: Path) -> None:
    """Add hash-checked bytecode for every module of the Lambda zip.

    ``/var/task`` is read-only: without it every cold start compiles the app, chalicelib and Chalice from source.
    An edited source is compiled afresh (its hash differs), and another Python ignores the files (they carry its tag).
    """
    with zipfile.ZipFile(archive, "a") as zipped:
        for info in [info for info in zipped.infolist() if info.filename.endswith(".py")]:
            source = zipped.read(info)
            # A PEP 552 header: the flags 0b11 say hash-based and checked.
            header = importlib.util.MAGIC_NUMBER + (0b11).to_bytes(4, "little") + importlib.util.source_hash(source)
            code = marshal.dumps(compile(source, info.filename, "exec", dont_inherit=True))
            entry = zipfile.ZipInfo(importlib.util.cache_from_source(info.filename), date_time=info.date_time)
            entry.external_attr = info.external_attr
            zipped.writestr(entry, header + code, compress_type=zipfile.ZIP_DEFLATED)


def finish_template(template: dict[str, Any]) -> dict[str, Any]:
    """Chalice's merged template, checked and completed (as a copy); raises PackageError when it cannot work.

    - Every Cognito authorizer must point at the stack's ``UserPool`` (the merge replaced the app's placeholder),
      and the merge must not have invented one the app does not declare.
    - Every resource gets an ``ANY`` method routed to the function, without authorizer: API Gateway then sends
      methods the app does not route to the app, whose answer is 405 with ``Allow`` (which says nothing about data).
    - When the stage allows exactly one browser origin, API Gateway's own answers (401, 429, 503...) carry it too,
      so the UI can read them.
    - The distribution's headers carry the UI's content security policy (``site_policy``).
    """
    template = copy.deepcopy(template)
    if "SiteHeaders" in template["Resources"]:
        config = template["Resources"]["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
        config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"] = site_policy()
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    for name, definition in body.get("securityDefinitions", {}).items():
        if "x-amazon-apigateway-authtype" not in definition:
            raise PackageError(
                f"{RESOURCES} points the authorizer {name!r} at the user pool, "
                "but backend/app.py declares no authorizer of that name."
            )
        authorizer = definition["x-amazon-apigateway-authorizer"]
        if authorizer.get("type") == "cognito_user_pools" and authorizer.get("providerARNs") != [USER_POOL_ARN]:
            raise PackageError(
                f"the app's authorizer {name!r} is not pointed at the stack's user pool: "
                f"add securityDefinitions.{name} to RestAPI's DefinitionBody in {RESOURCES}."
            )
    for path, methods in body["paths"].items():
        routed = [methods[m] for m in sorted(methods) if m in HTTP_METHODS]
        if routed and ANY_METHOD not in methods:
            kept = {k: v for k, v in copy.deepcopy(routed[0]).items() if k in ANY_METHOD_KEYS}
            methods[ANY_METHOD] = kept | {"summary": f"any other method on {path}: the app answers 405 with Allow."}
    check_layers(template["Resources"]["APIHandler"]["Properties"])
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    origins = split_origins(variables.get("CORS_ALLOW_ORIGINS"))
    if len(origins) == 1:
        for response in body.get("x-amazon-apigateway-gateway-responses", {}).values():
            parameters = response.setdefault("responseParameters", {})
            parameters["gatewayresponse.header.Access-Control-Allow-Origin"] = f"'{next(iter(origins))}'"
    return template


def check_layers(function: dict[str, Any]) -> None:
    """PackageError unless every Powertools layer of ``function`` is built for its runtime and architecture."""
    runtime = function.get("Runtime", "")
    architecture = function.get("Architectures", ["x86_64"])[0]
    for layer in function.get("Layers", []):
        arn = layer["Fn::Sub"] if isinstance(layer, dict) else layer
        match = POWERTOOLS_LAYER.search(arn)
        # python3.11 is python311 in a layer's name.
        if match and (f"python{match[1]}", match[2]) != (runtime.replace(".", ""), architecture):
            raise PackageError(
                f"the Powertools layer in {RESOURCES} is for python{match[1]} on {match[2]}, but the function runs "
                f"{runtime} on {architecture}: name the layer of the same Python and architecture."
            )


@click.command("package")
@click.option("--stage", default="prod", show_default=True, help="The Chalice stage to package.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="The output folder (default: dist/STAGE).")
def package_command(stage: str, out_dir: str | None) -> None:
    """Check the project, then write the stage's SAM template and Lambda zip, offline.

    Example: hobopy package --stage prod   (writes dist/prod/sam.json and dist/prod/deployment.zip)
    """
    try:
        package(stage, out_dir)
    except (PackageError, DataFileError) as exc:
        raise click.ClickException(str(exc)) from None
