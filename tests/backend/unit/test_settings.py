"""Inside Lambda the function keeps what it reads of its environment, but for each invocation's trace; elsewhere it
reads each value when asked for."""

import pytest

from chalicelib import settings

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def environment(monkeypatch):
    """The process environment for one test; afterwards, the settings read it afresh."""
    yield monkeypatch
    monkeypatch.undo()
    settings.forget()


def in_lambda(environment):
    environment.setenv(settings.RUNTIME_API, "127.0.0.1:9001")
    settings.forget()


def test_outside_lambda_a_changed_variable_counts_at_once(environment):
    environment.delenv(settings.RUNTIME_API, raising=False)
    settings.forget()
    environment.setenv("DB_TABLE_NAME", "First")
    assert settings.table_name() == "First"
    environment.setenv("DB_TABLE_NAME", "Second")
    assert settings.table_name() == "Second"
    environment.delenv("DB_TABLE_NAME")
    assert settings.table_name() == settings.DEFAULT_TABLE


def test_inside_lambda_each_value_is_read_once_and_kept(environment):
    environment.setenv("DB_TABLE_NAME", "First")
    environment.delenv(settings.STACK_DB_ENDPOINT, raising=False)
    environment.delenv(settings.DB_ENDPOINT, raising=False)
    in_lambda(environment)
    assert (settings.table_name(), settings.db_endpoint()) == ("First", None)
    environment.setenv("DB_TABLE_NAME", "Second")
    environment.setenv(settings.DB_ENDPOINT, "http://127.0.0.1:8001")
    assert (settings.table_name(), settings.db_endpoint()) == ("First", None)
    settings.forget()
    assert (settings.table_name(), settings.db_endpoint()) == ("Second", "http://127.0.0.1:8001")


def test_inside_lambda_the_trace_of_each_invocation_is_read_anew(environment):
    in_lambda(environment)
    environment.setenv("_X_AMZN_TRACE_ID", TRACE)
    assert settings.trace_id() == "1-5759e988-bd862e3fe1be46a994272793"
    environment.setenv("_X_AMZN_TRACE_ID", "Root=1-6a1b2c3d-000000000000000000000001;Sampled=0")
    assert settings.trace_id() == "1-6a1b2c3d-000000000000000000000001"
    environment.delenv("_X_AMZN_TRACE_ID")
    assert settings.trace_id() is None


def test_forgetting_outside_lambda_stops_keeping(environment):
    environment.setenv("DB_TABLE_NAME", "First")
    in_lambda(environment)
    assert settings.table_name() == "First"
    environment.delenv(settings.RUNTIME_API)
    settings.forget()
    environment.setenv("DB_TABLE_NAME", "Second")
    assert settings.table_name() == "Second"
