"""Accounts: what the page sends to the identity provider, what its answers mean, and when tokens run out.

The provider speaks Amazon Cognito's user pool API (Cognito itself when
deployed, a local stand-in under ``make run``): one POST per operation, named
by the ``X-Amz-Target`` header. Times are seconds since the epoch as floats;
``int()`` is avoided because Transcrypt's truncates to 32 bits.
"""

from todoui import model, texts

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# The page keeps its tokens here for the tab's life only (never localStorage).
STORAGE_KEY = "hobopy.session"
# Refresh this long before the ID token runs out, or a fifth of its life when that is shorter.
REFRESH_MARGIN = 300
# A token this close to its end is refreshed before a request rather than sent.
SEND_MARGIN = 30
# After a refresh that found no network, try again this much later.
RETRY_DELAY = 30
PASSWORD_MIN = 8

SIGN_IN = "sign-in"
SIGN_UP = "sign-up"
CONFIRM = "confirm"
NEW_PASSWORD = "new-password"  # an account made by an administrator: its temporary password must be replaced

# What the page does after a failed call to the provider.
RETRY = "retry"  # show the message; the form keeps its text
NEEDS_CODE = "needs-code"  # the account exists but its e-mail is not confirmed: ask for the code
SIGNED_OUT = "signed-out"  # the refresh token no longer works: sign in again

# What the page says for each of the provider's errors.
MESSAGES = {}
for _name in texts.PROVIDER_MESSAGES.keys():  # noqa: SIM118 (Transcrypt's dicts are iterated through keys())
    MESSAGES[_name] = texts.fill(texts.PROVIDER_MESSAGES[_name], [PASSWORD_MIN])


def _text(value):
    """``value`` when it is a non-empty string, else None."""
    if isinstance(value, str) and len(value.strip()) > 0:
        return value.strip()
    return None


def _is_number(value):
    if value is True or value is False or value is None:
        return False
    return isinstance(value, (int, float))


def provider_settings(auth):
    """The ``auth`` part of the page's configuration, checked: a dict, or None when accounts are off."""
    if not model.is_record(auth):
        return None
    client_id = _text(auth.get("clientId"))
    pool_id = _text(auth.get("userPoolId"))
    region = _text(auth.get("region"))
    if client_id is None or pool_id is None or region is None:
        return None
    return {"clientId": client_id, "userPoolId": pool_id, "region": region, "endpoint": _text(auth.get("endpoint"))}


def endpoint_url(settings):
    """Where the provider's API answers: the local endpoint when one is named, else Cognito in the region."""
    if settings.get("endpoint") is not None:
        return settings["endpoint"]
    return "https://cognito-idp." + settings["region"] + ".amazonaws.com/"


def target(operation):
    """The ``X-Amz-Target`` header that names an operation, e.g. ``InitiateAuth``."""
    return TARGET_PREFIX + operation


def sign_up_request(client_id, email, password):
    """The body of ``SignUp``: the e-mail is the user name and its attribute."""
    email = email.strip()
    return {
        "ClientId": client_id,
        "Username": email,
        "Password": password,
        "UserAttributes": [{"Name": "email", "Value": email}],
    }


def confirm_request(client_id, email, code):
    """The body of ``ConfirmSignUp`` with the code the e-mail brought."""
    return {"ClientId": client_id, "Username": email.strip(), "ConfirmationCode": code.strip()}


def resend_request(client_id, email):
    """The body of ``ResendConfirmationCode``."""
    return {"ClientId": client_id, "Username": email.strip()}


def password_request(client_id, email, password):
    """The body of ``InitiateAuth`` that signs in with e-mail and password."""
    return {
        "ClientId": client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": email.strip(), "PASSWORD": password},
    }


def new_password_request(client_id, challenge, password):
    """The body of ``RespondToAuthChallenge`` that replaces a temporary password.

    ``challenge``: the ``InitiateAuth`` answer that asked for it, and the e-mail typed.
    """
    parameters = challenge.get("ChallengeParameters")
    username = None
    if model.is_record(parameters):
        username = _text(parameters.get("USER_ID_FOR_SRP"))
        if username is None:
            username = _text(parameters.get("USERNAME"))
    return {
        "ClientId": client_id,
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": challenge.get("Session"),
        "ChallengeResponses": {
            "USERNAME": username if username is not None else challenge.get("email").strip(),
            "NEW_PASSWORD": password,
        },
    }


def refresh_request(client_id, refresh_token):
    """The body of ``InitiateAuth`` that trades the refresh token for a new ID token."""
    return {"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh_token}}


def form_problem(mode, values, local=False):
    """What keeps the account form from being sent (Japanese), or None; the provider still decides the rest.

    ``local``: the provider is the local stand-in, which sends no mail.
    """
    email = values["email"].strip()
    if mode == CONFIRM:
        if len(values["code"].strip()) == 0:
            return texts.ENTER_CODE_LOCAL if local else texts.ENTER_CODE
        return None
    if mode == NEW_PASSWORD:
        return _password_problem(values["password"])
    at = email.find("@")
    if len(email) == 0:
        return texts.ENTER_EMAIL
    if at <= 0 or at == len(email) - 1 or email.find(" ") >= 0:
        return texts.BAD_EMAIL
    if mode == SIGN_UP:
        return _password_problem(values["password"])
    if len(values["password"]) == 0:
        return texts.ENTER_PASSWORD
    return None


def _password_problem(password):
    if len(password) == 0:
        return texts.ENTER_PASSWORD
    if len(password) < PASSWORD_MIN:
        return texts.fill(texts.PASSWORD_TOO_SHORT, [PASSWORD_MIN])
    return None


def error_name(body, header):
    """The provider's error name (``NotAuthorizedException``) from the body's ``__type`` or the header."""
    name = None
    if body is not None and not isinstance(body, str) and not isinstance(body, list):
        name = _text(body.get("__type"))
    if name is None:
        name = _text(header)
    if name is None:
        return ""
    # The header adds ":<documentation URL>"; some answers prefix "<namespace>#".
    colon = name.find(":")
    if colon >= 0:
        name = name[:colon]
    hash_mark = name.rfind("#")
    if hash_mark >= 0:
        name = name[hash_mark + 1 :]
    return name


def describe_failure(status, body, header, refreshing=False):
    """``{"kind", "text", "name"}`` for a failed call to the provider; status None means nothing answered.

    ``refreshing``: the call was the silent token refresh, where a refused
    token means the session is over rather than a wrong password.
    """
    if status is None:
        return {"kind": RETRY, "text": texts.PROVIDER_NETWORK, "name": ""}
    name = error_name(body, header)
    if refreshing and (name == "NotAuthorizedException" or name == "UserNotFoundException"):
        return {"kind": SIGNED_OUT, "text": texts.EXPIRED, "name": name}
    kind = NEEDS_CODE if name == "UserNotConfirmedException" else RETRY
    text = MESSAGES.get(name)
    if text is None:
        text = texts.fill(texts.PROVIDER_FAILED, [name if len(name) > 0 else "HTTP " + str(status)])
    return {"kind": kind, "text": text, "name": name}


_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def token_payload(token):
    """The payload segment of a JWT as standard, padded base64 (for ``atob``), or None when it is not one.

    The page only reads the claims to show who is signed in and when the token
    ends; the API verifies the signature.
    """
    if not isinstance(token, str):
        return None
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) == 0 or len(parts[1]) % 4 == 1:
        return None
    converted = ""
    for char in parts[1]:
        index = _BASE64URL.find(char)
        if index < 0:
            return None
        converted += _BASE64[index]
    while len(converted) % 4 != 0:
        converted += "="
    return converted


def start_session(result, claims, now, previous=None, email=None):
    """The session an ``InitiateAuth`` answer starts, or renews when ``previous`` is the session refreshed.

    ``claims`` are the ID token's; ``email``, the address just signed in with,
    which names the user when given (the claims' ``email`` otherwise). The end
    is counted from ``ExpiresIn`` on this machine's clock, so a clock that is
    off does not matter. None when the answer holds no usable tokens.
    """
    if not model.is_record(result):
        return None
    tokens = result.get("AuthenticationResult")
    if not model.is_record(tokens):
        return None
    id_token = _text(tokens.get("IdToken"))
    lifetime = tokens.get("ExpiresIn")
    # A refresh answers no new refresh token: the old one goes on.
    refresh_token = _text(tokens.get("RefreshToken"))
    if refresh_token is None and previous is not None:
        refresh_token = previous["refreshToken"]
    if id_token is None or refresh_token is None or not _is_number(lifetime) or lifetime <= 0:
        return None
    if not model.is_record(claims):
        claims = {}
    margin = min(REFRESH_MARGIN, lifetime / 5)
    email = _text(email)
    if email is None:
        email = _text(claims.get("email"))
    if email is None and previous is not None:
        email = previous["email"]
    return {
        "idToken": id_token,
        "refreshToken": refresh_token,
        "expiresAt": now + lifetime,
        "refreshAt": now + lifetime - margin,
        "email": email if email is not None else "",
    }


def restore_session(record):
    """A session read back from storage (parsed JSON), or None when it is not one."""
    if not model.is_record(record):
        return None
    for name in ["idToken", "refreshToken"]:
        if _text(record.get(name)) is None:
            return None
    for name in ["expiresAt", "refreshAt"]:
        if not _is_number(record.get(name)):
            return None
    email = record.get("email")
    return {
        "idToken": record.get("idToken"),
        "refreshToken": record.get("refreshToken"),
        "expiresAt": record.get("expiresAt"),
        "refreshAt": record.get("refreshAt"),
        "email": email if isinstance(email, str) else "",
    }


def refresh_delay(session, now):
    """Seconds until the session should be refreshed (0: now)."""
    return max(0, session["refreshAt"] - now)


def usable(session, now):
    """Whether the ID token can still be sent, with room for the request to arrive before it ends."""
    return session is not None and now < session["expiresAt"] - SEND_MARGIN


def who_text(session, demo=False):
    """The header's line about who is signed in; ``demo``: the list shown is the local demo owner's."""
    if session is None:
        return texts.NOT_SIGNED_IN_DEMO if demo else texts.NOT_SIGNED_IN
    if len(session["email"]) > 0:
        return texts.fill(texts.SIGNED_IN_WITH, [session["email"]])
    return texts.SIGNED_IN


def dialog_text(mode, local=False):
    """``{"title", "submit", "lead"}`` of the account dialog in ``mode``; ``local``: no mail is sent, any code works."""
    if mode == SIGN_UP:
        return texts.SIGN_UP_DIALOG_LOCAL if local else texts.SIGN_UP_DIALOG
    if mode == NEW_PASSWORD:
        return texts.NEW_PASSWORD_DIALOG
    if mode == CONFIRM:
        return texts.CONFIRM_DIALOG_LOCAL if local else texts.CONFIRM_DIALOG
    return texts.SIGN_IN_DIALOG
