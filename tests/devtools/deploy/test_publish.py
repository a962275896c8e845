"""Publishing the UI, rehearsed against moto's CloudFormation, S3 and CloudFront in server mode: the stack's outputs
are read, every file lands with its Content-Type and Cache-Control, stale files go, changed paths are invalidated."""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from devtools.deploy import site as deploy
from devtools.ui import build as ui

ROOT = Path(__file__).resolve().parents[3]
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
POOL_ID, CLIENT_ID = "us-east-1_Example1", "example-client-id"
# The outputs a stack made from deploy/resources.json gives (Chalice adds EndpointURL); the rest are moto's.
STACK_TEMPLATE = {
    "Parameters": {"DistributionId": {"Type": "String"}, "DistributionDomain": {"Type": "String"}},
    "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket"}},
    "Outputs": {
        "AppURL": {"Value": {"Fn::Sub": "https://${DistributionDomain}/"}},
        "AppDistributionId": {"Value": {"Ref": "DistributionId"}},
        "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
        "UserPoolId": {"Value": POOL_ID},
        "UserPoolClientId": {"Value": CLIENT_ID},
        "Region": {"Value": {"Ref": "AWS::Region"}},
        "EndpointURL": {"Value": "https://abc123.execute-api.us-east-1.amazonaws.com/api/"},
    },
}
EXPECTED_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@pytest.fixture
def clients(moto_endpoint):
    return {
        name: boto3.client(name, endpoint_url=moto_endpoint, **CREDENTIALS)
        for name in ("cloudformation", "s3", "cloudfront")
    }


def make_distribution(cloudfront):
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {"Id": "site", "DomainName": "b.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


@pytest.fixture
def stack(clients):
    """A stack in moto with the outputs of a deployed one; its name and outputs."""
    distribution = make_distribution(clients["cloudfront"])
    name = f"hobopy-test-{uuid.uuid4().hex[:8]}"
    parameters = {"DistributionId": distribution["Id"], "DistributionDomain": distribution["DomainName"]}
    clients["cloudformation"].create_stack(
        StackName=name,
        TemplateBody=json.dumps(STACK_TEMPLATE),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    return name, deploy.stack_outputs(clients["cloudformation"], name)


@pytest.fixture
def site(packaged, tmp_path):
    """A copy of the site `make package` wrote."""
    return Path(shutil.copytree(packaged[1].parent / "site", tmp_path / "site"))


def stored(clients, outputs):
    s3, bucket = clients["s3"], outputs["SiteBucketName"]
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


def invalidations(clients, outputs):
    cloudfront, distribution = clients["cloudfront"], outputs["AppDistributionId"]
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"]["InvalidationBatch"][
            "Paths"
        ].get("Items", [])
        for item in listed
    ]


def test_the_stack_outputs_name_the_bucket_distribution_and_pool(stack):
    _, outputs = stack
    assert outputs["AppURL"].startswith("https://") and outputs["AppURL"].endswith(".cloudfront.net/")
    assert outputs["SiteBucketName"].startswith("hobopy-test-")
    assert (outputs["UserPoolId"], outputs["UserPoolClientId"], outputs["Region"]) == (POOL_ID, CLIENT_ID, "us-east-1")


def test_a_stack_without_the_outputs_is_refused_with_what_is_missing(clients):
    name = f"hobopy-bare-{uuid.uuid4().hex[:8]}"
    template = {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"Region": {"Value": "us-east-1"}}}
    clients["cloudformation"].create_stack(StackName=name, TemplateBody=json.dumps(template))
    with pytest.raises(deploy.DeployError, match="has no output AppURL, AppDistributionId, SiteBucketName"):
        deploy.stack_outputs(clients["cloudformation"], name)
    with pytest.raises(deploy.DeployError, match="cannot read the stack 'hobopy-none'"):
        deploy.stack_outputs(clients["cloudformation"], "hobopy-none")


def test_every_file_is_uploaded_with_its_content_type_and_cache_control(clients, stack, site):
    name, outputs = stack
    published = deploy.publish(clients, name, "staging", site, echo=lambda line: None)
    objects = stored(clients, outputs)
    packaged = {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}
    assert set(objects) == packaged | {"config.json", "config.js"} == set(published.uploaded)
    assert {key for key in objects if key.startswith("js/")} >= {"js/main.js", "js/todoui.remote.js"}
    for key, answer in objects.items():
        assert answer["ContentType"] == EXPECTED_TYPES[Path(key).suffix], key
        assert answer["CacheControl"] == "public, max-age=0, must-revalidate, s-maxage=31536000", key
    auth = {"userPoolId": POOL_ID, "clientId": CLIENT_ID, "region": "us-east-1"}
    stage_files = ui.api_files(outputs["AppURL"] + "api/", "staging", auth)
    served = {**ui.site_files(site), **stage_files}
    # The service worker names the files as published, the stage's configuration and page included.
    stage_files[ui.WORKER] = ui.worker_script(served)
    for key, answer in objects.items():
        expected = stage_files[key] if key in stage_files else (site / key).read_bytes()
        assert answer["Body"].read() == expected, key


def test_the_page_and_configuration_name_the_api_on_the_app_s_own_origin_and_the_stack_s_pool(clients, stack, site):
    name, outputs = stack
    deploy.publish(clients, name, "staging", site, echo=lambda line: None)
    objects = stored(clients, outputs)
    config = json.loads(objects["config.json"]["Body"].read())
    assert config == {
        "apiUrl": outputs["AppURL"] + "api/",
        "stage": "staging",
        "auth": {"userPoolId": POOL_ID, "clientId": CLIENT_ID, "region": "us-east-1"},
    }
    page = objects["index.html"]["Body"].read().decode()
    assert ui.POLICY_MARK not in page
    origin = outputs["AppURL"].rstrip("/")
    assert f"connect-src {origin} https://cognito-idp.us-east-1.amazonaws.com;" in page
    assert objects["config.js"]["Body"].read().decode().startswith("window.hobopyConfig = Object.freeze({")


def test_a_second_publish_of_the_same_build_changes_and_invalidates_nothing(clients, stack, site):
    name, outputs = stack
    first = deploy.publish(clients, name, "prod", site, echo=lambda line: None)
    assert first.changed == first.uploaded
    # Every path is new: each one and the root, or one wildcard when there are more than MAX_PATHS.
    every_path = sorted(["/", *("/" + key for key in first.uploaded)])
    assert first.invalidated == (every_path if len(every_path) <= deploy.MAX_PATHS else ["/*"])
    again = deploy.publish(clients, name, "prod", site, echo=lambda line: None)
    assert again.changed == again.removed == again.invalidated == []
    assert [sorted(paths) for paths in invalidations(clients, outputs)] == [first.invalidated]


def test_a_file_the_build_no_longer_has_is_deleted_and_changed_files_are_invalidated(clients, stack, site):
    name, outputs = stack
    deploy.publish(clients, name, "prod", site, echo=lambda line: None)
    (site / "js" / "todoui.model.js").unlink()
    (site / "js" / "main.js").write_text("// the next build\n", encoding="utf-8")
    published = deploy.publish(clients, name, "prod", site, echo=lambda line: None)
    # The service worker names every file of the build: it changes with any of them.
    assert published.removed == ["js/todoui.model.js"] and published.changed == ["js/main.js", "sw.js"]
    assert "js/todoui.model.js" not in stored(clients, outputs)
    assert published.invalidated == ["/js/main.js", "/js/todoui.model.js", "/sw.js"]
    expected = ["/js/main.js", "/js/todoui.model.js", "/sw.js"]
    assert expected in [sorted(paths) for paths in invalidations(clients, outputs)]


def test_a_changed_page_invalidates_the_root_too_and_many_changes_one_wildcard():
    assert deploy.invalidation_paths(["index.html", "config.json"]) == ["/", "/config.json", "/index.html"]
    assert deploy.invalidation_paths([f"js/m{i}.js" for i in range(deploy.MAX_PATHS)]) != ["/*"]
    assert deploy.invalidation_paths([f"js/m{i}.js" for i in range(deploy.MAX_PATHS + 1)]) == ["/*"]
    assert deploy.invalidation_paths([]) == []


def test_a_file_of_an_unknown_kind_is_refused_before_anything_is_uploaded(clients, stack, site):
    name, outputs = stack
    (site / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(deploy.DeployError, match=r"notes\.txt: no Content-Type is known"):
        deploy.publish(clients, name, "prod", site, echo=lambda line: None)
    assert stored(clients, outputs) == {}


def test_a_folder_without_a_built_ui_is_refused(clients, stack, tmp_path):
    name, _ = stack
    with pytest.raises(deploy.DeployError, match="holds no built UI"):
        deploy.publish(clients, name, "prod", tmp_path, echo=lambda line: None)


def run_cli(moto_endpoint, *args):
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_DEFAULT_REGION": "us-east-1"}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    env.pop("AWS_PROFILE", None)
    command = [sys.executable, "-m", "devtools.deploy.site", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_command_prints_the_app_url_last_and_empty_leaves_the_bucket_empty(moto_endpoint, clients, stack, site):
    name, outputs = stack
    result = run_cli(moto_endpoint, "publish", "--stack", name, "--stage", "prod", "--site", str(site))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"App: {outputs['AppURL']}"
    assert any(
        re.fullmatch(r"UI: \d+ files in s3://hobopy-test-\S+ \(\d+ changed, 0 removed\)", line) for line in lines
    )
    assert stored(clients, outputs)
    result = run_cli(moto_endpoint, "empty", "--stack", name)
    assert result.returncode == 0, result.stderr
    assert stored(clients, outputs) == {}
    # The stack can now go: moto deletes it with its (empty) bucket.
    clients["cloudformation"].delete_stack(StackName=name)
    assert outputs["SiteBucketName"] not in [b["Name"] for b in clients["s3"].list_buckets()["Buckets"]]


def test_publishing_to_a_missing_stack_fails_with_a_message(moto_endpoint, site):
    result = run_cli(moto_endpoint, "publish", "--stack", "hobopy-missing", "--stage", "prod", "--site", str(site))
    assert result.returncode == 1
    assert "cannot read the stack 'hobopy-missing'" in result.stderr
