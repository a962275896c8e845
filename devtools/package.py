"""Build the CloudFormation (SAM) template and the Lambda zip of one stage, offline.

The merge template ``deploy/resources.json`` declares the table and the
settings Chalice does not make; the table's key schema is filled in here from
``db/schema.json`` so it is written in one place only.
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from devtools import db, preflight

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path("deploy") / "resources.json"
TABLE_RESOURCE = "TodosTable"
TEMPLATE_NAME = "sam.json"
ZIP_NAME = "deployment.zip"
# What Chalice packages comes from the backend folder, less caches and old builds.
STAGING_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "deployed", "venv")


class PackageError(Exception):
    """The project cannot be packaged; the message says why."""


def merge_template(project_dir=ROOT):
    """``deploy/resources.json`` with the table's key schema taken from ``db/schema.json``."""
    project_dir = Path(project_dir)
    template = copy.deepcopy(db.read_json(project_dir / RESOURCES))
    schema = db.load_schema(project_dir / "db" / "schema.json")
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
            table[kind] = [{k: v for k, v in index.items() if k != "ProvisionedThroughput"}
                           for index in schema[kind]]
    return template


def _index_keys(schema):
    return {
        element["AttributeName"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in schema.get(kind) or ()
        for element in index["KeySchema"]
    }


def offline_environment():
    """The environment for ``chalice package``: no credentials, no profile, a placeholder region.

    Packaging needs no AWS account; the template names the region as
    ``${AWS::Region}``, so the placeholder never reaches it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def chalice_command(stage, merge_template_path, out_dir):
    """The ``chalice package`` command line, run inside the backend folder."""
    chalice = Path(sys.executable).with_name("chalice")
    return [str(chalice), "package", "--stage", stage, "--merge-template", str(merge_template_path),
            str(out_dir)]


def package(stage="prod", out_dir=None, project_dir=ROOT, echo=click.echo):
    """Write ``sam.json`` and ``deployment.zip`` for ``stage`` to ``out_dir``; returns their paths.

    Raises PackageError when the preflight check or Chalice fails.
    """
    project_dir = Path(project_dir).resolve()
    out_dir = Path(out_dir or project_dir / "dist" / stage).resolve()
    if stage in preflight.LOCAL_STAGES:
        raise PackageError(f"stage {stage!r} runs on this machine (its database is the local engine); "
                           "package a deployable stage such as prod.")
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
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in (TEMPLATE_NAME, ZIP_NAME):
            target = out_dir / name
            shutil.copyfile(built / name, target)
            paths.append(target)
    template, archive = paths
    echo(f"wrote {_shown(template, project_dir)} and {_shown(archive, project_dir)} "
         f"({archive.stat().st_size / 1024:.0f} KiB)")
    return template, archive


def _shown(path, project_dir):
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)


@click.command("package")
@click.option("--stage", default="prod", show_default=True, help="The Chalice stage to package.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where to write sam.json and deployment.zip (default: dist/STAGE).")
def package_command(stage, out_dir):
    """Check the project, then write the stage's SAM template and Lambda zip, offline.

    Example: hobopy package --stage prod   (writes dist/prod/sam.json and dist/prod/deployment.zip)
    """
    try:
        package(stage, out_dir)
    except (PackageError, db.DataFileError) as exc:
        raise click.ClickException(str(exc)) from None
