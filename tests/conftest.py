"""Fixtures shared by every suite: local engines, fresh tables, API clients."""

import os
import uuid

import pytest

from chalicelib.settings import STACK_VARIABLES

# Never let a test find real AWS credentials or probe the EC2 metadata service.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _name in (
    *STACK_VARIABLES,
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
):
    os.environ.pop(_name, None)

from devtools.local import engine, supervise  # noqa: E402
from tests.support.project import app_client, chalice_project, create_fresh_table, setup_client  # noqa: E402

# Audits every error answer any suite receives (see tests/support/audit.py); starts the long files first.
pytest_plugins = ["tests.support.audit", "tests.support.order"]


@pytest.fixture(scope="session")
def dynalite_endpoint(tmp_path_factory):
    """A dynalite engine (in memory) for the whole session, spoken to over HTTP."""
    if not engine.node_available():
        pytest.skip("dynalite needs Node.js and npm (then `make install`); not found on PATH")
    with engine.private_dynalite(log_path=tmp_path_factory.mktemp("dynalite") / "dynalite.log") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server (in memory) for the whole session, spoken to over HTTP."""
    from moto.server import ThreadedMotoServer

    port = supervise.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def dynalite_table(dynalite_endpoint):
    """(endpoint, table name) of a fresh, empty table on dynalite."""
    name = create_fresh_table(dynalite_endpoint)
    yield dynalite_endpoint, name
    setup_client(dynalite_endpoint).delete_table(TableName=name)


@pytest.fixture(scope="session")
def identity_provider(moto_endpoint):
    """A Cognito user pool and app client on moto's server: ``(accounts.Pool, settings for a stage)``."""
    import boto3

    from devtools.local import accounts

    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pool_id = cognito.create_user_pool(PoolName=f"test-{uuid.uuid4().hex[:8]}", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="test",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    stage = {
        "AUTH_LOCAL_ENDPOINT": moto_endpoint,
        "AUTH_USER_POOL_ID": pool_id,
        "AUTH_CLIENT_ID": client_id,
        "AUTH_REGION": "us-east-1",
    }
    return accounts.Pool(client_id=client_id, endpoint=moto_endpoint, region="us-east-1"), stage


@pytest.fixture
def dynalite_api_client(dynalite_table, tmp_path):
    """``chalice.test.Client`` HTTP client for the app, on a fresh dynalite table."""
    endpoint, table = dynalite_table
    from tests.support.audit import audited

    with app_client(chalice_project(tmp_path, endpoint, table)) as client:
        yield audited(client.http)
