"""Who is calling, as chalicelib.auth decides it from headers, the gateway's claims and the settings."""

import pytest

from chalicelib import auth, errors, settings

GATEWAY = {"authorizer": {"claims": {"sub": "2f1c-owner", "token_use": "id"}}}


@pytest.fixture
def deployed(monkeypatch):
    for name in (*settings.LOCAL_STAGE_VARIABLES, "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_in_lambda_the_caller_is_the_sub_the_gateway_verified(deployed):
    deployed.setenv("AWS_LAMBDA_FUNCTION_NAME", "hobopy-prod-api")
    assert auth.caller({"authorization": "x.y.z"}, GATEWAY) == "2f1c-owner"


def test_in_lambda_without_gateway_claims_the_caller_is_refused(deployed):
    deployed.setenv("AWS_LAMBDA_FUNCTION_NAME", "hobopy-prod-api")
    with pytest.raises(errors.Unauthorized):
        auth.caller({}, {"authorizer": {}})


def test_outside_lambda_claims_in_the_event_are_not_trusted(deployed):
    # chalice local puts unverified claims there: without a gateway or a provider to check, refuse.
    with pytest.raises(errors.Unauthorized):
        auth.caller({"authorization": "x.y.z"}, GATEWAY)
    with pytest.raises(errors.Unauthorized):
        auth.caller({}, GATEWAY)


def test_a_request_without_a_token_is_the_demo_owner_only_where_one_is_set(deployed):
    deployed.setenv("ANONYMOUS_OWNER", "demo")
    assert auth.caller({}, None) == "demo"
    deployed.setenv("AUTH_LOCAL_ENDPOINT", "http://127.0.0.1:9")
    assert auth.caller({}, None) == "demo"
    with pytest.raises(errors.Unauthorized):
        auth.caller({"authorization": "Bearer "}, None)


def test_an_unreachable_provider_is_503_not_401(deployed):
    deployed.setenv("AUTH_LOCAL_ENDPOINT", "http://127.0.0.1:9")
    deployed.setenv("AUTH_USER_POOL_ID", "us-east-1_nowhere")
    deployed.setenv("AUTH_CLIENT_ID", "client")
    with pytest.raises(errors.Unavailable):
        auth.caller({"authorization": "eyJhbGciOiJSUzI1NiIsImtpZCI6ImR1bW15In0.e30.c2ln"}, None)
