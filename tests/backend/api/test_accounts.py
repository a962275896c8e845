"""Who is calling: every caller sees only their own todos, and a bad token changes nothing."""

import base64
import gzip
import json
import time
from pathlib import Path

import jwt
import moto.cognitoidp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import app as app_module
from tests.support.api import NEW, all_todos, assert_error, send
from tests.support.audit import audited

MOTO_KEY = Path(moto.cognitoidp.__file__).with_name("resources") / "jwks-private.json.gz"


@pytest.fixture
def provider(identity_provider):
    return identity_provider[0]


@pytest.fixture
def stage_env(identity_provider):
    return identity_provider[1]


def as_user(user):
    return {"Authorization": f"Bearer {user.id_token}"}


def test_one_users_todo_is_404_for_another_and_absent_from_their_list(seeded_api, provider):
    alice, bob = provider.new_user(), provider.new_user()
    status, todo, _ = send(seeded_api, "POST", "/todos", NEW, headers=as_user(alice))
    assert status == 201
    path = f"/todos/{todo['id']}"
    for method, payload in [
        ("GET", None),
        ("PUT", {"title": "bob was here"}),
        ("PATCH", {"completed": True}),
        ("DELETE", None),
    ]:
        status, body, _ = send(seeded_api, method, path, payload, headers=as_user(bob))
        assert_error(status, body, 404, "NotFoundError")
    status, body, _ = send(seeded_api, "PUT", path, {"title": "x"}, headers={**as_user(bob), "If-Match": '"1"'})
    assert_error(status, body, 404, "NotFoundError")
    assert send(seeded_api, "GET", "/todos", headers=as_user(bob))[1] == []
    assert [t["id"] for t in all_todos(seeded_api)] == ["L5", "L6", "L7"]
    assert send(seeded_api, "GET", "/todos", headers=as_user(alice))[1] == [todo]
    assert send(seeded_api, "GET", path, headers=as_user(alice))[1] == todo


def test_the_seed_belongs_to_the_demo_owner_and_not_to_a_signed_in_user(seeded_api, provider):
    alice = provider.new_user()
    assert_error(*send(seeded_api, "GET", "/todos/L5", headers=as_user(alice))[:2], 404, "NotFoundError")
    assert send(seeded_api, "GET", "/todos/L5")[0] == 200


def test_a_cursor_from_one_users_list_pages_only_through_the_callers_own(api_client, provider):
    alice, bob = provider.new_user(), provider.new_user()
    for n in range(3):
        send(api_client, "POST", "/todos", {**NEW, "title": f"a{n}"}, headers=as_user(alice))
    mine = send(api_client, "POST", "/todos", NEW, headers=as_user(bob))[1]
    _, _, headers = send(api_client, "GET", "/todos?limit=1", headers=as_user(alice))
    link = headers["Link"][1 : headers["Link"].index(">")]
    status, items, _ = send(api_client, "GET", link, headers=as_user(bob))
    assert status == 200 and all(t["id"] == mine["id"] for t in items)


@pytest.mark.parametrize("header", ["Bearer {}", "{}", "bearer {}"])
def test_the_token_is_taken_with_or_without_a_bearer_prefix(api_client, provider, header):
    user = provider.new_user()
    status, todo, _ = send(api_client, "POST", "/todos", NEW, headers={"Authorization": header.format(user.id_token)})
    assert status == 201
    assert send(api_client, "GET", "/todos", headers=as_user(user))[1] == [todo]


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _provider_key():
    keys = json.loads(gzip.decompress(MOTO_KEY.read_bytes()))
    return jwt.PyJWK(keys["keys"][0] if "keys" in keys else keys).key


def _claims(provider, token):
    return jwt.decode(token, options={"verify_signature": False})


def _signed(claims, key, kid="dummy"):
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def bad_tokens(provider, user):
    """Tokens that must be refused, each with what is wrong with it."""
    good = user.id_token
    claims = _claims(provider, good)
    header, payload, signature = good.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = _provider_key()
    access = provider.call(
        "InitiateAuth",
        ClientId=provider.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user.email, "PASSWORD": user.password},
    )
    return {
        "garbage": "not-a-token",
        "empty bearer": "",
        "alg none": _b64(json.dumps({"alg": "none", "kid": "dummy"}).encode()) + "." + payload + ".",
        "tampered payload": header
        + "."
        + _b64(json.dumps({**claims, "sub": "someone-else"}).encode())
        + "."
        + signature,
        "tampered signature": header + "." + payload + "." + flipped,
        "signed by another key": _signed(claims, other_key),
        "expired": _signed({**claims, "exp": int(time.time()) - 60}, key),
        "wrong audience": _signed({**claims, "aud": "another-client"}, key),
        "audience a list holding the client": _signed({**claims, "aud": [claims["aud"]]}, key),
        "audience a list of the client and another": _signed({**claims, "aud": [claims["aud"], "another"]}, key),
        "expiry a string": _signed({**claims, "exp": str(claims["exp"])}, key),
        "expiry with a fraction": _signed({**claims, "exp": claims["exp"] + 0.5}, key),
        "wrong issuer": _signed({**claims, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, key),
        "no sub": _signed({k: v for k, v in claims.items() if k != "sub"}, key),
        "access token": access["AuthenticationResult"]["AccessToken"],
    }


def test_the_provider_key_signs_tokens_the_api_accepts(api_client, provider):
    # The forged tokens below are signed with this key: a good one must pass, or they prove nothing.
    user = provider.new_user()
    token = _signed(_claims(provider, user.id_token), _provider_key())
    assert send(api_client, "POST", "/todos", NEW, headers={"Authorization": token})[0] == 201


def test_every_bad_token_is_401_and_nothing_is_read_or_changed(seeded_api, provider):
    user = provider.new_user()
    status, todo, _ = send(seeded_api, "POST", "/todos", NEW, headers=as_user(user))
    assert status == 201
    for what, token in bad_tokens(provider, user).items():
        headers = {"Authorization": f"Bearer {token}"}
        for method, path, payload in [
            ("GET", "/todos", None),
            ("GET", "/todos/L5", None),
            ("GET", f"/todos/{todo['id']}", None),
            ("POST", "/todos", NEW),
            ("PUT", f"/todos/{todo['id']}", {"title": "changed"}),
            ("DELETE", f"/todos/{todo['id']}", None),
            ("DELETE", "/todos/L5", None),
        ]:
            status, body, _ = send(seeded_api, method, path, payload, headers=headers)
            assert status == 401, (what, method, path, body)
            assert_error(status, body, 401, "UnauthorizedError")
    assert send(seeded_api, "GET", "/todos", headers=as_user(user))[1] == [todo]
    assert [t["id"] for t in all_todos(seeded_api)] == ["L5", "L6", "L7"]


@pytest.fixture
def deployable_env(identity_provider):
    # A stage without the demo owner, as every deployable stage is.
    return {**identity_provider[1], "ANONYMOUS_OWNER": ""}


def test_without_a_demo_owner_a_request_without_a_token_is_401(todo_backend, tmp_path, deployable_env):
    from tests.support.project import app_client, chalice_project

    with app_client(
        chalice_project(tmp_path, todo_backend.endpoint, todo_backend.table, extra_env=deployable_env)
    ) as client:
        for method, path in [("GET", "/todos"), ("POST", "/todos"), ("GET", "/todos/L5"), ("DELETE", "/todos/L5")]:
            status, body, _ = send(audited(client.http), method, path, NEW if method == "POST" else None)
            assert_error(status, body, 401, "UnauthorizedError", "sign in")
        assert send(audited(client.http), "GET", "/openapi.json")[0] == 200


def test_every_route_but_preflights_and_the_document_needs_the_authorizer():
    public = {("/openapi.json", "GET"), ("/openapi.json", "HEAD")}
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            if method == "OPTIONS" or (path, method) in public:
                assert entry.authorizer is None, (path, method)
            else:
                assert entry.authorizer is app_module.users, (path, method)
