"""Fresh tables on the session's dynalite engine for the command tests."""

import uuid

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import tables


@pytest.fixture
def table(dynalite_table):
    """(endpoint options, endpoint, table name) of a fresh, empty table on dynalite."""
    endpoint, name = dynalite_table
    return ["--endpoint-url", endpoint, "--table", name], endpoint, name


@pytest.fixture
def unused_table(dynalite_endpoint):
    """(endpoint options, endpoint, table name) of a table that does not exist yet; removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield ["--endpoint-url", dynalite_endpoint, "--table", name], dynalite_endpoint, name
    tables.delete_table(dynamodb_client(dynalite_endpoint), name)
