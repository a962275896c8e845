"""Build the CloudFormation (SAM) template and the Lambda zip of one stage, offline.

The merge template ``deploy/resources.json`` declares the table, the user pool
and the settings Chalice does not make; the table's key schema is filled in
here from ``db/schema.json`` so it is written in one place only. Chalice merges
it into its own template key by key (lists are replaced whole), which is how
the app's authorizer is pointed at the stack's user pool. What the merge cannot
say without repeating every route is added afterwards: an ``ANY`` method on
every resource, so that API Gateway hands unknown methods to the app (405 with
``Allow``) instead of answering them itself.
"""

import compileall
import copy
import importlib.util
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from devtools import preflight, settings
from devtools.datafiles import DataFileError, load_schema, read_json

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path("deploy") / "resources.json"
TABLE_RESOURCE = "TodosTable"
TEMPLATE_NAME = "sam.json"
ZIP_NAME = "deployment.zip"
USER_POOL_ARN = {"Fn::GetAtt": ["UserPool", "Arn"]}
ANY_METHOD = "x-amazon-apigateway-any-method"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})
# What Chalice packages comes from the backend folder, less caches and old builds.
STAGING_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "deployed", "venv")


class PackageError(Exception):
    """The project cannot be packaged; the message says why."""


def merge_template(project_dir: Path | str = ROOT) -> dict[str, Any]:
    """``deploy/resources.json`` with the table's key schema taken from ``db/schema.json``."""
    project_dir = Path(project_dir)
    template: dict[str, Any] = copy.deepcopy(read_json(project_dir / RESOURCES))
    schema = load_schema(project_dir / "db" / "schema.json")
    table = template["Resources"][TABLE_RESOURCE]["Properties"]
    key_names = {element["AttributeName"] for element in schema["KeySchema"]}
    table["KeySchema"] = schema["KeySchema"]
    # CloudFormation refuses attribute definitions that no key or index uses.
    table["AttributeDefinitions"] = [
        d for d in schema["AttributeDefinitions"] if d["AttributeName"] in key_names | _index_keys(schema)
    ]
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if schema.get(kind):
            # On-demand tables take no provisioned throughput, neither do their indexes.
            table[kind] = [{k: v for k, v in index.items() if k != "ProvisionedThroughput"} for index in schema[kind]]
    return template


def _index_keys(schema: dict[str, Any]) -> set[str]:
    return {
        element["AttributeName"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in schema.get(kind) or ()
        for element in index["KeySchema"]
    }


def offline_environment() -> dict[str, str]:
    """The environment for ``chalice package``: no credentials, no profile, a placeholder region.

    Packaging needs no AWS account; the template names the region as
    ``${AWS::Region}``, so the placeholder never reaches it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_DEFAULT_REGION=settings.region(),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def chalice_command(stage: str, merge_template_path: Path, out_dir: Path) -> list[str]:
    """The ``chalice package`` command line, run inside the backend folder."""
    chalice = Path(sys.executable).with_name("chalice")
    return [str(chalice), "package", "--stage", stage, "--merge-template", str(merge_template_path), str(out_dir)]


def package(
    stage: str = "prod",
    out_dir: Path | str | None = None,
    project_dir: Path | str = ROOT,
    echo: Callable[[str], Any] = click.echo,
) -> tuple[Path, Path]:
    """Write ``sam.json`` and ``deployment.zip`` for ``stage`` to ``out_dir``; returns their paths.

    Raises PackageError when the preflight check or Chalice fails.
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
    with tempfile.TemporaryDirectory(prefix="hobopy-package-") as scratch:
        staging = Path(scratch) / "backend"
        shutil.copytree(project_dir / "backend", staging, ignore=STAGING_IGNORE)
        merge_path = Path(scratch) / "merge-template.json"
        merge_path.write_text(json.dumps(merge_template(project_dir), indent=2), encoding="utf-8")
        built = Path(scratch) / "out"
        command = chalice_command(stage, merge_path, built)
        echo(f"chalice package --stage {stage}, merging {RESOURCES.as_posix()} and the key schema of db/schema.json")
        result = subprocess.run(command, cwd=staging, env=offline_environment(), capture_output=True, text=True)
        if result.returncode != 0:
            raise PackageError(f"chalice package failed:\n{result.stdout}{result.stderr}")
        finished = finish_template(json.loads((built / TEMPLATE_NAME).read_text(encoding="utf-8")))
        out_dir.mkdir(parents=True, exist_ok=True)
        template = out_dir / TEMPLATE_NAME
        template.write_text(json.dumps(finished, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        archive = out_dir / ZIP_NAME
        shutil.copyfile(built / ZIP_NAME, archive)
        add_bytecode(archive)
    echo(
        f"wrote {_shown(template, project_dir)} and {_shown(archive, project_dir)} "
        f"({archive.stat().st_size / 1024:.0f} KiB)"
    )
    return template, archive


def add_bytecode(archive: Path) -> int:
    """Add hash-checked bytecode for every module of the Lambda zip; returns how many.

    ``/var/task`` is read-only, so without it every cold start compiles
    app.py, chalicelib and Chalice's own app.py from source. Python checks
    these files against the source's hash (not its time stamp), so an edited
    source is compiled afresh, and another Python version ignores them, as
    their names carry its tag.
    """
    with tempfile.TemporaryDirectory(prefix="hobopy-bytecode-") as scratch:
        with zipfile.ZipFile(archive) as zipped:
            sources = [info for info in zipped.infolist() if info.filename.endswith(".py")]
            zipped.extractall(scratch)
        compileall.compile_dir(scratch, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as zipped:
            for info in sources:
                cached = importlib.util.cache_from_source(info.filename)
                entry = zipfile.ZipInfo(cached, date_time=info.date_time)
                entry.external_attr = info.external_attr
                entry.compress_type = zipfile.ZIP_DEFLATED
                zipped.writestr(entry, (Path(scratch) / cached).read_bytes())
    return len(sources)


def finish_template(template: dict[str, Any]) -> dict[str, Any]:
    """Chalice's merged template, checked and completed; raises PackageError when it cannot work.

    - Every Cognito authorizer must point at the stack's ``UserPool`` (the
      merge replaced the app's placeholder), and the merge must not have
      invented one the app does not declare.
    - Every resource gets an ``ANY`` method routed to the function, without
      authorizer: API Gateway then sends methods the app does not route to the
      app, whose answer is 405 with ``Allow`` (a 405 says nothing about data).
    - When the stage allows exactly one browser origin, API Gateway's own
      answers (401, 429, 503...) carry it too, so the UI can read them.
    """
    template = copy.deepcopy(template)
    resources = template["Resources"]
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    for name, definition in body.get("securityDefinitions", {}).items():
        if "x-amazon-apigateway-authtype" not in definition:
            raise PackageError(
                f"{RESOURCES.as_posix()} points the authorizer {name!r} at the user pool, "
                "but backend/app.py declares no authorizer of that name."
            )
        authorizer = definition["x-amazon-apigateway-authorizer"]
        if authorizer.get("type") == "cognito_user_pools" and authorizer.get("providerARNs") != [USER_POOL_ARN]:
            raise PackageError(
                f"the app's authorizer {name!r} is not pointed at the stack's user pool: "
                f"add securityDefinitions.{name} to RestAPI's DefinitionBody in {RESOURCES.as_posix()}."
            )
    for path, methods in body["paths"].items():
        routed = [methods[m] for m in sorted(methods) if m in HTTP_METHODS]
        if not routed or ANY_METHOD in methods:
            continue
        model = routed[0]
        any_method = {key: copy.deepcopy(model[key]) for key in ("parameters", "responses") if key in model}
        any_method["x-amazon-apigateway-integration"] = copy.deepcopy(model["x-amazon-apigateway-integration"])
        any_method["summary"] = f"any other method on {path}: the app answers 405 with Allow."
        methods[ANY_METHOD] = any_method
    origins = [
        o
        for o in resources["APIHandler"]["Properties"]["Environment"]["Variables"]
        .get("CORS_ALLOW_ORIGINS", "")
        .split(",")
        if o.strip()
    ]
    if len(origins) == 1:
        for response in body.get("x-amazon-apigateway-gateway-responses", {}).values():
            response.setdefault("responseParameters", {})["gatewayresponse.header.Access-Control-Allow-Origin"] = (
                f"'{origins[0].strip()}'"
            )
    return template


def _shown(path: Path, project_dir: Path) -> str:
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)


@click.command("package")
@click.option("--stage", default="prod", show_default=True, help="The Chalice stage to package.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to write sam.json and deployment.zip (default: dist/STAGE).",
)
def package_command(stage: str, out_dir: str | None) -> None:
    """Check the project, then write the stage's SAM template and Lambda zip, offline.

    Example: hobopy package --stage prod   (writes dist/prod/sam.json and dist/prod/deployment.zip)
    """
    try:
        package(stage, out_dir)
    except (PackageError, DataFileError) as exc:
        raise click.ClickException(str(exc)) from None
