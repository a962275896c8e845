"""Publish a deployed stage's UI: the stack's outputs name the bucket, the distribution and the user pool; the
packaged site gets the stage's configuration, goes into the bucket, loses what the build no longer has, and the
distribution forgets what changed. ``make deploy`` runs it after the stack; ``make destroy`` empties the bucket.

    python -m devtools.deploy.site publish --stack hobopy-prod --stage prod --site dist/prod/site
    python -m devtools.deploy.site empty --stack hobopy-prod
"""

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
import click
from botocore.exceptions import BotoCoreError, ClientError

from devtools.ui import build as ui

# What publishing reads from the stack (deploy/resources.json and Chalice's EndpointURL).
OUTPUTS = ("AppURL", "AppDistributionId", "SiteBucketName", "UserPoolId", "UserPoolClientId", "Region", "EndpointURL")
# No file name carries a hash of its content, so browsers check every file on each load (an unchanged one costs a
# 304 without a body) and never run a page with modules of another version. CloudFront keeps each file until a
# deployment changes it and invalidates it (s-maxage is for shared caches only).
CACHE_CONTROL = "public, max-age=0, must-revalidate, s-maxage=31536000"
# Every kind of file the UI has; another one is refused rather than served as application/octet-stream.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
# Past this many changed paths one wildcard path is invalidated instead: each path past 1,000 a month is billed.
MAX_PATHS = 15


class DeployError(click.ClickException):
    """Publishing cannot go on; the message says why."""


@dataclasses.dataclass(frozen=True)
class SiteFile:
    key: str
    body: bytes
    content_type: str

    @property
    def etag(self) -> str:
        """What S3 answers as the ETag of this body put in one request without KMS: its MD5, quoted."""
        return '"' + hashlib.md5(self.body, usedforsecurity=False).hexdigest() + '"'


@dataclasses.dataclass(frozen=True)
class Published:
    url: str
    uploaded: list[str]
    changed: list[str]
    removed: list[str]
    invalidated: list[str]


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    """The outputs publishing needs from ``stack``; DeployError when the stack or one of them is missing."""
    try:
        found = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except ClientError as exc:
        raise DeployError(f"cannot read the stack {stack!r}: {exc}") from None
    outputs = {output["OutputKey"]: output["OutputValue"] for output in found}
    missing = [key for key in OUTPUTS if not outputs.get(key)]
    if missing:
        raise DeployError(f"the stack {stack!r} has no output {', '.join(missing)}: deploy the stack first.")
    return {key: outputs[key] for key in OUTPUTS}


def content_type(key: str) -> str:
    kind = CONTENT_TYPES.get(Path(key).suffix)
    if kind is None:
        raise DeployError(f"{key}: no Content-Type is known for this kind of file; add it to CONTENT_TYPES.")
    return kind


def site_files(site: Path, stage: str, outputs: dict[str, str]) -> dict[str, SiteFile]:
    """The files to serve: the packaged site with the stage's configuration and page written over it.

    The page calls the API at ``/api/`` on its own origin and signs in with the stack's user pool.
    """
    if not (site / "js" / "main.js").is_file():
        raise DeployError(f"{site} holds no built UI (js/main.js): run make package.")
    auth = {"userPoolId": outputs["UserPoolId"], "clientId": outputs["UserPoolClientId"], "region": outputs["Region"]}
    files = {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}
    files.update(ui.api_files(outputs["AppURL"] + "api/", stage, auth))
    # The service worker names the files as served, this configuration included.
    files[ui.WORKER] = ui.worker_script(files)
    return {key: SiteFile(key, body, content_type(key)) for key, body in files.items()}


def stored_etags(s3: Any, bucket: str) -> dict[str, str]:
    """``{key: ETag}`` of every object in ``bucket``."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"]: item["ETag"] for page in pages for item in page.get("Contents", [])}


def delete_keys(s3: Any, bucket: str, keys: Iterable[str]) -> None:
    keys = sorted(keys)
    for start in range(0, len(keys), 1000):  # the most one request deletes
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            raise DeployError(f"could not delete from {bucket}: {answer['Errors']}")


def invalidation_paths(changed: Iterable[str]) -> list[str]:
    """The distribution's paths for the changed keys (the root when the page changed), or the wildcard if many."""
    paths = sorted({"/" + key for key in changed} | ({"/"} if ui.PAGE in changed else set()))
    return ["/*"] if len(paths) > MAX_PATHS else paths


def publish(
    clients: dict[str, Any], stack: str, stage: str, site: Path, echo: Callable[[str], Any] = click.echo
) -> Published:
    """Upload the stage's site to the stack's bucket, remove stale files, invalidate what changed; the app's URL."""
    outputs = stack_outputs(clients["cloudformation"], stack)
    bucket, files = outputs["SiteBucketName"], site_files(site, stage, outputs)
    stored = stored_etags(clients["s3"], bucket)
    changed = [key for key, file in files.items() if stored.get(key) != file.etag]
    removed = sorted(set(stored) - set(files))
    # Every file is put again: a new Content-Type or Cache-Control reaches unchanged files too.
    for file in files.values():
        clients["s3"].put_object(
            Bucket=bucket, Key=file.key, Body=file.body, ContentType=file.content_type, CacheControl=CACHE_CONTROL
        )
    delete_keys(clients["s3"], bucket, removed)
    paths = invalidation_paths([*changed, *removed])
    if paths:
        clients["cloudfront"].create_invalidation(
            DistributionId=outputs["AppDistributionId"],
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": str(time.time_ns()),
            },
        )
    echo(f"UI: {len(files)} files in s3://{bucket} ({len(changed)} changed, {len(removed)} removed)")
    echo(f"CloudFront: {'invalidated ' + ' '.join(paths) if paths else 'nothing to invalidate'}")
    echo(f"API (curl, httpie, the aws CLI): {outputs['EndpointURL']}todos, and {outputs['AppURL']}api/todos")
    pool, client = outputs["UserPoolId"], outputs["UserPoolClientId"]
    echo(f"Accounts: region {outputs['Region']}, user pool {pool}, app client {client}")
    echo(f"App: {outputs['AppURL']}")
    return Published(outputs["AppURL"], sorted(files), sorted(changed), removed, paths)


def empty(clients: dict[str, Any], stack: str, echo: Callable[[str], Any] = click.echo) -> int:
    """Delete every file from the stack's site bucket (a bucket must be empty to be deleted); how many there were."""
    try:
        bucket = stack_outputs(clients["cloudformation"], stack)["SiteBucketName"]
    except DeployError as exc:
        echo(f"no site bucket to empty ({exc.message})")
        return 0
    keys = stored_etags(clients["s3"], bucket)
    delete_keys(clients["s3"], bucket, keys)
    echo(f"emptied s3://{bucket} ({len(keys)} files)")
    return len(keys)


def aws_clients() -> dict[str, Any]:
    """Clients of the default session: credentials, region and endpoints as the aws CLI finds them."""
    session = boto3.session.Session()
    return {name: session.client(name) for name in ("cloudformation", "s3", "cloudfront")}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Publish the UI of a deployed stack, or empty its bucket before the stack is deleted."""


STACK_OPTION = click.option("--stack", required=True, help="The CloudFormation stack, e.g. hobopy-prod.")


@cli.command("publish")
@STACK_OPTION
@click.option("--stage", required=True, help="The stage, written into the UI's config.json.")
@click.option(
    "--site",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The packaged site (dist/STAGE/site).",
)
def publish_command(stack: str, stage: str, site: Path) -> None:
    """Upload the stage's UI to the stack's bucket, remove stale files, invalidate, and print the app's URL last."""
    try:
        publish(aws_clients(), stack, stage, site)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(str(exc)) from None


@cli.command("empty")
@STACK_OPTION
def empty_command(stack: str) -> None:
    """Delete every file of the stack's site bucket."""
    try:
        empty(aws_clients(), stack)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(str(exc)) from None


if __name__ == "__main__":
    cli(prog_name="python -m devtools.deploy.site")
