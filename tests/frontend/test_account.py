"""Accounts in the page (frontend/src/todoui/account.py) under CPython: requests, messages, token timing."""

import base64
import json

import pytest
from todoui import account, texts

CLIENT = "client123"
SETTINGS = {"region": "ap-northeast-1", "userPoolId": "ap-northeast-1_Abc", "clientId": CLIENT}


def jwt(claims):
    """A token shaped like Cognito's (the page never checks the signature: the API does)."""
    segment = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{segment}.c2lnbmF0dXJl"


def claims_of(token):
    payload = account.token_payload(token)
    return json.loads(base64.b64decode(payload).decode("utf-8"))


def result(id_token="id-token", expires_in=3600, refresh_token="refresh-token"):
    tokens = {"IdToken": id_token, "AccessToken": "access", "ExpiresIn": expires_in, "TokenType": "Bearer"}
    if refresh_token is not None:
        tokens["RefreshToken"] = refresh_token
    return {"AuthenticationResult": tokens, "ChallengeParameters": {}}


def test_the_provider_is_cognito_in_the_pools_region_unless_a_local_endpoint_is_named():
    assert account.endpoint_url(account.provider_settings(SETTINGS)) == (
        "https://cognito-idp.ap-northeast-1.amazonaws.com/"
    )
    local = account.provider_settings({**SETTINGS, "endpoint": "http://127.0.0.1:8003"})
    assert account.endpoint_url(local) == "http://127.0.0.1:8003"


@pytest.mark.parametrize(
    "auth",
    [None, "x", [], {}, {**SETTINGS, "clientId": ""}, {**SETTINGS, "region": None}, {**SETTINGS, "userPoolId": 3}],
)
def test_without_complete_provider_settings_the_page_offers_no_accounts(auth):
    assert account.provider_settings(auth) is None


def test_each_operation_is_named_in_the_target_header():
    assert account.target("InitiateAuth") == "AWSCognitoIdentityProviderService.InitiateAuth"
    assert account.CONTENT_TYPE == "application/x-amz-json-1.1"


def test_the_request_bodies_are_cognitos_with_the_email_as_user_name():
    assert account.sign_up_request(CLIENT, " a@example.com ", "Pw 1") == {
        "ClientId": CLIENT,
        "Username": "a@example.com",
        "Password": "Pw 1",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}],
    }
    assert account.confirm_request(CLIENT, "a@example.com", " 123456 ") == {
        "ClientId": CLIENT,
        "Username": "a@example.com",
        "ConfirmationCode": "123456",
    }
    assert account.password_request(CLIENT, "a@example.com", " pw ") == {
        "ClientId": CLIENT,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "a@example.com", "PASSWORD": " pw "},
    }
    assert account.refresh_request(CLIENT, "r") == {
        "ClientId": CLIENT,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": "r"},
    }
    assert account.resend_request(CLIENT, "a@example.com") == {"ClientId": CLIENT, "Username": "a@example.com"}


def test_a_temporary_password_is_replaced_for_the_user_the_provider_names():
    challenge = {
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": "s1",
        "ChallengeParameters": {"USER_ID_FOR_SRP": "4f1c-sub", "requiredAttributes": "[]"},
        "email": "a@example.com",
    }
    assert account.new_password_request(CLIENT, challenge, "New-passw0rd") == {
        "ClientId": CLIENT,
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": "s1",
        "ChallengeResponses": {"USERNAME": "4f1c-sub", "NEW_PASSWORD": "New-passw0rd"},
    }
    moto_like = {**challenge, "ChallengeParameters": {"USERNAME": "4f1c-sub"}}
    assert account.new_password_request(CLIENT, moto_like, "p")["ChallengeResponses"]["USERNAME"] == "4f1c-sub"
    bare = {**challenge, "ChallengeParameters": {}, "email": " a@example.com "}
    assert account.new_password_request(CLIENT, bare, "p")["ChallengeResponses"]["USERNAME"] == "a@example.com"


@pytest.mark.parametrize(
    "mode, values, problem",
    [
        (account.SIGN_IN, {"email": "", "password": "x", "code": ""}, "メールアドレスを入力してください。"),
        (account.SIGN_IN, {"email": "a@", "password": "x", "code": ""}, "メールアドレスの形式が正しくありません。"),
        (account.SIGN_IN, {"email": "@b", "password": "x", "code": ""}, "メールアドレスの形式が正しくありません。"),
        (account.SIGN_IN, {"email": "a b@c", "password": "x", "code": ""}, "メールアドレスの形式が正しくありません。"),
        (account.SIGN_IN, {"email": "a@b", "password": "", "code": ""}, "パスワードを入力してください。"),
        (account.SIGN_IN, {"email": "a@b", "password": "short", "code": ""}, None),
        (account.SIGN_UP, {"email": "a@b", "password": "short", "code": ""}, "パスワードは 8 文字以上にしてください。"),
        (account.SIGN_UP, {"email": "a@b", "password": "Longer12", "code": ""}, None),
        (account.CONFIRM, {"email": "", "password": "", "code": "  "}, "メールに届いた確認コードを入力してください。"),
        (account.CONFIRM, {"email": "", "password": "", "code": "123456"}, None),
        (account.NEW_PASSWORD, {"email": "", "password": "", "code": ""}, "パスワードを入力してください。"),
        (
            account.NEW_PASSWORD,
            {"email": "", "password": "Short1", "code": ""},
            "パスワードは 8 文字以上にしてください。",
        ),
        (account.NEW_PASSWORD, {"email": "", "password": "Longer12", "code": ""}, None),
    ],
)
def test_the_form_names_what_is_missing_before_anything_is_sent(mode, values, problem):
    assert account.form_problem(mode, values) == problem


@pytest.mark.parametrize(
    "body, header, name",
    [
        (
            {"__type": "NotAuthorizedException", "message": "Incorrect username or password."},
            None,
            "NotAuthorizedException",
        ),
        ({"__type": "com.amazonaws.cognito#CodeMismatchException"}, None, "CodeMismatchException"),
        (None, "UserNotConfirmedException:http://internal.amazon.com/coral/", "UserNotConfirmedException"),
        ("text", None, ""),
        ({}, None, ""),
    ],
)
def test_the_error_name_is_read_from_the_body_or_the_header(body, header, name):
    assert account.error_name(body, header) == name


@pytest.mark.parametrize(
    "name",
    [
        "UsernameExistsException",
        "NotAuthorizedException",
        "UserNotFoundException",
        "InvalidPasswordException",
        "CodeMismatchException",
        "ExpiredCodeException",
        "UserNotConfirmedException",
        "InvalidParameterException",
        "TooManyRequestsException",
        "LimitExceededException",
    ],
)
def test_every_usual_provider_error_is_a_japanese_message(name):
    failure = account.describe_failure(400, {"__type": name, "message": "English words"}, None)
    assert failure["text"] == account.MESSAGES[name]
    assert "English" not in failure["text"]
    assert any("\u3040" <= char <= "\u30ff" for char in failure["text"])
    assert failure["name"] == name


def test_an_unknown_account_reads_like_a_wrong_password_so_the_form_does_not_tell_who_has_one():
    unknown = account.describe_failure(400, {"__type": "UserNotFoundException"}, None)
    wrong = account.describe_failure(400, {"__type": "NotAuthorizedException"}, None)
    assert unknown["text"] == wrong["text"] == texts.WRONG_PASSWORD


def test_an_unconfirmed_account_goes_to_the_code_step_and_a_refused_refresh_ends_the_session():
    assert account.describe_failure(400, {"__type": "UserNotConfirmedException"}, None)["kind"] == account.NEEDS_CODE
    assert account.describe_failure(400, {"__type": "NotAuthorizedException"}, None)["kind"] == account.RETRY
    refused = account.describe_failure(400, {"__type": "NotAuthorizedException"}, None, True)
    assert refused["kind"] == account.SIGNED_OUT
    assert "もう一度ログイン" in refused["text"]


def test_no_answer_and_unknown_errors_still_give_a_message():
    assert account.describe_failure(None, None, None) == {
        "kind": account.RETRY,
        "text": texts.PROVIDER_NETWORK,
        "name": "",
    }
    assert account.describe_failure(None, None, None, True)["kind"] == account.RETRY
    assert "(HTTP 500)" in account.describe_failure(500, None, None)["text"]
    assert "(SomethingNewException)" in account.describe_failure(400, {"__type": "SomethingNewException"}, None)["text"]


@pytest.mark.parametrize("claims", [{"sub": "1", "email": "a@example.com", "exp": 1}, {"name": "山田 𩸽"}])
def test_the_tokens_payload_is_turned_into_padded_base64_for_the_browsers_atob(claims):
    assert claims_of(jwt(claims)) == claims


@pytest.mark.parametrize("token", [None, 3, "", "a.b", "a..c", "a.b.c.d", "a.b*c.d", "a.b!.c", "a.bcdef.c"])
def test_anything_that_is_not_a_jwt_has_no_payload(token):
    assert account.token_payload(token) is None


def test_a_session_counts_its_end_from_expires_in_on_this_machines_clock():
    session = account.start_session(result(), {"email": "a@example.com", "exp": 5}, 1000.0)
    assert session == {
        "idToken": "id-token",
        "refreshToken": "refresh-token",
        "expiresAt": 4600.0,
        "refreshAt": 4300.0,
        "email": "a@example.com",
    }
    assert account.refresh_delay(session, 1000.0) == 3300.0
    assert account.refresh_delay(session, 5000.0) == 0
    assert account.usable(session, 4569.0)
    assert not account.usable(session, 4570.0)
    assert not account.usable(None, 0)


def test_the_address_signed_in_with_names_the_user_before_the_tokens_claim():
    session = account.start_session(result(), {"email": "claim@example.com"}, 0.0, None, " typed@example.com ")
    assert session["email"] == "typed@example.com"
    assert account.start_session(result(), {"email": "claim@example.com"}, 0.0, None, "")["email"] == (
        "claim@example.com"
    )


def test_a_short_lived_token_is_refreshed_when_a_fifth_of_its_life_remains():
    session = account.start_session(result(expires_in=100), {}, 0.0)
    assert session["refreshAt"] == 80.0
    assert session["email"] == ""


def test_a_refresh_keeps_the_refresh_token_and_who_it_is():
    first = account.start_session(result(), {"email": "a@example.com"}, 0.0)
    renewed = account.start_session(result(id_token="new", refresh_token=None), None, 3000.0, first)
    assert (renewed["idToken"], renewed["refreshToken"], renewed["email"]) == ("new", "refresh-token", "a@example.com")
    assert renewed["expiresAt"] == 6600.0


@pytest.mark.parametrize(
    "answer",
    [
        None,
        {},
        {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s"},
        result(id_token=""),
        result(refresh_token=None),
        result(expires_in=0),
        result(expires_in="3600"),
        result(expires_in=True),
    ],
)
def test_an_answer_without_usable_tokens_starts_no_session(answer):
    assert account.start_session(answer, {}, 0.0) is None


def test_a_stored_session_comes_back_only_when_it_is_whole():
    session = account.start_session(result(), {"email": "a@example.com"}, 0.0)
    assert account.restore_session(json.loads(json.dumps(session))) == session
    assert account.restore_session({**session, "email": None})["email"] == ""
    for broken in (None, "x", [], {**session, "idToken": ""}, {**session, "refreshAt": "soon"}):
        assert account.restore_session(broken) is None


def test_the_header_says_who_is_signed_in_or_that_the_list_is_the_demo():
    session = account.start_session(result(), {"email": "a@example.com"}, 0.0)
    assert account.who_text(session) == "a@example.com でログイン中"
    assert account.who_text(None) == "ログインしていません"
    assert account.who_text(None, True) == "ログインしていません (デモの一覧を表示中)"


def test_each_dialog_mode_has_its_title_and_button():
    modes = (account.SIGN_IN, account.SIGN_UP, account.CONFIRM, account.NEW_PASSWORD)
    assert {mode: account.dialog_text(mode)["submit"] for mode in modes} == {
        account.SIGN_IN: "ログイン",
        account.SIGN_UP: "アカウントを作成",
        account.CONFIRM: "確認",
        account.NEW_PASSWORD: "設定してログイン",
    }


def test_only_the_local_providers_dialog_says_no_mail_is_sent_and_any_code_works():
    for mode in [account.SIGN_UP, account.CONFIRM]:
        assert "メールは送られません" in account.dialog_text(mode, True)["lead"]
        assert "メールは送られません" not in account.dialog_text(mode, False)["lead"]
        assert account.dialog_text(mode, True)["title"] == account.dialog_text(mode, False)["title"]
    assert "メールで送ります" in account.dialog_text(account.SIGN_UP)["lead"]
    for mode in [account.SIGN_IN, account.NEW_PASSWORD]:
        assert account.dialog_text(mode, True) == account.dialog_text(mode, False)
    empty = {"email": "", "password": "", "code": ""}
    assert account.form_problem(account.CONFIRM, empty, True) == texts.ENTER_CODE_LOCAL
    assert account.form_problem(account.CONFIRM, empty) == texts.ENTER_CODE
