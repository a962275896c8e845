"""Fixtures of the reliability suite: a running stack over HTTP, its signed-in users, and audited HTTP calls to it."""

import pytest
import requests

from devtools.local import accounts
from devtools.local.stack import throwaway_stack


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


@pytest.fixture
def http(live_user):
    """A requests session signed in as ``live_user``; use ``call(http, ...)`` so answers are audited."""
    with requests.Session() as session:
        session.headers.update(live_user.headers())
        yield session
