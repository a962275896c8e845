"""The local identity provider as the stack runs it: the dev stage's ids, this machine only, users kept on disk."""

import gzip
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import moto.cognitoidp
import pytest
import requests

from devtools import settings
from devtools.local import supervise
from devtools.local.accounts import AccountError, Pool
from devtools.local.idp import ProviderDataError
from devtools.local.stack import Stack
from tests.support.wire import assert_contract_error, assert_timed_out, connect, read_answer

UI_ORIGIN = "http://127.0.0.1:8002"
TARGET = "AWSCognitoIdentityProviderService."
MEDIA_TYPE = "application/x-amz-json-1.1"


class Provider:
    """``python -m devtools.local.idp`` on a free port with one data folder: each call starts it, replacing the last."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.log, self.port = data_dir, data_dir / "idp.log", supervise.free_port()
        self.running: list[supervise.Process] = []

    def __call__(self, *options: str) -> Pool:
        self.kill()
        args = [
            *("-m", "devtools.local.idp", "--port", str(self.port), "--data-dir", str(self.data_dir)),
            *("--allow-origin", UI_ORIGIN, "--region", "us-east-1", *options),
        ]
        process = supervise.spawn([sys.executable, *args], log_path=self.log, cwd=settings.ROOT)
        self.running.append(process)
        supervise.wait_until(supervise.answers_http(settings.url(self.port)), process, "identity provider", 30)
        return Pool.from_data_dir(self.data_dir, settings.url(self.port))

    def kill(self) -> None:
        """SIGKILL: the users must already be on disk, whatever the way out."""
        for process in self.running:
            process.send_signal(signal.SIGKILL)
            process.wait()


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    running = Provider(tmp_path)
    yield running
    for process in running.running:
        supervise.stop(process)


@pytest.fixture(scope="module")
def loopback_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    """One provider that allows every loopback origin, for the tests that only ask it about origins."""
    running = Provider(tmp_path_factory.mktemp("idp-loopback"))
    yield running("--allow-loopback-origins")
    for process in running.running:
        supervise.stop(process)


def pool_id(data_dir: Path) -> str:
    return str(json.loads((data_dir / "pool.json").read_text())["userPoolId"])


def test_the_provider_creates_the_pool_and_client_the_dev_stage_trusts(provider: Provider, tmp_path: Path) -> None:
    pool = provider()
    dev = json.loads((settings.BACKEND / ".chalice" / "config.json").read_text())["stages"]["dev"]
    stage = dev["environment_variables"]
    assert (pool_id(tmp_path), pool.client_id) == (stage["AUTH_USER_POOL_ID"], stage["AUTH_CLIENT_ID"]), (
        "the provider's ids changed (pool name, configuration or region): put the new ones in the dev stage"
    )

    user = pool.new_user()
    jwks = jwt.PyJWKClient(f"{pool.endpoint}/{stage['AUTH_USER_POOL_ID']}/.well-known/jwks.json")
    claims = jwt.decode(
        user.id_token,
        jwks.get_signing_key_from_jwt(user.id_token).key,
        algorithms=["RS256"],
        audience=stage["AUTH_CLIENT_ID"],
        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{stage['AUTH_USER_POOL_ID']}",
    )
    assert claims["token_use"] == "id" and claims["email"] == user.email


def test_users_keep_their_password_status_and_sub_across_a_kill(provider: Provider, tmp_path: Path) -> None:
    pool = provider()
    confirmed = pool.new_user()
    sub = jwt.decode(confirmed.id_token, options={"verify_signature": False})["sub"]
    pending = "pending@example.com"
    pool.sign_up(pending, "Passw0rd-pending")

    pool = provider()  # SIGKILL, then a new process on the same data
    id_token, _ = pool.sign_in(confirmed.email, confirmed.password)
    assert jwt.decode(id_token, options={"verify_signature": False})["sub"] == sub
    with pytest.raises(AccountError) as wrong:
        pool.sign_in(confirmed.email, "Wr0ng-password")
    assert wrong.value.code == "NotAuthorizedException"
    with pytest.raises(AccountError) as unconfirmed:
        pool.sign_in(pending, "Passw0rd-pending")
    assert unconfirmed.value.code == "UserNotConfirmedException"
    with pytest.raises(AccountError) as taken:
        pool.sign_up(confirmed.email, "Passw0rd-again")
    assert taken.value.code == "UsernameExistsException"
    # A token issued before the restart is still a valid one: same pool, client and signing key.
    assert pool_id(tmp_path) in jwt.decode(confirmed.id_token, options={"verify_signature": False})["iss"]


def test_only_this_machine_and_the_ui_origin_are_answered(provider: Provider) -> None:
    pool = provider()
    assert pool.endpoint
    port = pool.endpoint.rsplit(":", 1)[1]
    sign_up = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp"}
    body = json.dumps({"ClientId": pool.client_id, "Username": "x@example.com", "Password": "Passw0rd-x"})

    rebound = requests.post(pool.endpoint, data=body, headers={**sign_up, "Host": f"attacker.example:{port}"})
    assert rebound.status_code == 403 and rebound.json()["Code"] == "ForbiddenError"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target"}
    foreign = requests.options(pool.endpoint, headers={**preflight, "Origin": "http://127.0.0.1:9999"})
    assert foreign.status_code == 403 and "Access-Control-Allow-Origin" not in foreign.headers
    sneaky = requests.post(pool.endpoint, data=body, headers={**sign_up, "Origin": "https://evil.example"})
    assert sneaky.status_code == 403

    allowed = requests.options(pool.endpoint, headers={**preflight, "Origin": UI_ORIGIN})
    assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    answered = requests.post(pool.endpoint, data=body, headers={**sign_up, "Origin": UI_ORIGIN})
    assert answered.status_code == 200 and answered.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    # Without an Origin there is no CORS answer at all (moto's own "*" is gone).
    plain = requests.post(pool.endpoint, data=body, headers=sign_up)
    assert plain.status_code == 400 and not any(h.lower().startswith("access-control") for h in plain.headers)


@pytest.mark.parametrize(
    "origin, allowed",
    [
        ("http://127.0.0.1:5173", True),
        ("http://localhost:9", True),
        ("http://[::1]:8080", True),
        (UI_ORIGIN, True),
        ("http://evil.example", False),
        ("null", False),
        ("https://127.0.0.1:5173", False),
        ("http://127.0.0.1:5173.evil.example", False),
        ("http://localhost", False),
    ],
)
def test_with_loopback_origins_allowed_a_page_on_any_port_of_this_machine_may_call(
    loopback_pool: Pool, origin: str, allowed: bool
) -> None:
    pool = loopback_pool
    assert pool.endpoint
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target"}
    answer = requests.options(pool.endpoint, headers={**preflight, "Origin": origin}, timeout=10)
    assert answer.status_code == (204 if allowed else 403)
    assert answer.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)


def test_this_machines_names_are_answered_with_the_providers_port_or_none(provider: Provider, tmp_path: Path) -> None:
    pool = provider()
    assert pool.endpoint
    port = pool.endpoint.rsplit(":", 1)[1]
    jwks = f"{pool.endpoint}/{pool_id(tmp_path)}/.well-known/jwks.json"
    for name in ("127.0.0.1", "localhost", "LOCALHOST", "[::1]"):
        for host in (name, f"{name}:{port}"):
            assert requests.get(jwks, headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", f"127.0.0.1.nip.io:{port}", "localhost:1", ""):
        assert requests.get(jwks, headers={"Host": host}).status_code == 403, host


def port_of(pool: Pool) -> int:
    assert pool.endpoint
    return int(pool.endpoint.rsplit(":", 1)[1])


def test_a_body_over_the_limit_is_413_before_it_is_read(provider: Provider) -> None:
    port = port_of(provider())
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Length: 300000000\r\n\r\n{"
    )
    with connect(port) as sock:
        sock.sendall(head.encode())
        assert_contract_error(read_answer(sock), 413, "RequestEntityTooLargeError")


def test_a_client_that_stops_sending_is_408_and_let_go(provider: Provider) -> None:
    port = port_of(provider("--request-timeout", "1"))
    with connect(port) as sock:
        assert_timed_out(sock, f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 50\r\n\r\n{{".encode(), 1)


def call(pool: Pool, action: str, body: object, path: str = "/", **headers: str) -> requests.Response:
    """A POST shaped as a Cognito client's, or as ``headers`` change it."""
    shaped = {"Content-Type": MEDIA_TYPE, "X-Amz-Target": TARGET + action, **headers}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(f"{pool.endpoint}{path}", data=data, headers=shaped, timeout=10)


def test_get_serves_the_key_set_and_the_openid_configuration_and_runs_no_action(
    provider: Provider, tmp_path: Path
) -> None:
    pool = provider()
    victim, pid = pool.new_user(), pool_id(tmp_path)
    assert requests.get(f"{pool.endpoint}/{pid}/.well-known/jwks.json", timeout=10).json()["keys"]
    configuration = requests.get(f"{pool.endpoint}/{pid}/.well-known/openid-configuration", timeout=10).json()
    assert configuration["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pid}"

    # What an <img> or a no-cors fetch sends: a GET without Origin, which needs no preflight.
    image = {"Accept": "image/avif,image/webp,*/*", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
    password = {"Username": victim.email, "Password": "Attack3r-pass", "Permanent": "true"}
    made = {"ClientId": pool.client_id, "Username": "made@example.com", "Password": "Attack3r-pass"}
    for action, parameters in [
        ("ListUsers", {}),
        ("AdminSetUserPassword", password),
        ("AdminDisableUser", {"Username": victim.email}),
        ("SignUp", made),
        ("DeleteUserPool", {}),
    ]:
        query = {"Action": action, "UserPoolId": pid, **parameters}
        answer = requests.get(f"{pool.endpoint}/", params=query, headers=image, timeout=10)
        assert answer.status_code == 404 and victim.email not in answer.text, (action, answer.text)
    pool.refresh(victim)  # the same password, the account enabled, the pool still there
    with pytest.raises(AccountError) as unknown:
        pool.sign_in("made@example.com", "Attack3r-pass")
    assert unknown.value.code == "UserNotFoundException"


def test_a_simple_post_runs_no_action(provider: Provider, tmp_path: Path) -> None:
    """What a form or a no-cors fetch may send without a preflight: a safelisted type, no X-Amz-Target."""
    pool = provider()
    victim, pid = pool.new_user(), pool_id(tmp_path)
    change = {"UserPoolId": pid, "Username": victim.email, "Password": "Attack3r-pass", "Permanent": True}
    form = "Action=AdminSetUserPassword&" + "&".join(f"{k}={v}" for k, v in change.items())
    multipart = '--b\r\nContent-Disposition: form-data; name="Action"\r\n\r\nAdminDisableUser\r\n--b--\r\n'
    for content_type, path, body in [
        ("application/x-www-form-urlencoded", "/", form),
        ("text/plain", "/?Action=AdminSetUserPassword", json.dumps(change)),
        ("text/plain;charset=UTF-8", "/?Action=AdminDisableUser", json.dumps(change)),
        ("multipart/form-data; boundary=b", f"/?UserPoolId={pid}&Username={victim.email}", multipart),
    ]:
        answer = requests.post(f"{pool.endpoint}{path}", data=body, headers={"Content-Type": content_type}, timeout=10)
        assert answer.status_code == 400, (content_type, answer.text)
        assert answer.json()["__type"] == "SerializationException"
    pool.refresh(victim)


def test_only_the_public_actions_are_served_over_http(provider: Provider, tmp_path: Path) -> None:
    pool = provider()
    victim, pid = pool.new_user(), pool_id(tmp_path)
    token = pool.call(
        "InitiateAuth",
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": victim.email, "PASSWORD": victim.password},
    )["AuthenticationResult"]["AccessToken"]
    for action, body in [
        ("AdminSetUserPassword", {"Username": victim.email, "Password": "Attack3r-pass", "Permanent": True}),
        ("AdminCreateUser", {"Username": "made@example.com", "TemporaryPassword": "Attack3r-pass"}),
        ("AdminDisableUser", {"Username": victim.email}),
        ("AdminDeleteUser", {"Username": victim.email}),
        ("ListUsers", {}),
        ("DeleteUserPool", {}),
        ("CreateUserPool", {"PoolName": "another"}),
        ("UpdateUserAttributes", {"AccessToken": token, "UserAttributes": [{"Name": "name", "Value": "x"}]}),
        ("DeleteUser", {"AccessToken": token}),
    ]:
        answer = call(pool, action, {"UserPoolId": pid, **body})
        assert answer.status_code == 403, (action, answer.text)
        assert answer.json()["__type"] == "AccessDeniedException" and "admin" in answer.json()["message"]
    for target in ["", "SignUp", "DynamoDB_20120810.ListTables", f"{TARGET}Sign-Up", f"{TARGET}{'A' * 65}"]:
        answer = call(pool, "", {}, **{"X-Amz-Target": target})
        assert answer.status_code == 400 and answer.json()["__type"] == "UnknownOperationException", target
    assert call(pool, "SignUp", "[]").json()["__type"] == "SerializationException"
    assert call(pool, "SignUp", {}, path="/other").status_code == 404

    # An allowed action cannot carry another one, in the query or in its body (moto reads both for an action).
    change = {"UserPoolId": pid, "Username": victim.email, "Password": "Attack3r-pass", "Permanent": "true"}
    smuggled = "x&Action=AdminSetUserPassword&" + "&".join(f"{k}={v}" for k, v in change.items()) + "&y="
    sign_up = {"ClientId": pool.client_id, "Username": "smuggler@example.com", "Password": "Passw0rd-x"}
    assert "UserSub" in call(pool, "SignUp", {**sign_up, "ClientMetadata": {"note": smuggled}}).json()
    answer = call(pool, "SignUp", {**sign_up, **change}, path="/?Action=AdminSetUserPassword")
    assert answer.json()["__type"] == "UsernameExistsException", answer.text  # what SignUp answers
    pool.refresh(victim)


def test_administrative_actions_run_in_process_while_no_provider_serves_the_folder(
    provider: Provider, tmp_path: Path
) -> None:
    pool = provider()
    user = pool.new_user()
    parameters = {"Username": user.email, "Password": "N3w-passw0rd", "Permanent": True}
    admin = [sys.executable, "-m", "devtools.local.idp", "admin", "--data-dir", str(tmp_path)]
    change = [*admin, "AdminSetUserPassword", json.dumps(parameters)]
    busy = subprocess.run(change, capture_output=True, text=True, cwd=settings.ROOT, timeout=60)
    assert busy.returncode == 1 and "stop it first" in busy.stderr, busy.stderr
    pool.refresh(user)

    provider.kill()
    done = subprocess.run(change, capture_output=True, text=True, cwd=settings.ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([*admin, "ListUsers"], capture_output=True, text=True, cwd=settings.ROOT, timeout=60)
    assert [u["UserStatus"] for u in json.loads(listed.stdout)["Users"]] == ["CONFIRMED"]
    wrong = subprocess.run(
        [*admin, "AdminGetUser", "{}"], capture_output=True, text=True, cwd=settings.ROOT, timeout=60
    )
    assert wrong.returncode == 1 and json.loads(wrong.stdout)["__type"] == "UserNotFoundException"

    pool = provider()
    user.password = "N3w-passw0rd"
    pool.refresh(user)


def sub_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def test_no_one_changes_a_sub_and_the_kept_one_is_what_a_start_restores(provider: Provider, tmp_path: Path) -> None:
    pool = provider()
    mallory, bob = pool.new_user(), pool.new_user()
    theirs, own = sub_of(bob.id_token), sub_of(mallory.id_token)
    sign_in = {"ClientId": pool.client_id, "AuthFlow": "USER_PASSWORD_AUTH"}
    access = pool.call(
        "InitiateAuth", **sign_in, AuthParameters={"USERNAME": mallory.email, "PASSWORD": mallory.password}
    )["AuthenticationResult"]["AccessToken"]
    take = [{"Name": "sub", "Value": theirs}]
    assert call(pool, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": take}).status_code >= 400
    sign_up = {
        "ClientId": pool.client_id,
        "Username": "x@example.com",
        "Password": "Passw0rd-x",
        "UserAttributes": take,
    }
    refused = call(pool, "SignUp", sign_up)
    assert refused.status_code == 400 and "never changes" in refused.json()["message"]
    provider.kill()
    admin = [sys.executable, "-m", "devtools.local.idp", "admin", "--data-dir", str(tmp_path)]
    for action, parameters in [
        ("AdminUpdateUserAttributes", {"Username": mallory.email, "UserAttributes": take}),
        ("AdminDeleteUserAttributes", {"Username": mallory.email, "UserAttributeNames": ["sub"]}),
    ]:
        done = subprocess.run([*admin, action, json.dumps(parameters)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and json.loads(done.stdout)["__type"] == "InvalidParameterException"

    saved = json.loads((tmp_path / "users.json").read_text())["users"]
    assert {user["sub"] for user in saved} == {own, theirs}
    assert not any("sub" in user["attributes"] for user in saved)
    pool = provider()
    assert sub_of(pool.refresh(mallory).id_token) == own
    assert sub_of(pool.refresh(bob).id_token) == theirs


def older_user(email: str, password: str, sub: str) -> dict[str, object]:
    """A user as users.json kept them before: the password in clear, the sub among the attributes."""
    attributes = {"email": email, "email_verified": "true", "sub": sub}
    return {"username": sub, "password": password, "status": "CONFIRMED", "enabled": True, "attributes": attributes}


def test_a_users_file_in_which_two_users_share_a_sub_is_refused_with_the_way_out(
    provider: Provider, tmp_path: Path
) -> None:
    shared = "5d7f5a4c-0000-4000-8000-000000000001"
    users = [older_user("bob@example.com", "Passw0rd-bob", shared), older_user("eve@example.com", "Passw0rd-eve", "x")]
    users[1]["attributes"] = {"email": "eve@example.com", "sub": shared}  # what a self-service write left behind
    (tmp_path / "users.json").write_text(json.dumps({"users": users}))
    with pytest.raises(supervise.StartError, match="exited with status 1"):
        provider()
    said = (tmp_path / "idp.log").read_text()
    assert f"bob@example.com and eve@example.com have the same sub {shared}" in said
    assert "Remove the user who should not have it" in said and "Traceback" not in said


def test_the_stack_tells_that_a_users_file_is_refused_before_it_starts_anything(tmp_path: Path) -> None:
    twins = [older_user(f"{name}@example.com", "Passw0rd-x", "same-sub") for name in ("bob", "eve")]
    (tmp_path / "idp").mkdir()
    (tmp_path / "idp" / "users.json").write_text(json.dumps({"users": twins}))
    stack = Stack(data_dir=tmp_path, with_ui=False)
    with pytest.raises(ProviderDataError) as refused:
        stack.start()
    assert "bob@example.com and eve@example.com have the same sub same-sub" in str(refused.value)
    assert stack.children == []


def test_users_from_before_sign_in_as_before_and_their_passwords_leave_the_disk(
    provider: Provider, tmp_path: Path
) -> None:
    sub = "0b6c1c52-9f6e-4a4e-9a55-0a1b2c3d4e5f"
    (tmp_path / "users.json").write_text(json.dumps({"users": [older_user("old@example.com", "Passw0rd-old", sub)]}))
    pool = provider()
    kept = json.loads((tmp_path / "users.json").read_text())
    assert kept["format"] == 2 and "Passw0rd-old" not in json.dumps(kept)
    assert [(user["sub"], user["password_hash"][:7]) for user in kept["users"]] == [(sub, "scrypt$")]
    id_token, _ = pool.sign_in("old@example.com", "Passw0rd-old")
    assert sub_of(id_token) == sub
    with pytest.raises(AccountError) as wrong:
        pool.sign_in("old@example.com", "Passw0rd-new")
    assert wrong.value.code == "NotAuthorizedException"


def test_no_password_in_clear_under_the_data_folder_which_is_its_owners_alone(
    provider: Provider, tmp_path: Path
) -> None:
    provider.data_dir = tmp_path / "idp"  # made by the provider
    pool = provider()
    user = pool.new_user("Passw0rd-secret1")
    pool.sign_up("pending@example.com", "Passw0rd-secret2")
    leaked = {"Action": "InitiateAuth", "USERNAME": user.email, "PASSWORD": "Passw0rd-secret3"}
    assert requests.get(f"{pool.endpoint}/", params=leaked, timeout=10).status_code == 404
    provider.kill()  # the log is whole

    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert {"users.json", "pool.json", "idp.log"} <= {path.name for path in files}
    for path in files:
        text = path.read_bytes()
        assert not any(f"Passw0rd-secret{n}".encode() in text for n in (1, 2, 3)), path
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert provider.data_dir.stat().st_mode & 0o777 == 0o700
    assert '"GET /" 404' in provider.log.read_text()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack without the UI, on a data folder an older version left open to others."""
    data_dir = tmp_path_factory.mktemp("stack") / "data"
    (data_dir / "logs").mkdir(parents=True)
    for folder in (data_dir, data_dir / "logs"):
        folder.chmod(0o755)
    (data_dir / "logs" / "idp.log").write_text("older lines\n")
    (data_dir / "logs" / "idp.log").chmod(0o644)
    with Stack(data_dir=data_dir, with_ui=False) as running:
        yield running


def test_the_stacks_data_folder_and_all_in_it_are_its_owners_alone(stack: Stack) -> None:
    user = stack.pool().new_user()
    assert (
        requests.post(
            f"{stack.api_url}/todos", json={"title": "t", "memo": "", "priority": 1}, headers=user.headers(), timeout=10
        ).status_code
        == 201
    )
    seen = {path.relative_to(stack.data_dir).as_posix() for path in stack.data_dir.rglob("*")}
    assert {"idp/users.json", "logs/idp.log", "logs/api.log"} <= seen
    for path in [stack.data_dir, *stack.data_dir.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path


def motos_sample_key() -> Any:
    """The private key moto signs with: part of every moto install, so anyone's."""
    resources = Path(moto.cognitoidp.__file__).with_name("resources")
    key = json.loads(gzip.decompress((resources / "jwks-private.json.gz").read_bytes()))
    return jwt.PyJWK(key["keys"][0] if "keys" in key else key).key


def test_tokens_are_signed_with_this_installations_own_key_kept_across_restarts(
    provider: Provider, tmp_path: Path
) -> None:
    pool = provider()
    user = pool.new_user()
    assert (tmp_path / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    pool = provider()
    jwks = jwt.PyJWKClient(f"{pool.endpoint}/{pool_id(tmp_path)}/.well-known/jwks.json")
    [served] = jwks.get_signing_keys()
    assert jwt.get_unverified_header(user.id_token)["kid"] == served.key_id != "dummy"
    jwt.decode(user.id_token, served.key, algorithms=["RS256"], audience=pool.client_id)  # a token from before
    assert served.key.public_numbers() != motos_sample_key().public_key().public_numbers()

    other = Provider(tmp_path / "another")
    other.log = tmp_path / "another.log"
    try:
        elsewhere = jwt.get_unverified_header(other().new_user().id_token)["kid"]
    finally:
        other.kill()
    assert elsewhere != served.key_id


def test_a_token_signed_with_motos_sample_key_is_401_at_the_api(stack: Stack) -> None:
    bob = stack.pool().new_user()
    todos = f"{stack.api_url}/todos"
    mine = requests.post(todos, json={"title": "bob's", "memo": "", "priority": 1}, headers=bob.headers(), timeout=10)
    assert mine.status_code == 201
    claims = {**jwt.decode(bob.id_token, options={"verify_signature": False}), "exp": int(time.time()) + 600}
    forged = jwt.encode(claims, motos_sample_key(), algorithm="RS256", headers={"kid": "dummy"})
    answer = requests.get(todos, headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["Code"] == "UnauthorizedError"
    assert [todo["title"] for todo in requests.get(todos, headers=bob.headers(), timeout=10).json()] == ["bob's"]
