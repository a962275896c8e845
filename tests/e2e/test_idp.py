"""The local identity provider as the stack runs it: the dev stage's ids, this machine only, users kept on disk."""

import json
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
import requests

from devtools import settings, supervise
from devtools.accounts import AccountError, Pool
from tests.local.conftest import assert_contract_error, assert_timed_out, connect, read_answer

UI_ORIGIN = "http://127.0.0.1:8002"
Start = Callable[..., Pool]


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Start]:
    """Starts ``python -m devtools.idp`` on a free port with one data folder; every start replaces the last."""
    port = supervise.free_port()
    running: list[supervise.Process] = []

    def start(*options: str) -> Pool:
        for process in running:
            process.send_signal(signal.SIGKILL)  # the users must already be on disk, whatever the way out
            process.wait()
        args = [
            sys.executable,
            "-m",
            "devtools.idp",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--allow-origin",
            UI_ORIGIN,
            "--region",
            "us-east-1",
            *options,
        ]
        process = supervise.spawn(args, log_path=tmp_path / "idp.log", cwd=settings.ROOT)
        running.append(process)
        supervise.wait_until(supervise.answers_http(settings.url(port)), process, "identity provider", 30)
        return Pool.from_data_dir(tmp_path, settings.url(port))

    yield start
    for process in running:
        supervise.stop(process)


def pool_id(data_dir: Path) -> str:
    return str(json.loads((data_dir / "pool.json").read_text())["userPoolId"])


def test_the_provider_creates_the_pool_and_client_the_dev_stage_trusts(provider: Start, tmp_path: Path) -> None:
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


def test_users_keep_their_password_status_and_sub_across_a_kill(provider: Start, tmp_path: Path) -> None:
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


def test_only_this_machine_and_the_ui_origin_are_answered(provider: Start) -> None:
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


def test_a_body_over_the_limit_is_413_before_it_is_read(provider: Start) -> None:
    port = port_of(provider())
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Length: 300000000\r\n\r\n{"
    )
    with connect(port) as sock:
        sock.sendall(head.encode())
        assert_contract_error(read_answer(sock), 413, "RequestEntityTooLargeError")


def test_a_client_that_stops_sending_is_408_and_let_go(provider: Start) -> None:
    port = port_of(provider("--request-timeout", "1"))
    with connect(port) as sock:
        assert_timed_out(sock, f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 50\r\n\r\n{{".encode(), 1)
