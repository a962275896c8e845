"""`chalice deploy`, typed in backend/ as the book types it, stops before any AWS call and names `make deploy`.

AWS is moto's server here (``AWS_ENDPOINT_URL``), so whatever the command
would have created is visible afterwards.
"""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devtools.local import engine, supervise

ROOT = Path(__file__).resolve().parents[3]
CHALICE = Path(sys.executable).with_name("chalice")
REGION = "us-east-1"


@pytest.fixture()
def aws(tmp_path: Path) -> Iterator[str]:
    """The endpoint of a fresh moto server of its own (moto's state is per process: other tests share theirs)."""
    port = supervise.free_port()
    process = engine.start_moto(port, log_path=tmp_path / "moto.log")
    endpoint = f"http://127.0.0.1:{port}"
    try:
        supervise.wait_until(supervise.answers_http(endpoint + "/moto-api/"), process, "moto server", timeout=60)
        yield endpoint
    finally:
        supervise.stop(process)


@pytest.fixture()
def backend(tmp_path: Path) -> Path:
    """A copy of backend/, so that whatever Chalice writes stays out of the working tree."""
    copy = tmp_path / "backend"
    shutil.copytree(ROOT / "backend", copy, ignore=shutil.ignore_patterns("__pycache__", "deployed", "deployments"))
    return copy


def aws_environment(endpoint: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def what_aws_holds(endpoint: str) -> dict[str, list[str]]:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return {
        "roles": [r["RoleName"] for r in client("iam").list_roles()["Roles"]],
        "functions": [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]],
        "rest apis": [a["name"] for a in client("apigateway").get_rest_apis()["items"]],
        "http apis": [a["Name"] for a in client("apigatewayv2").get_apis()["Items"]],
        "tables": client("dynamodb").list_tables()["TableNames"],
    }


def chalice(arguments: list[str], cwd: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHALICE), *arguments],
        cwd=cwd,
        env=aws_environment(endpoint),
        capture_output=True,
        text=True,
        timeout=120,
    )


def requests_answered(tmp_path: Path) -> list[str]:
    """The requests moto's server has logged (one line each, in werkzeug's form)."""
    log = (tmp_path / "moto.log").read_text(encoding="utf-8", errors="replace")
    return [line for line in log.splitlines() if ' HTTP/1.1" ' in line]


def test_what_aws_holds_and_the_request_log_see_what_is_done(aws: str, tmp_path: Path) -> None:
    # Without this, an empty answer could mean the checks look in the wrong place.
    before = len(requests_answered(tmp_path))
    boto3.client(
        "iam", endpoint_url=aws, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    ).create_role(RoleName="probe", AssumeRolePolicyDocument="{}")
    assert len(requests_answered(tmp_path)) == before + 1
    assert what_aws_holds(aws)["roles"] == ["probe"]


@pytest.mark.parametrize("arguments", [["deploy", "--stage", "prod"], ["deploy"]])
def test_chalice_deploy_stops_before_any_aws_call_with_one_line_naming_make_deploy(
    aws: str, backend: Path, arguments: list[str], tmp_path: Path
) -> None:
    before = requests_answered(tmp_path)
    result = chalice(arguments, backend, aws)
    # The server logs every request it answers.
    assert requests_answered(tmp_path) == before
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "make deploy" in lines[0]
    assert "chalice deploy cannot create the DynamoDB table and the Cognito user pool" in lines[0]
    assert what_aws_holds(aws) == {"roles": [], "functions": [], "rest apis": [], "http apis": [], "tables": []}
    assert not (backend / ".chalice" / "deployed").exists()
    assert not (backend / ".chalice" / "deployments").exists()


def test_chalice_package_is_not_stopped(aws: str, backend: Path, tmp_path: Path) -> None:
    result = chalice(["package", "--stage", "prod", str(tmp_path / "out")], backend, aws)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "out" / "sam.json").is_file()


def test_chalice_local_is_not_stopped(backend: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(CHALICE), "local", "--stage", "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=backend,
        env={k: v for k, v in aws_environment("").items() if k != "AWS_ENDPOINT_URL"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "chalice local did not start"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.json()["paths"]
    finally:
        server.terminate()
        server.wait(timeout=10)
