"""The page's decisions (frontend/src/todoui/flows.py) under CPython: what comes next after each answer."""

import pytest
from todoui import account, flows, remote, texts

NEXT = '</todos?cursor=abc>; rel="next"'


def failure(status, body=None):
    return remote.describe_failure(status, body, None)


def provider_failure(name, refreshing=False):
    return account.describe_failure(400, {"__type": name}, None, refreshing)


def test_the_page_needs_the_apis_url_and_takes_accounts_only_when_the_provider_is_named():
    auth = {"clientId": "c", "userPoolId": "us-east-1_p", "region": "us-east-1"}
    settings = flows.page_settings({"apiUrl": "http://127.0.0.1:8000/", "auth": auth})
    assert settings["apiUrl"] == "http://127.0.0.1:8000/"
    assert settings["auth"]["clientId"] == "c"
    assert flows.page_settings({"apiUrl": "http://127.0.0.1:8000/"})["auth"] is None
    for broken in [None, "x", [], {}, {"apiUrl": ""}, {"apiUrl": 8000}]:
        assert flows.page_settings(broken) is None


def test_paging_follows_link_next_and_stops_at_the_last_page():
    assert flows.page_step(1, True, NEXT) == {"next": "/todos?cursor=abc", "failed": False}
    assert flows.page_step(2, True, None) == {"next": None, "failed": False}
    assert flows.page_step(2, True, '</todos?cursor=abc>; rel="prev"') == {"next": None, "failed": False}


def test_paging_stops_as_a_failure_at_a_page_that_is_not_a_list():
    assert flows.page_step(1, False, None) == {"next": None, "failed": True}
    assert flows.page_step(3, False, NEXT) == {"next": None, "failed": True}


def test_paging_stops_as_a_failure_when_the_chain_of_pages_would_go_past_the_limit():
    assert flows.page_step(flows.MAX_PAGES - 1, True, NEXT)["next"] is not None
    assert flows.page_step(flows.MAX_PAGES, True, NEXT) == {"next": None, "failed": True}
    # The last allowed page may still end the list.
    assert flows.page_step(flows.MAX_PAGES, True, None) == {"next": None, "failed": False}


def test_a_list_refused_for_want_of_a_token_says_to_sign_in_and_any_other_failure_that_it_did_not_load():
    assert flows.list_failure_text(401) == texts.LIST_NEEDS_SIGN_IN
    for status in [None, 400, 500, 503]:
        assert flows.list_failure_text(status) == texts.LIST_FAILED


@pytest.mark.parametrize(
    "status, step",
    [(404, flows.DROP_ROW), (412, flows.RELOAD_ROW), (503, flows.SHOW), (None, flows.SHOW), (400, flows.SHOW)],
)
def test_a_failed_row_action_drops_a_gone_row_reloads_a_stale_one_and_otherwise_only_says_why(status, step):
    assert flows.row_failure_step(failure(status)) == step


def test_a_stale_edit_is_reloaded_and_keeps_what_was_typed():
    stale = failure(412)
    assert flows.save_failure_step(stale, True) == flows.RELOAD_AND_KEEP
    step = flows.after_reload({"id": "a", "version": 3})
    assert step == flows.RELOAD_AND_KEEP
    assert flows.save_failure_text(step, stale) == texts.STALE + texts.KEPT_AFTER_STALE


def test_a_stale_edit_whose_todo_went_meanwhile_switches_to_creating_it():
    assert flows.after_reload(None) == flows.SWITCH_TO_CREATE
    assert flows.save_failure_text(flows.SWITCH_TO_CREATE, failure(412)) == texts.MISSING + texts.KEPT_AFTER_MISSING


def test_an_edit_of_a_todo_deleted_elsewhere_switches_to_creating_it():
    missing = failure(404)
    assert flows.save_failure_step(missing, True) == flows.SWITCH_TO_CREATE
    assert flows.save_failure_text(flows.SWITCH_TO_CREATE, missing) == texts.MISSING + texts.KEPT_AFTER_MISSING


@pytest.mark.parametrize("status", [None, 400, 401, 503, 500])
def test_other_failed_saves_only_say_why_and_the_form_keeps_its_text(status):
    refused = failure(status, {"Code": "BadRequestError", "Message": "BadRequestError: memo must be a string."})
    assert flows.save_failure_step(refused, True) == flows.SHOW
    assert flows.save_failure_text(flows.SHOW, refused) == refused["text"]


def test_a_new_todo_is_never_switched_or_reloaded_whatever_the_api_says():
    for status in [404, 412]:
        assert flows.save_failure_step(failure(status), False) == flows.SHOW


def test_a_401_ends_a_session_that_was_sent_asks_for_sign_in_without_one_and_means_nothing_without_accounts():
    assert flows.on_unauthorized(True, True) == flows.EXPIRE
    assert flows.on_unauthorized(True, False) == flows.ASK_SIGN_IN
    assert flows.on_unauthorized(False, False) == flows.IGNORE
    assert flows.on_unauthorized(False, True) == flows.IGNORE


def test_a_refresh_renews_ends_the_session_when_refused_and_tries_again_later_when_offline():
    renewed = {"idToken": "i"}
    assert flows.after_refresh(None, renewed) == flows.RENEWED
    assert flows.after_refresh(provider_failure("NotAuthorizedException", True), None) == flows.EXPIRE
    # An answer without usable tokens ends it too.
    assert flows.after_refresh(None, None) == flows.EXPIRE
    offline = account.describe_failure(None, None, None, True)
    assert flows.after_refresh(offline, None) == flows.RETRY_LATER
    assert flows.after_refresh(provider_failure("TooManyRequestsException", True), None) == flows.RETRY_LATER


def test_after_sign_up_the_code_is_asked_for_unless_the_provider_confirmed_the_account_already():
    step = flows.after_sign_up({"UserConfirmed": False}, None, " a@example.com ")
    assert step == {
        "then": flows.STAY,
        "mode": account.CONFIRM,
        "error": None,
        "note": texts.fill(texts.CODE_SENT, ["a@example.com"]),
    }
    assert flows.after_sign_up({"UserConfirmed": True}, None, "a@example.com")["then"] == flows.SIGN_IN


def test_a_sign_up_with_a_known_address_turns_to_sign_in_and_other_refusals_stay():
    known = provider_failure("UsernameExistsException")
    assert flows.after_sign_up(None, known, "a@b") == {
        "then": flows.STAY,
        "mode": account.SIGN_IN,
        "error": texts.ALREADY_REGISTERED,
        "note": None,
    }
    weak = flows.after_sign_up(None, provider_failure("InvalidPasswordException"), "a@b")
    assert (weak["then"], weak["mode"]) == (flows.STAY, None)
    assert weak["error"] == account.MESSAGES["InvalidPasswordException"]


def test_a_confirmed_code_signs_in_and_a_wrong_one_stays():
    assert flows.after_confirm(None)["then"] == flows.SIGN_IN
    wrong = flows.after_confirm(provider_failure("CodeMismatchException"))
    assert (wrong["then"], wrong["mode"], wrong["error"]) == (
        flows.STAY,
        None,
        account.MESSAGES["CodeMismatchException"],
    )


def test_sign_in_finishes_asks_for_a_code_or_for_a_new_password_by_the_providers_answer():
    assert flows.after_sign_in({"AuthenticationResult": {"IdToken": "i"}}, None)["then"] == flows.FINISH
    unconfirmed = flows.after_sign_in(None, provider_failure("UserNotConfirmedException"))
    assert (unconfirmed["then"], unconfirmed["mode"]) == (flows.STAY, account.CONFIRM)
    challenge = flows.after_sign_in({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s"}, None)
    assert (challenge["then"], challenge["mode"], challenge["error"]) == (flows.STAY, account.NEW_PASSWORD, None)
    wrong = flows.after_sign_in(None, provider_failure("NotAuthorizedException"))
    assert (wrong["then"], wrong["mode"], wrong["error"]) == (flows.STAY, None, texts.WRONG_PASSWORD)


def test_a_new_password_finishes_and_a_request_that_ran_out_goes_back_to_sign_in():
    assert flows.after_new_password(None)["then"] == flows.FINISH
    ran_out = flows.after_new_password(provider_failure("NotAuthorizedException"))
    assert (ran_out["then"], ran_out["mode"], ran_out["error"]) == (
        flows.STAY,
        account.SIGN_IN,
        texts.CHALLENGE_EXPIRED,
    )
    weak = flows.after_new_password(provider_failure("InvalidPasswordException"))
    assert (weak["mode"], weak["error"]) == (None, account.MESSAGES["InvalidPasswordException"])


LOCAL_AUTH = {"clientId": "c", "userPoolId": "us-east-1_p", "region": "us-east-1", "endpoint": "http://127.0.0.1:8003"}


def test_only_the_dev_stages_local_provider_is_local():
    assert flows.page_settings({"apiUrl": "http://a/", "stage": "dev", "auth": LOCAL_AUTH})["local"] is True
    deployed = {key: value for key, value in LOCAL_AUTH.items() if key != "endpoint"}
    assert flows.page_settings({"apiUrl": "http://a/", "stage": "dev", "auth": deployed})["local"] is False
    assert flows.page_settings({"apiUrl": "http://a/", "stage": "prod", "auth": LOCAL_AUTH})["local"] is False
    assert flows.page_settings({"apiUrl": "http://a/", "auth": LOCAL_AUTH})["local"] is False
    assert flows.page_settings({"apiUrl": "http://a/", "stage": "dev"})["local"] is False


def test_where_no_mail_is_sent_the_steps_after_sign_up_say_so_and_nowhere_else():
    local = flows.after_sign_up({"UserConfirmed": False}, None, "a@example.com", True)
    assert local["note"] == texts.fill(texts.CREATED_LOCAL, ["a@example.com"])
    deployed = flows.after_sign_up({"UserConfirmed": False}, None, "a@example.com", False)
    assert deployed["note"] == texts.fill(texts.CODE_SENT, ["a@example.com"])
    assert (
        "メールに届いた" not in flows.after_sign_in(None, provider_failure("UserNotConfirmedException"), True)["error"]
    )
    assert (
        flows.after_sign_in(None, provider_failure("UserNotConfirmedException"), False)["error"]
        == (account.MESSAGES["UserNotConfirmedException"])
    )


def test_a_resent_code_is_announced_and_the_local_provider_which_sends_no_mail_offers_no_resend():
    assert flows.offers_resend(False) is True
    assert flows.offers_resend(True) is False
    assert flows.after_resend(None, "a@b")["note"] == texts.fill(texts.CODE_SENT_AGAIN, ["a@b"])
    busy = flows.after_resend(provider_failure("LimitExceededException"), "a@b")
    assert (busy["error"], busy["note"]) == (texts.BUSY, None)


def test_a_notice_fades_after_a_few_seconds_one_with_undo_later_and_one_held_waits():
    assert 3 <= flows.notice_seconds(False) <= 8
    assert flows.notice_seconds(True) >= 2 * flows.notice_seconds(False)
    assert flows.notice_seconds(True, True) == flows.notice_seconds(False, True) == flows.HELD_NOTICE_SECONDS
