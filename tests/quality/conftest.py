"""Fixtures of the reliability suite: a running stack over HTTP, its signed-in users, and audited HTTP calls to it."""

import pytest
import requests

from devtools.local import accounts
from devtools.local.stack import throwaway_stack
from tests.reliability.plugin import AUDIT


@pytest.fixture(scope="session")
def live_stack():
    """The local stack (engine, seeded Todos table, identity provider, the API server) on free ports."""
    with throwaway_stack() as stack:
        yield stack


@pytest.fixture(scope="session")
def live_url(live_stack):
    return live_stack.api_url


@pytest.fixture(scope="session")
def live_pool(live_stack) -> accounts.Pool:
    """The user pool of the live stack's identity provider."""
    return live_stack.pool()


@pytest.fixture
def live_user(live_pool) -> accounts.User:
    """A new user of the live stack, signed in."""
    return live_pool.new_user()


def call(session, method, url, **kwargs):
    """An HTTP request whose answer goes through the audit."""
    response = session.request(method, url, timeout=kwargs.pop("timeout", 10), **kwargs)
    AUDIT.record(
        method,
        url,
        response.status_code,
        response.headers,
        response.content,
        kwargs.get("headers"),
        kwargs.get("data") or kwargs.get("json"),
    )
    return response


@pytest.fixture
def http(live_user):
    """A requests session signed in as ``live_user``; use ``call(http, ...)`` so answers are audited."""
    with requests.Session() as session:
        session.headers.update(live_user.headers())
        yield session
