"""The page's decisions: what comes next after each answer, as plain functions of what happened.

The parts of the page (``page/``) ask these and carry the answers out; the
tests ask them too, without a browser.
"""

from todoui import account, model, remote, texts

# Without ``limit`` the API answers up to 1000 items a page; this bounds a
# misbehaving server's endless ``Link`` chain.
MAX_PAGES = 100

# After the todo dialog's save failed.
RELOAD_AND_KEEP = "reload-and-keep"  # changed elsewhere: reload it, keep what was typed; saving overwrites
SWITCH_TO_CREATE = "switch-to-create"  # deleted elsewhere: drop its row; saving creates it anew
SHOW = "show"  # say why; the form keeps its text

# After a row's checkbox or delete button failed.
DROP_ROW = "drop-row"
RELOAD_ROW = "reload-row"

# How long a notice stays before it fades: time to read it, and with 元に戻す time to use it.
NOTICE_SECONDS = 5
UNDO_NOTICE_SECONDS = 12
# A notice under the pointer or holding the focus waits this much longer, again and again.
HELD_NOTICE_SECONDS = 2

# After the account dialog's call to the provider.
STAY = "stay"  # the dialog stays open: show the error or note, in the mode given
SIGN_IN = "sign-in"  # sign in with the e-mail and password just typed
FINISH = "finish"  # the answer holds the tokens: start the session

# After the API refused a token (401).
EXPIRE = "expire"  # the session the page had is over: forget it, ask to sign in
ASK_SIGN_IN = "ask-sign-in"  # no one was signed in and the API wants someone
IGNORE = "ignore"  # no accounts: nothing to sign in to

# After the silent token refresh.
RENEWED = "renewed"
RETRY_LATER = "retry-later"  # no network: the token still works until it ends


def page_settings(config):
    """The page's configuration, checked: ``{"apiUrl", "auth", "local"}``, or None when it names no API.

    ``auth`` is None when the page has no accounts (``account.provider_settings``).
    ``local``: the identity provider is the local stack's, which sends no mail
    and takes any code; only the dev stage names one (``auth.endpoint``).
    """
    if not model.is_record(config):
        return None
    api_url = config.get("apiUrl")
    if not isinstance(api_url, str) or len(api_url) == 0:
        return None
    auth = account.provider_settings(config.get("auth"))
    local = config.get("stage") == "dev" and auth is not None and auth.get("endpoint") is not None
    return {"apiUrl": api_url, "auth": auth, "local": local}


def page_step(pages, listed, link):
    """After page number ``pages`` of the list answered: ``{"next": URL reference or None, "failed": bool}``.

    ``listed``: the answer was a 200 with a JSON array; ``link``: its
    ``Link`` header. Paging stops at the last page, at a failed one, and
    after ``MAX_PAGES`` (a chain that never ends is a failure).
    """
    if not listed:
        return {"next": None, "failed": True}
    following = remote.next_link(link)
    if following is None:
        return {"next": None, "failed": False}
    if pages >= MAX_PAGES:
        return {"next": None, "failed": True}
    return {"next": following, "failed": False}


def list_failure_text(status):
    """The line under a list that could not load; a 401 means the sign-in dialog is already asking."""
    return texts.LIST_NEEDS_SIGN_IN if status == 401 else texts.LIST_FAILED


def row_failure_step(failure):
    """What a row does after its checkbox or delete failed: drop itself, reload itself, or only show why."""
    if failure["kind"] == remote.MISSING:
        return DROP_ROW
    if failure["kind"] == remote.STALE:
        return RELOAD_ROW
    return SHOW


def save_failure_step(failure, editing):
    """What the todo dialog does after its save failed; ``editing``: it was saving changes to a listed todo."""
    if editing and failure["kind"] == remote.STALE:
        return RELOAD_AND_KEEP
    if editing and failure["kind"] == remote.MISSING:
        return SWITCH_TO_CREATE
    return SHOW


def after_reload(latest):
    """After a stale todo was reloaded for the dialog: keep editing it, or create it anew when it went."""
    return RELOAD_AND_KEEP if latest is not None else SWITCH_TO_CREATE


def save_failure_text(step, failure):
    """The dialog's message after a failed save, once ``step`` is carried out."""
    if step == RELOAD_AND_KEEP:
        return texts.STALE + texts.KEPT_AFTER_STALE
    if step == SWITCH_TO_CREATE:
        return texts.MISSING + texts.KEPT_AFTER_MISSING
    return failure["text"]


def on_unauthorized(accounts, had_token):
    """What a 401 from the API leads to."""
    if not accounts:
        return IGNORE
    return EXPIRE if had_token else ASK_SIGN_IN


def after_refresh(failure, renewed):
    """After the silent refresh: ``renewed`` is the new session, or None when the answer held none."""
    if failure is None and renewed is not None:
        return RENEWED
    if failure is None or failure["kind"] == account.SIGNED_OUT:
        # Refused, or answered without usable tokens: the session is over.
        return EXPIRE
    return RETRY_LATER


def notice_seconds(can_undo, held=False):
    """Seconds until a notice fades; ``held``: the pointer is on it or the focus in it."""
    if held:
        return HELD_NOTICE_SECONDS
    return UNDO_NOTICE_SECONDS if can_undo else NOTICE_SECONDS


def _step(then, mode=None, error=None, note=None):
    return {"then": then, "mode": mode, "error": error, "note": note}


def after_sign_up(result, failure, email, local=False):
    """The account dialog's next step after ``SignUp`` answered; ``local``: the provider sends no mail."""
    if failure is not None:
        mode = account.SIGN_IN if failure["name"] == "UsernameExistsException" else None
        return _step(STAY, mode, failure["text"])
    if result.get("UserConfirmed") is True:
        return _step(SIGN_IN)
    return _step(
        STAY, account.CONFIRM, None, texts.fill(texts.CREATED_LOCAL if local else texts.CODE_SENT, [email.strip()])
    )


def after_confirm(failure):
    """After ``ConfirmSignUp``: sign in with what was typed at sign-up, or say why not."""
    if failure is not None:
        return _step(STAY, None, failure["text"])
    return _step(SIGN_IN)


def after_sign_in(result, failure, local=False):
    """After ``InitiateAuth`` with a password: the tokens, a code still to confirm, or a new password to set."""
    if failure is not None and failure["kind"] == account.NEEDS_CODE:
        return _step(STAY, account.CONFIRM, texts.UNCONFIRMED_LOCAL if local else failure["text"])
    if failure is not None:
        return _step(STAY, None, failure["text"])
    if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        return _step(STAY, account.NEW_PASSWORD)
    return _step(FINISH)


def offers_resend(local):
    """Whether the code step offers to send the code again: the local provider sends no mail, nor can it resend."""
    return not local


def after_resend(failure, email):
    """After ``ResendConfirmationCode``: say it went, or why not."""
    if failure is not None:
        return _step(STAY, None, failure["text"])
    return _step(STAY, None, None, texts.fill(texts.CODE_SENT_AGAIN, [email]))


def after_new_password(failure):
    """After ``RespondToAuthChallenge``; the provider's request for a new password runs out after a few minutes."""
    if failure is None:
        return _step(FINISH)
    if failure["name"] == "NotAuthorizedException":
        return _step(STAY, account.SIGN_IN, texts.CHALLENGE_EXPIRED)
    return _step(STAY, None, failure["text"])
