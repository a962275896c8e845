"""Fixtures shared by every suite: local engines, fresh tables, API clients."""

import json
import os
import uuid
from pathlib import Path

import pytest

from chalicelib.settings import STACK_VARIABLES

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
SEED_PATH = ROOT / "db" / "initial-data.json"
DEMO_OWNER = "demo"

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

from chalicelib.storage import dynamodb_client  # noqa: E402
from devtools.db import tables  # noqa: E402
from devtools.db.datafiles import load_schema  # noqa: E402
from devtools.local import engine, supervise  # noqa: E402

# Audits every error answer any suite receives (see tests/reliability/plugin.py).
pytest_plugins = ["tests.reliability.plugin"]


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


def create_fresh_table(endpoint):
    """A new table with the project's schema and a random name; returns the name."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    tables.ensure_table(dynamodb_client(endpoint), load_schema(table_name=name))
    return name


@pytest.fixture
def dynalite_table(dynalite_endpoint):
    """(endpoint, table name) of a fresh, empty table on dynalite."""
    name = create_fresh_table(dynalite_endpoint)
    yield dynalite_endpoint, name
    dynamodb_client(dynalite_endpoint).delete_table(TableName=name)


def seed_requests():
    """The seed's batch-write-item requests, as db/initial-data.json holds them."""
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))["Todos"]


def write_seed(endpoint, table):
    """Put the seed's todos into ``table`` (they belong to the demo owner)."""
    from chalicelib import storage

    storage.dynamodb_client(endpoint).batch_write_item(RequestItems={table: seed_requests()})


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


def chalice_project(tmp_path, endpoint, table, stage="test", extra_env=None):
    """A Chalice project dir whose ``stage`` points the app at ``endpoint``/``table``, with a demo owner."""
    config = {
        "version": "2.0",
        "app_name": "hobopy",
        "stages": {
            stage: {
                "environment_variables": {
                    "DB_ENDPOINT": endpoint,
                    "DB_TABLE_NAME": table,
                    "CORS_ALLOW_ORIGINS": "http://127.0.0.1:8002",
                    "ANONYMOUS_OWNER": DEMO_OWNER,
                    **(extra_env or {}),
                }
            }
        },
    }
    chalice_dir = tmp_path / "chalice-project" / ".chalice"
    chalice_dir.mkdir(parents=True, exist_ok=True)
    (chalice_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return str(chalice_dir.parent)


def app_client(project_dir, stage="test"):
    """``chalice.test.Client`` for the app, answering as the local API server does (the app checks tokens)."""
    from chalice.test import Client

    from app import app
    from devtools.local.gateway import use_contract_gateway

    client = Client(app, stage_name=stage, project_dir=project_dir)
    use_contract_gateway(client)
    return client


@pytest.fixture
def api(dynalite_table, tmp_path):
    """``chalice.test.Client`` HTTP client for the app, on a fresh dynalite table."""
    endpoint, table = dynalite_table
    from tests.reliability.plugin import audited

    with app_client(chalice_project(tmp_path, endpoint, table)) as client:
        yield audited(client.http)
