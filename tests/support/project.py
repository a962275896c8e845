"""The project's paths and the Chalice projects, tables and clients the suites build the app on."""

import functools
import json
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from devtools.db import tables
from devtools.db.datafiles import load_schema

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
SEED_PATH = ROOT / "db" / "initial-data.json"
DEMO_OWNER = "demo"


@functools.cache
def setup_client(endpoint):
    """A DynamoDB client for the tests' own setup and checks: patient (the app's client gives up after 1.5 s, and an
    engine on a busy machine, moto in a test's own process above all, may take longer to create a table)."""
    config = Config(connect_timeout=10, read_timeout=30, retries={"mode": "standard", "total_max_attempts": 5})
    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=config,
    )


def create_fresh_table(endpoint):
    """A new table with the project's schema and a random name; returns the name."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    tables.ensure_table(setup_client(endpoint), load_schema(table_name=name))
    return name


def seed_requests():
    """The seed's batch-write-item requests, as db/initial-data.json holds them."""
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))["Todos"]


def write_seed(endpoint, table):
    """Put the seed's todos into ``table`` (they belong to the demo owner)."""
    setup_client(endpoint).batch_write_item(RequestItems={table: seed_requests()})


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
