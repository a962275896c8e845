"""The API suite runs twice: on the in-memory repository and on a real dynalite table."""

import pytest

import app as app_module
from chalicelib import storage
from tests.support.audit import audited
from tests.support.fakes import InMemoryTodoRepository
from tests.support.project import app_client, chalice_project, create_fresh_table, seed_requests, write_seed


class Backend:
    """Where one parametrisation of the suite keeps its todos."""

    def __init__(self, kind, endpoint, table, repository):
        self.kind, self.endpoint, self.table, self.repository = kind, endpoint, table, repository

    def seed(self):
        """Put the seed's three todos into the demo owner's list."""
        if self.kind == "memory":
            for request in seed_requests():
                item = request["PutRequest"]["Item"]
                todo = storage.item_to_todo(item)
                self.repository._items[(storage.to_python(item["owner"]), todo["id"])] = todo
        else:
            write_seed(self.endpoint, self.table)


@pytest.fixture(params=["memory", "dynalite"])
def todo_backend(request, monkeypatch):
    if request.param == "memory":
        repository = InMemoryTodoRepository()
        monkeypatch.setattr(app_module, "repository_factory", lambda: repository)
        return Backend("memory", "http://127.0.0.1:9", "unused", repository)
    endpoint = request.getfixturevalue("dynalite_endpoint")
    table = create_fresh_table(endpoint)
    return Backend("dynalite", endpoint, table, storage.DynamoTodoRepository(storage.dynamodb_client(endpoint), table))


@pytest.fixture
def stage_env():
    """Extra stage variables; tests that need an identity provider override this."""
    return {}


@pytest.fixture
def api_client(todo_backend, tmp_path, stage_env):
    """``chalice.test.Client`` HTTP client for the app on this parametrisation's backend."""
    with app_client(
        chalice_project(tmp_path, todo_backend.endpoint, todo_backend.table, extra_env=stage_env)
    ) as client:
        yield audited(client.http)


@pytest.fixture
def seeded_api(todo_backend, api_client):
    todo_backend.seed()
    return api_client
