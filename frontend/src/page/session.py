"""The signed-in user's tokens: kept for the tab, refreshed before they end, sent with every API request."""

from todoui import account, flows, model, sync, texts

from page import http
from page.dom import as_dict, as_tree, now


def claims_of(token):
    """An ID token's claims (unverified: only to show who is signed in), or None."""
    payload = account.token_payload(token)
    if payload is None:
        return None
    try:
        binary = atob(payload)
        data = __new__(Uint8Array(binary.length))
        for index in range(binary.length):
            data[index] = binary.charCodeAt(index)
        return as_dict(JSON.parse(__new__(TextDecoder()).decode(data)))
    except:  # noqa: E722 (atob and JSON.parse throw JavaScript errors)
        return None


def id_claims(result):
    """The claims of the ID token in an ``InitiateAuth`` result, or None."""
    tokens = result.get("AuthenticationResult")
    if not model.is_record(tokens):
        return None
    return claims_of(tokens.get("IdToken"))


def stored():
    try:
        text = window.sessionStorage.getItem(account.STORAGE_KEY)
        if text == None:  # noqa: E711
            return None
        return account.restore_session(as_dict(JSON.parse(text)))
    except:  # noqa: E722 (storage may be switched off; JSON.parse throws JavaScript errors)
        return None


def store(session):
    try:
        if session is None:
            window.sessionStorage.removeItem(account.STORAGE_KEY)
        else:
            window.sessionStorage.setItem(account.STORAGE_KEY, JSON.stringify(session))
    except:  # noqa: E722 (without storage the session lives in memory only)
        pass


async def agree():
    return True


class Session:
    """Who is signed in (``current``, an ``account.start_session`` dict, or None) and the requests made as them.

    ``auth``: the identity provider's settings, None when there are no
    accounts. ``on_change()`` runs when the user changes; ``on_sign_in(text)``
    when the API wants someone to sign in; ``before_sign_out()`` (async) says
    whether signing out may go on, and ``on_sign_out(owner)`` runs after it
    (all set when the page is wired).
    """

    def __init__(self, auth):
        self.auth = auth
        self.on_change = lambda: None
        self.on_sign_in = lambda text: None
        self.before_sign_out = agree
        self.on_sign_out = lambda owner: None
        self.current = None
        self.claims = None  # the current ID token's claims
        self.timer = None
        self.refreshing = None  # the refresh under way, which concurrent requests wait for

    def start(self):
        if self.auth is not None:
            self.set(stored())

    def set(self, session):
        """Take ``session`` (None: signed out): keep it for this tab only, plan its refresh, tell the page."""
        self.current = session
        self.claims = None if session is None else claims_of(session["idToken"])
        store(session)
        self.plan_refresh(None if session is None else account.refresh_delay(session, now()))
        self.on_change()

    def plan_refresh(self, seconds):
        if self.timer is not None:
            clearTimeout(self.timer)
            self.timer = None
        if seconds is not None:
            self.timer = setTimeout(self.refresh, seconds * 1000)

    def start_from(self, result, email):
        """Sign in with an ``InitiateAuth`` answer; False when it holds no usable tokens."""
        session = account.start_session(result, id_claims(result), now(), None, email)
        if session is None:
            return False
        self.set(session)
        return True

    def owner(self):
        """Whose list the page shows: the signed-in person's ``sub``, or ``sync.ANONYMOUS``."""
        return sync.ANONYMOUS if self.current is None else sync.owner_of(self.claims)

    async def sign_out(self):
        """Forget the tokens, once ``before_sign_out`` agrees; False when the person chose to stay signed in."""
        if not await self.before_sign_out():
            return False
        owner = self.owner()
        self.set(None)
        self.on_sign_out(owner)
        return True

    def expire(self):
        self.set(None)
        self.on_sign_in(texts.EXPIRED)

    async def api(self, method, url, body, tag, none_match=None):
        """One request to the API as the signed-in user (refreshing the token first when it is about to end).

        A 401 asks for sign-in again; the caller still gets the reply and shows its message.
        """
        token = None
        if self.current is not None:
            if not account.usable(self.current, now()):
                await self.refresh()
            if self.current is None:
                # The session ended while refreshing: never fall back to no token (the demo owner's list).
                return http.refused(401)
            token = self.current["idToken"]
        reply = await http.send(method, url, body, tag, token, none_match)
        if reply is not None and reply.status == 401:
            step = flows.on_unauthorized(self.auth is not None, token is not None)
            if step == flows.EXPIRE:
                self.expire()
            elif step == flows.ASK_SIGN_IN:
                self.on_sign_in(texts.SIGN_IN_TO_USE)
        return reply

    async def refresh(self):
        """Renew the ID token with the refresh token; True when a usable session remains."""
        if self.current is None:
            return False
        if self.refreshing is None:
            self.refreshing = self.renew(self.current)
        try:
            return await self.refreshing
        finally:
            self.refreshing = None

    async def renew(self, session):
        body = account.refresh_request(self.auth["clientId"], session["refreshToken"])
        answer = await self.provider("InitiateAuth", body, True)
        if self.current is not session:
            return self.current is not None  # signed out or in again meanwhile
        result = answer[0]
        failure = answer[1]
        renewed = None if failure is not None else account.start_session(result, id_claims(result), now(), session)
        step = flows.after_refresh(failure, renewed)
        if step == flows.RENEWED:
            self.set(renewed)
            return True
        if step == flows.EXPIRE:
            self.expire()
            return False
        self.plan_refresh(account.RETRY_DELAY)
        return account.usable(self.current, now())

    async def provider(self, operation, body, refreshing=False):
        """One call to the identity provider: ``[result, None]``, or ``[None, failure]`` (account.describe_failure)."""
        reply = await http.call_provider(account.endpoint_url(self.auth), operation, body)
        if reply is None:
            return [None, account.describe_failure(None, None, None, refreshing)]
        data = as_dict(reply.data)
        if reply.status == 200:
            return [{} if data is None else as_tree(data), None]
        return [None, account.describe_failure(reply.status, data, reply.header("x-amzn-ErrorType"), refreshing)]
