"""Fixtures of the reliability suite: a running stack over HTTP, and audited HTTP calls to it."""
import pytest
import requests

from devtools import fuzz
from tests.reliability.plugin import AUDIT


@pytest.fixture(scope="session")
def live_stack():
    """The local stack (dynalite, seeded Todos table, ``chalice local``) on free ports, for the session."""
    with fuzz.throwaway_stack() as stack:
        yield stack


@pytest.fixture(scope="session")
def live_url(live_stack):
    return live_stack.api_url


def call(session, method, url, **kwargs):
    """An HTTP request whose answer goes through the error audit."""
    response = session.request(method, url, timeout=kwargs.pop("timeout", 10), **kwargs)
    AUDIT.record(method, url, response.status_code, response.headers, response.content,
                 kwargs.get("headers"), kwargs.get("data") or kwargs.get("json"))
    return response


@pytest.fixture
def http():
    """A requests session; use ``call(http, ...)`` so answers are audited."""
    with requests.Session() as session:
        yield session
