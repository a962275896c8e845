"""Fixtures shared by every suite: local engines, fresh tables, API clients."""
import json
import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
if str(BACKEND) not in sys.path:
    sys.path.insert(0, str(BACKEND))

# Never let a test find real AWS credentials or probe the EC2 metadata service.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _name in ("HOBOPY_DB_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.pop(_name, None)

from devtools import db, engine  # noqa: E402

# Audits every error answer any suite receives (see tests/reliability/plugin.py).
pytest_plugins = ["tests.reliability.plugin"]


@pytest.fixture(scope="session")
def dynalite_endpoint(tmp_path_factory):
    """A dynalite engine (in memory) for the whole session, spoken to over HTTP."""
    if not engine.node_available():
        pytest.fail("dynalite is not installed: run `make install` (needs Node.js and npm)")
    port = engine.free_port()
    log = tmp_path_factory.mktemp("dynalite") / "dynalite.log"
    process = engine.start_dynalite(port, log_path=log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        engine.wait_until_serving(endpoint, process)
        yield endpoint
    finally:
        engine.stop(process)


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server (in memory) for the whole session, spoken to over HTTP."""
    from moto.server import ThreadedMotoServer

    port = engine.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def create_fresh_table(endpoint):
    """A new table with the project's schema and a random name; returns the name."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    db.ensure_table(db.client(endpoint), db.load_schema(table_name=name))
    return name


@pytest.fixture
def dynalite_table(dynalite_endpoint):
    """(endpoint, table name) of a fresh, empty table on dynalite."""
    name = create_fresh_table(dynalite_endpoint)
    yield dynalite_endpoint, name
    db.client(dynalite_endpoint).delete_table(TableName=name)


def chalice_project(tmp_path, endpoint, table, stage="test", extra_env=None):
    """A Chalice project dir whose ``stage`` points the app at ``endpoint``/``table``."""
    config = {
        "version": "2.0",
        "app_name": "hobopy",
        "stages": {
            stage: {
                "environment_variables": {
                    "DB_ENDPOINT": endpoint,
                    "DB_TABLE_NAME": table,
                    "CORS_ALLOW_ORIGINS": "http://127.0.0.1:8002",
                    **(extra_env or {}),
                }
            }
        },
    }
    chalice_dir = tmp_path / "chalice-project" / ".chalice"
    chalice_dir.mkdir(parents=True, exist_ok=True)
    (chalice_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return str(chalice_dir.parent)


@pytest.fixture
def api(dynalite_table, tmp_path):
    """``chalice.test.Client`` HTTP client for the app, on a fresh dynalite table."""
    from chalice.test import Client

    from app import app

    from tests.reliability.plugin import audited

    endpoint, table = dynalite_table
    with Client(app, stage_name="test", project_dir=chalice_project(tmp_path, endpoint, table)) as client:
        yield audited(client.http)
