"""The local identity provider as the stack runs it: the dev stage's ids, this machine only, users kept on disk."""

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests

from devtools import settings, supervise
from devtools.accounts import AccountError, Pool
from tests.local.conftest import assert_contract_error, assert_timed_out, connect, read_answer

UI_ORIGIN = "http://127.0.0.1:8002"
TARGET = "AWSCognitoIdentityProviderService."
MEDIA_TYPE = "application/x-amz-json-1.1"


class Provider:
    """``python -m devtools.idp`` on a free port with one data folder: each call starts it, replacing the last."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, supervise.free_port()
        self.running: list[supervise.Process] = []

    def __call__(self, *options: str) -> Pool:
        self.kill()
        args = [
            *("-m", "devtools.idp", "--port", str(self.port), "--data-dir", str(self.data_dir)),
            *("--allow-origin", UI_ORIGIN, "--region", "us-east-1", *options),
        ]
        process = supervise.spawn([sys.executable, *args], log_path=self.data_dir / "idp.log", cwd=settings.ROOT)
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
    admin = [sys.executable, "-m", "devtools.idp", "admin", "--data-dir", str(tmp_path)]
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
