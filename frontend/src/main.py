"""The page: DOM, fetch and events. What to show and what to send is decided in todoui.model and todoui.remote.

Only this module touches browser globals, and only when it runs, so nothing
here is imported by the tests: the browser tests drive it instead.
"""

from todoui import account, model, remote

REQUEST_TIMEOUT_MS = 10000
# Without ``limit`` the API answers up to 1000 items a page; this bounds a
# misbehaving server's endless ``Link`` chain.
MAX_PAGES = 100


def by_id(name):
    return document.getElementById(name)


def make(tag, class_name, text):
    node = document.createElement(tag)
    if class_name:
        node.className = class_name
    if text is not None:
        node.textContent = text
    return node


def as_dict(value):
    """A JSON object as a dict (the logic modules call ``.get``), or None for anything else."""
    if value == None or Object.prototype.toString.call(value) != "[object Object]":  # noqa: E711 (also undefined)
        return None
    return dict(value)


def as_tree(value):
    """Parsed JSON with every object, however deep, made a dict (``as_dict`` converts only the top)."""
    if Array.isArray(value):
        return [as_tree(item) for item in value]
    source = as_dict(value)
    if source is None:
        return value
    result = {}
    for key in source.keys():  # noqa: SIM118 (Transcrypt's dicts are iterated through keys())
        result[key] = as_tree(source[key])
    return result


def mark_busy(form, button, busy):
    """A form waiting for its answer: its button off, and busy for screen readers."""
    button.disabled = busy
    form.setAttribute("aria-busy", "true" if busy else "false")


def now():
    """Seconds since the epoch, as the account module counts them."""
    return Date.now() / 1000


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


class Reply:
    """An HTTP answer: its status, its headers and its parsed JSON body (None when it has none)."""

    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data

    def header(self, name):
        # Transcrypt turns .get into its dict method; js_get reaches the browser's Headers.get.
        value = self.headers.js_get(name)
        return None if value == None else value  # noqa: E711

    def succeeded(self):
        return self.status == 200 or self.status == 201


async def send(method, url, body, version_tag, token=None):
    """One request to the API with a timeout; a Reply, or None when nothing answered (offline, refused, timed out).

    ``token``: the ID token, sent as API Gateway's Cognito authorizer takes it.
    """
    headers = __new__(Headers())
    headers.set("Accept", "application/json")
    if body is not None:
        headers.set("Content-Type", "application/json")
    if version_tag is not None:
        headers.set("If-Match", version_tag)
    if token is not None:
        headers.set("Authorization", token)
    return await exchange(method, url, headers, None if body is None else JSON.stringify(body))


async def call_provider(endpoint, operation, body):
    """One call to the identity provider's API (Cognito's JSON protocol); a Reply or None."""
    headers = __new__(Headers())
    headers.set("Content-Type", account.CONTENT_TYPE)
    headers.set("X-Amz-Target", account.target(operation))
    return await exchange("POST", endpoint, headers, JSON.stringify(body))


async def exchange(method, url, headers, text_body):
    # Plain JS objects: a Transcrypt dict is iterable, and fetch would take it for a list of pairs.
    options = Object()
    options.method = method
    options.headers = headers
    options.cache = "no-store"
    if text_body is not None:
        options.body = text_body
    controller = __new__(AbortController())
    options.signal = controller.signal
    timer = setTimeout(lambda: controller.abort(), REQUEST_TIMEOUT_MS)
    try:
        response = await fetch(url, options)
        text = await response.text()
    except:  # noqa: E722 (fetch rejects with JavaScript errors, which no Python class matches)
        return None
    finally:
        clearTimeout(timer)
    data = None
    if len(text) > 0:
        try:
            data = JSON.parse(text)
        except:  # noqa: E722
            data = None
    return Reply(response.status, response.headers, data)


def id_claims(result):
    """The claims of the ID token in an ``InitiateAuth`` result, or None."""
    tokens = result.get("AuthenticationResult")
    if tokens is None or isinstance(tokens, (str, list)):
        return None
    return claims_of(tokens.get("IdToken"))


def failure_of(reply):
    if reply is None:
        return remote.describe_failure(None, None, None)
    return remote.describe_failure(reply.status, as_dict(reply.data), reply.header("Retry-After"))


class App:
    """The todo list page."""

    def __init__(self, api_url, auth):
        self.api_url = api_url
        self.auth = auth  # the identity provider's settings; None: no accounts
        self.session = None  # the signed-in user's tokens (account.start_session)
        self.demo = False  # the list shown is the local demo owner's
        self.refresh_timer = None
        self.refreshing = None  # the refresh under way, which concurrent requests wait for
        self.auth_mode = account.SIGN_IN
        self.auth_opener = None
        self.pending = None  # e-mail and password between sign-up and the code, to sign in after it
        self.challenge = None  # the provider's request for a new password, and the e-mail typed
        self.todos = []
        self.editing = None  # the todo the dialog edits; None while it creates one
        self.opener = None  # what had focus before the dialog opened
        self.focus_after = None  # the id of the element to focus when the dialog closes
        self.last_deleted = None
        self.table = by_id("todo-table")
        self.rows = by_id("todo-list")
        self.status = by_id("list-status")
        self.reload_button = by_id("reload-button")
        self.dialog = by_id("input-form")
        self.form = by_id("todo-form")
        self.title_input = by_id("modal-todo-title")
        self.memo_input = by_id("modal-todo-memo")
        self.priority_input = by_id("modal-todo-priority")
        self.register_button = by_id("register-button")
        self.form_error = by_id("form-error")
        self.banner = by_id("error-banner")
        self.notice = by_id("notice")
        self.notice_action = by_id("notice-action")
        self.form_note = by_id("form-note")
        self.auth_dialog = by_id("auth-dialog")
        self.auth_form = by_id("auth-form")
        self.email_input = by_id("auth-email")
        self.password_input = by_id("auth-password")
        self.code_input = by_id("auth-code")
        self.auth_submit = by_id("auth-submit")

    def start(self):
        for pair in model.priority_options():
            option = make("option", None, pair[1])
            option.value = pair[0]
            self.priority_input.appendChild(option)
        by_id("new-todo").addEventListener("click", self.open_new)
        self.rows.addEventListener("click", self.on_rows_click)
        self.rows.addEventListener("change", self.on_rows_change)
        self.form.addEventListener("submit", self.on_submit)
        self.form.addEventListener("input", self.show_hints)
        self.memo_input.addEventListener("keydown", self.on_memo_key)
        by_id("cancel-button").addEventListener("click", self.close_dialog)
        self.dialog.addEventListener("close", self.on_dialog_closed)
        by_id("error-dismiss").addEventListener("click", self.hide_banner)
        by_id("form-error-dismiss").addEventListener("click", self.hide_form_error)
        by_id("notice-dismiss").addEventListener("click", self.hide_notice)
        self.notice_action.addEventListener("click", self.undo_delete)
        self.reload_button.addEventListener("click", self.load)
        self.start_accounts()
        self.load()

    # Accounts

    def start_accounts(self):
        if self.auth is None:
            return
        by_id("account").hidden = False
        by_id("sign-in-button").addEventListener("click", lambda event: self.open_auth(account.SIGN_IN, None))
        by_id("sign-up-button").addEventListener("click", lambda event: self.open_auth(account.SIGN_UP, None))
        by_id("sign-out-button").addEventListener("click", self.sign_out)
        by_id("auth-switch").addEventListener("click", self.on_auth_switch)
        by_id("auth-resend").addEventListener("click", self.resend_code)
        by_id("auth-cancel").addEventListener("click", lambda event: self.auth_dialog.close())
        by_id("auth-error-dismiss").addEventListener("click", self.hide_auth_error)
        self.auth_form.addEventListener("submit", self.on_auth_submit)
        self.auth_dialog.addEventListener("close", self.on_auth_closed)
        self.set_session(self.stored_session())

    def stored_session(self):
        try:
            text = window.sessionStorage.getItem(account.STORAGE_KEY)
            if text == None:  # noqa: E711
                return None
            return account.restore_session(as_dict(JSON.parse(text)))
        except:  # noqa: E722 (storage may be switched off; JSON.parse throws JavaScript errors)
            return None

    def set_session(self, session):
        """Take ``session`` (None: signed out): keep it for this tab only, show who it is, plan its refresh."""
        self.session = session
        try:
            if session is None:
                window.sessionStorage.removeItem(account.STORAGE_KEY)
            else:
                window.sessionStorage.setItem(account.STORAGE_KEY, JSON.stringify(session))
        except:  # noqa: E722 (without storage the session lives in memory only)
            pass
        if self.refresh_timer is not None:
            clearTimeout(self.refresh_timer)
            self.refresh_timer = None
        if session is not None:
            self.refresh_timer = setTimeout(self.refresh_tokens, account.refresh_delay(session, now()) * 1000)
        self.show_who()

    def show_who(self):
        if self.auth is None:
            return
        signed_in = self.session is not None
        by_id("account-who").textContent = account.who_text(self.session, self.demo and not signed_in)
        by_id("sign-in-button").hidden = signed_in
        by_id("sign-up-button").hidden = signed_in
        by_id("sign-out-button").hidden = not signed_in

    async def api(self, method, url, body, tag):
        """One request to the API as the signed-in user (refreshing the token first when it is about to end).

        A 401 asks for sign-in again; the caller still gets the reply and shows its message.
        """
        token = None
        if self.session is not None:
            if not account.usable(self.session, now()):
                await self.refresh_tokens()
            if self.session is None:
                # The session ended while refreshing: never fall back to no token (the demo owner's list).
                return Reply(401, __new__(Headers()), None)
            token = self.session["idToken"]
        reply = await send(method, url, body, tag, token)
        if reply is not None and reply.status == 401:
            self.on_unauthorized(token is not None)
        return reply

    def on_unauthorized(self, had_token):
        if self.auth is None:
            return
        if had_token:
            self.expire_session()
        else:
            self.ask_sign_in("ToDo を使うにはログインしてください。")

    def expire_session(self):
        self.set_session(None)
        self.ask_sign_in(account.EXPIRED_TEXT)

    async def refresh_tokens(self):
        """Renew the ID token with the refresh token; True when a usable session remains."""
        if self.session is None:
            return False
        if self.refreshing is None:
            self.refreshing = self.renew(self.session)
        try:
            return await self.refreshing
        finally:
            self.refreshing = None

    async def renew(self, session):
        body = account.refresh_request(self.auth["clientId"], session["refreshToken"])
        answer = await self.provider("InitiateAuth", body, True)
        if self.session is not session:
            return self.session is not None  # signed out or in again meanwhile
        result = answer[0]
        failure = answer[1]
        if failure is None:
            renewed = account.start_session(result, id_claims(result), now(), session)
            if renewed is not None:
                self.set_session(renewed)
                return True
        if failure is None or failure["kind"] == account.SIGNED_OUT:
            # Refused, or answered without usable tokens: the session is over.
            self.expire_session()
            return False
        # No network: try again soon; the token still works until it ends.
        if self.refresh_timer is not None:
            clearTimeout(self.refresh_timer)
        self.refresh_timer = setTimeout(self.refresh_tokens, account.RETRY_DELAY * 1000)
        return account.usable(self.session, now())

    async def provider(self, operation, body, refreshing=False):
        """One call to the identity provider: ``[result, None]``, or ``[None, failure]`` (account.describe_failure)."""
        reply = await call_provider(account.endpoint_url(self.auth), operation, body)
        if reply is None:
            return [None, account.describe_failure(None, None, None, refreshing)]
        data = as_dict(reply.data)
        if reply.status == 200:
            return [{} if data is None else as_tree(data), None]
        return [None, account.describe_failure(reply.status, data, reply.header("x-amzn-ErrorType"), refreshing)]

    def ask_sign_in(self, text):
        """Bring back sign-in, on top of whatever is open (the todo form keeps its text)."""
        self.open_auth(account.SIGN_IN, text)

    def open_auth(self, mode, note):
        if not self.auth_dialog.open:
            self.auth_opener = document.activeElement
            self.password_input.value = ""
            self.code_input.value = ""
            if self.session is None and len(self.email_input.value) == 0 and self.pending is not None:
                self.email_input.value = self.pending["email"]
            self.auth_dialog.showModal()
        self.set_auth_mode(mode)
        self.hide_auth_error()
        self.show_auth_note(note)
        self.focus_auth_field()

    def set_auth_mode(self, mode):
        self.auth_mode = mode
        texts = account.dialog_text(mode)
        by_id("auth-title").textContent = texts["title"]
        by_id("auth-lead").textContent = texts["lead"]
        self.auth_submit.textContent = texts["submit"]
        new_password = mode == account.SIGN_UP or mode == account.NEW_PASSWORD
        by_id("auth-credentials").hidden = mode == account.CONFIRM
        by_id("auth-email-field").hidden = mode == account.NEW_PASSWORD
        by_id("auth-code-field").hidden = mode != account.CONFIRM
        by_id("auth-password-hint").hidden = not new_password
        by_id("auth-password-label").textContent = "新しいパスワード" if mode == account.NEW_PASSWORD else "パスワード"
        self.password_input.setAttribute("autocomplete", "new-password" if new_password else "current-password")
        by_id("auth-switch").textContent = "アカウントを作成" if mode == account.SIGN_IN else "ログインに戻る"

    def focus_auth_field(self):
        if self.auth_mode == account.CONFIRM:
            self.code_input.focus()
        elif len(self.email_input.value) == 0 and self.auth_mode != account.NEW_PASSWORD:
            self.email_input.focus()
        else:
            self.password_input.focus()

    def on_auth_switch(self, event=None):
        self.challenge = None
        self.open_auth(account.SIGN_UP if self.auth_mode == account.SIGN_IN else account.SIGN_IN, None)

    def on_auth_closed(self, event=None):
        self.password_input.value = ""
        self.code_input.value = ""
        if self.auth_opener is not None and self.auth_opener.isConnected:
            self.auth_opener.focus()
        self.auth_opener = None

    def read_auth_form(self):
        return {"email": self.email_input.value, "password": self.password_input.value, "code": self.code_input.value}

    async def on_auth_submit(self, event):
        event.preventDefault()
        if self.auth_submit.disabled:  # the last press still awaits its answer
            return
        values = self.read_auth_form()
        problem = account.form_problem(self.auth_mode, values)
        if problem is not None:
            self.show_auth_error(problem)
            self.focus_auth_field()
            return
        self.hide_auth_error()
        mark_busy(self.auth_form, self.auth_submit, True)
        try:
            if self.auth_mode == account.SIGN_UP:
                await self.sign_up(values)
            elif self.auth_mode == account.CONFIRM:
                await self.confirm(values)
            elif self.auth_mode == account.NEW_PASSWORD:
                await self.set_new_password(values["password"])
            else:
                await self.sign_in(values["email"], values["password"])
        finally:
            mark_busy(self.auth_form, self.auth_submit, False)

    async def sign_up(self, values):
        client_id = self.auth["clientId"]
        answer = await self.provider("SignUp", account.sign_up_request(client_id, values["email"], values["password"]))
        failure = answer[1]
        if failure is not None:
            if failure["name"] == "UsernameExistsException":
                self.set_auth_mode(account.SIGN_IN)
            self.show_auth_error(failure["text"])
            self.focus_auth_field()
            return
        self.pending = {"email": values["email"].strip(), "password": values["password"]}
        if answer[0].get("UserConfirmed") is True:
            await self.sign_in(values["email"], values["password"])
            return
        self.set_auth_mode(account.CONFIRM)
        self.show_auth_note(values["email"].strip() + " に確認コードを送りました。")
        self.focus_auth_field()

    async def confirm(self, values):
        if self.pending is None:
            self.set_auth_mode(account.SIGN_IN)
            self.show_auth_error("もう一度ログインしてください。確認コードはそのあとで入力できます。")
            return
        body = account.confirm_request(self.auth["clientId"], self.pending["email"], values["code"])
        # Two statements: Transcrypt compiles (await x)[1] as await x[1].
        answer = await self.provider("ConfirmSignUp", body)
        failure = answer[1]
        if failure is not None:
            self.show_auth_error(failure["text"])
            self.focus_auth_field()
            return
        await self.sign_in(self.pending["email"], self.pending["password"])

    async def resend_code(self, event=None):
        if self.pending is None:
            return
        body = account.resend_request(self.auth["clientId"], self.pending["email"])
        # Two statements: Transcrypt compiles (await x)[1] as await x[1].
        answer = await self.provider("ResendConfirmationCode", body)
        failure = answer[1]
        if failure is not None:
            self.show_auth_error(failure["text"])
            return
        self.hide_auth_error()
        self.show_auth_note(self.pending["email"] + " に確認コードをもう一度送りました。")

    async def sign_in(self, email, password):
        answer = await self.provider("InitiateAuth", account.password_request(self.auth["clientId"], email, password))
        failure = answer[1]
        if failure is not None:
            if failure["kind"] == account.NEEDS_CODE:
                self.pending = {"email": email.strip(), "password": password}
                self.set_auth_mode(account.CONFIRM)
            self.show_auth_error(failure["text"])
            self.focus_auth_field()
            return
        if answer[0].get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            self.challenge = answer[0]
            self.challenge["email"] = email
            self.password_input.value = ""
            self.set_auth_mode(account.NEW_PASSWORD)
            self.focus_auth_field()
            return
        await self.finish_sign_in(answer[0], email)

    async def set_new_password(self, password):
        if self.challenge is None:
            self.set_auth_mode(account.SIGN_IN)
            return
        body = account.new_password_request(self.auth["clientId"], self.challenge, password)
        answer = await self.provider("RespondToAuthChallenge", body)
        failure = answer[1]
        if failure is not None:
            if failure["name"] == "NotAuthorizedException":
                # The provider's request for a new password has run out (after a few minutes).
                self.challenge = None
                self.set_auth_mode(account.SIGN_IN)
                self.show_auth_error("時間が経ったため、もう一度仮のパスワードでログインしてください。")
            else:
                self.show_auth_error(failure["text"])
            self.focus_auth_field()
            return
        email = self.challenge["email"]
        self.challenge = None
        await self.finish_sign_in(answer[0], email)

    async def finish_sign_in(self, result, email):
        session = account.start_session(result, id_claims(result), now(), None, email)
        if session is None:
            # A further step (MFA) that this page does not offer.
            self.show_auth_error(
                "このアカウントはこの画面ではログインできません ("
                + model.text_of(result.get("ChallengeName"))
                + ")。管理者に連絡してください。"
            )
            return
        self.pending = None
        self.set_session(session)
        self.auth_dialog.close()
        if self.dialog.open:
            self.show_form_note("ログインしました。入力した内容はそのままです。「登録」を押すと保存します。")
        else:
            self.show_notice(account.who_text(session) + "です。", False)
        await self.load()

    def sign_out(self, event=None):
        # Tokens are forgotten here; Cognito lets them run out (an hour at most).
        self.pending = None
        self.set_session(None)
        if self.dialog.open:
            self.dialog.close()
        self.todos = []
        self.last_deleted = None
        self.render(None)
        self.show_notice("ログアウトしました。", False)
        by_id("sign-in-button").focus()
        self.load()

    def show_auth_error(self, text):
        by_id("auth-error-text").textContent = text
        by_id("auth-error").hidden = False

    def hide_auth_error(self, event=None):
        by_id("auth-error").hidden = True
        by_id("auth-error-text").textContent = ""

    def show_auth_note(self, text):
        note = by_id("auth-note")
        note.textContent = "" if text is None else text
        note.hidden = text is None

    # The list

    async def load(self, event=None):
        self.reload_button.hidden = True
        self.rows.setAttribute("aria-busy", "true")
        self.status.textContent = model.LOADING_TEXT
        self.status.classList.add("is-loading")
        url = remote.collection_url(self.api_url)
        items = []
        pages = 0
        while url is not None:
            pages += 1
            reply = await self.api("GET", url, None, None)
            if reply is None or reply.status != 200 or not Array.isArray(reply.data) or pages > MAX_PAGES:
                self.rows.setAttribute("aria-busy", "false")
                self.status.classList.remove("is-loading")
                self.reload_button.hidden = False
                if reply is not None and reply.status == 401:
                    # Nothing to show but the way in; the sign-in dialog is already open.
                    self.todos = []
                    self.render(None)
                    self.status.textContent = "ログインすると ToDo の一覧が表示されます。"
                    return
                self.status.textContent = "一覧を読み込めませんでした。"
                self.show_banner(failure_of(reply)["text"])
                return
            for item in reply.data:
                todo = as_dict(item)
                if todo is not None:
                    items.append(todo)
            link = remote.next_link(reply.header("Link"))
            url = remote.resolve(url, link) if link is not None else None
        self.todos = items
        self.demo = self.session is None
        self.show_who()
        self.hide_banner()
        self.render(None)

    def render(self, focus_id):
        while self.rows.firstChild:
            self.rows.removeChild(self.rows.firstChild)
        for todo in model.sort_todos(self.todos):
            self.rows.appendChild(self.make_row(model.row_view(todo)))
        self.rows.setAttribute("aria-busy", "false")
        self.table.hidden = len(self.todos) == 0
        self.status.classList.remove("is-loading")
        self.status.classList.toggle("is-empty", len(self.todos) == 0)
        self.status.textContent = model.summary_text(self.todos)
        if focus_id is not None:
            self.focus_row(focus_id)

    def make_row(self, view):
        todo_id = view["id"]
        row = make("tr", "todo-row is-completed" if view["completed"] else "todo-row", None)
        row.dataset.todoId = todo_id

        check = make("input", "form-check-input", None)
        check.js_type = "checkbox"  # plain .type would become Transcrypt's py_metatype
        check.id = "check-" + todo_id
        check.checked = view["completed"]
        check.dataset.todoId = todo_id
        check.setAttribute("aria-label", view["checkLabel"])
        cell = make("td", "todo-check", None)
        cell.appendChild(check)
        row.appendChild(cell)

        row.appendChild(make("td", "todo-title", view["title"]))
        row.appendChild(make("td", "todo-memo", view["memo"]))

        cell = make("td", "todo-priority", None)
        cell.appendChild(make("span", "priority priority-" + str(view["level"]), view["priority"]))
        row.appendChild(cell)

        row.appendChild(
            self.make_action_cell("update", todo_id, "変更", view["updateLabel"], "btn btn-sm btn-outline-primary")
        )
        row.appendChild(
            self.make_action_cell("delete", todo_id, "削除", view["deleteLabel"], "btn btn-sm btn-outline-danger")
        )
        return row

    def make_action_cell(self, action, todo_id, text, label, class_name):
        button = make("button", class_name, text)
        button.js_type = "button"
        button.id = action + "-" + todo_id
        button.dataset.action = action
        button.dataset.todoId = todo_id
        button.setAttribute("aria-label", label)
        cell = make("td", "todo-action", None)
        cell.appendChild(button)
        return cell

    def focus_row(self, todo_id):
        return self.focus_element("check-" + todo_id)

    def focus_element(self, element_id):
        node = by_id(element_id)
        if node == None:  # noqa: E711
            return False
        node.focus()
        return True

    def on_rows_click(self, event):
        button = event.target.closest("button[data-action]")
        if button == None:  # noqa: E711
            return
        if button.dataset.action == "update":
            self.open_edit(button.dataset.todoId, button)
        elif button.dataset.action == "delete":
            self.delete(button.dataset.todoId, button)

    def on_rows_change(self, event):
        target = event.target
        if target.js_type == "checkbox" and target.dataset.todoId != None:  # noqa: E711
            self.toggle(target.dataset.todoId, target)

    async def toggle(self, todo_id, check):
        todo = model.find(self.todos, todo_id)
        if todo is None:
            return
        wanted = check.checked
        check.disabled = True
        reply = await self.api(
            "PUT", remote.item_url(self.api_url, todo_id), {"completed": wanted}, remote.version_tag(todo)
        )
        changed = as_dict(reply.data) if reply is not None and reply.status == 200 else None
        if changed is not None:
            self.todos = model.upsert(self.todos, changed)
            self.render(todo_id)
            return
        check.checked = not wanted
        check.disabled = False
        await self.recover(todo_id, failure_of(reply))

    async def delete(self, todo_id, button):
        todo = model.find(self.todos, todo_id)
        if todo is None:
            return
        button.disabled = True
        reply = await self.api("DELETE", remote.item_url(self.api_url, todo_id), None, remote.version_tag(todo))
        if reply is None or reply.status != 200:
            button.disabled = False
            await self.recover(todo_id, failure_of(reply))
            return
        focus_id = model.neighbour_id(self.todos, todo_id)
        self.todos = model.without(self.todos, todo_id)
        self.last_deleted = todo
        self.render(focus_id)
        if focus_id is None:
            by_id("new-todo").focus()
        self.show_notice("「" + model.text_of(todo.get("title")) + "」を削除しました。", True)

    async def undo_delete(self, event=None):
        todo = self.last_deleted
        if todo is None:
            return
        self.notice_action.disabled = True
        reply = await self.api("POST", remote.collection_url(self.api_url), model.restore_body(todo), None)
        self.notice_action.disabled = False
        created = as_dict(reply.data) if reply is not None and reply.status == 201 else None
        if created is None:
            self.show_banner(failure_of(reply)["text"])
            return
        self.last_deleted = None
        self.todos = model.upsert(self.todos, created)
        self.render(created.get("id"))
        self.show_notice("「" + model.text_of(created.get("title")) + "」を元に戻しました。", False)

    async def refresh(self, todo_id):
        """Reload one todo after the API said the page's copy is stale; the fresh todo, or None."""
        reply = await self.api("GET", remote.item_url(self.api_url, todo_id), None, None)
        if reply is not None and reply.status == 404:
            self.todos = model.without(self.todos, todo_id)
            self.render(None)
            return None
        latest = as_dict(reply.data) if reply is not None and reply.status == 200 else None
        if latest is not None:
            self.todos = model.upsert(self.todos, latest)
            self.render(None)
        return latest

    async def recover(self, todo_id, failure):
        """Show a failed row action and bring the row up to date when the API says it changed or went."""
        if failure["kind"] == remote.MISSING:
            self.todos = model.without(self.todos, todo_id)
            self.render(None)
        elif failure["kind"] == remote.STALE:
            await self.refresh(todo_id)
            self.focus_row(todo_id)
        self.show_banner(failure["text"])

    # The dialog

    def open_new(self, event=None):
        self.open_dialog(None, by_id("new-todo"))

    def open_edit(self, todo_id, opener):
        todo = model.find(self.todos, todo_id)
        if todo is not None:
            self.open_dialog(todo, opener)

    def open_dialog(self, todo, opener):
        self.editing = todo
        self.opener = opener
        self.focus_after = None
        self.set_dialog_title()
        values = model.form_values(todo)
        self.title_input.value = values["title"]
        self.memo_input.value = values["memo"]
        self.priority_input.value = values["priority"]
        self.hide_form_error()
        self.hide_form_note()
        self.mark_invalid(None)
        self.show_counters(values)
        by_id("title-hint").textContent = ""
        by_id("memo-hint").textContent = ""
        self.dialog.showModal()
        self.title_input.focus()

    def set_dialog_title(self):
        by_id("modal-title").textContent = "新規登録" if self.editing is None else "変更"

    def close_dialog(self, event=None):
        self.dialog.close()

    def on_dialog_closed(self, event=None):
        self.editing = None
        if self.focus_after is not None and self.focus_element(self.focus_after):
            pass
        elif self.opener is not None and self.opener.isConnected:
            self.opener.focus()
        else:
            by_id("new-todo").focus()
        self.focus_after = None
        self.opener = None

    def read_form(self):
        return {"title": self.title_input.value, "memo": self.memo_input.value, "priority": self.priority_input.value}

    def show_counters(self, values):
        by_id("title-count").textContent = model.counter_text(values["title"], model.TITLE_MAX)
        by_id("memo-count").textContent = model.counter_text(values["memo"], model.MEMO_MAX)

    def show_hints(self, event=None):
        values = self.read_form()
        hints = model.field_hints(values)
        by_id("title-hint").textContent = hints["title"]
        by_id("memo-hint").textContent = hints["memo"]
        self.show_counters(values)

    def on_memo_key(self, event):
        # Enter makes a new line in the memo; Ctrl+Enter (Cmd+Enter) sends the form.
        if event.key == "Enter" and (event.ctrlKey or event.metaKey):
            event.preventDefault()
            self.form.requestSubmit()

    async def on_submit(self, event):
        event.preventDefault()
        if self.register_button.disabled:  # the last press is still being saved
            return
        values = self.read_form()
        editing = self.editing
        if editing is None:
            method = "POST"
            url = remote.collection_url(self.api_url)
            body = model.new_todo_body(values)
            tag = None
        else:
            body = model.changed_fields(editing, values)
            if len(body) == 0:
                self.focus_after = "update-" + editing.get("id")
                self.dialog.close()
                return
            method = "PUT"
            url = remote.item_url(self.api_url, editing.get("id"))
            tag = remote.version_tag(editing)
        self.hide_form_error()
        self.hide_form_note()
        self.mark_invalid(None)
        mark_busy(self.form, self.register_button, True)
        reply = await self.api(method, url, body, tag)
        mark_busy(self.form, self.register_button, False)
        saved = as_dict(reply.data) if reply is not None and reply.succeeded() else None
        if saved is not None:
            self.todos = model.upsert(self.todos, saved)
            # Back to where the user was: the row's 変更 button, or the new row.
            self.focus_after = ("check-" if editing is None else "update-") + saved.get("id")
            self.render(None)
            self.dialog.close()
            done = "を登録しました。" if editing is None else "を変更しました。"
            self.show_notice("「" + model.text_of(saved.get("title")) + "」" + done, False)
            return
        failure = failure_of(reply)
        if failure["kind"] == remote.STALE and editing is not None:
            latest = await self.refresh(editing.get("id"))
            if latest is not None:
                self.editing = latest
                self.show_form_error(failure["text"] + "入力した内容はそのままです。「登録」を押すと上書きします。")
                return
            failure = remote.describe_failure(404, None, None)
        if failure["kind"] == remote.MISSING and editing is not None:
            self.todos = model.without(self.todos, editing.get("id"))
            self.render(None)
            self.editing = None
            self.set_dialog_title()
            self.show_form_error(failure["text"] + "「登録」を押すと新しい ToDo として登録します。")
            return
        self.show_form_error(failure["text"])
        self.mark_invalid(failure["field"])

    def mark_invalid(self, field):
        """Flag the field the API refused (aria-invalid) and put the cursor there; None clears every flag."""
        inputs = {"title": self.title_input, "memo": self.memo_input, "priority": self.priority_input}
        for name in ["title", "memo", "priority"]:
            node = inputs[name]
            node.classList.toggle("is-invalid", name == field)
            if name == field:
                node.setAttribute("aria-invalid", "true")
                node.setAttribute("aria-errormessage", "form-error-text")
            else:
                node.removeAttribute("aria-invalid")
                node.removeAttribute("aria-errormessage")
        if field is not None:
            inputs[field].focus()

    # Messages

    def show_form_error(self, text):
        self.hide_form_note()
        by_id("form-error-text").textContent = text
        self.form_error.hidden = False

    def hide_form_error(self, event=None):
        self.form_error.hidden = True
        by_id("form-error-text").textContent = ""

    def show_form_note(self, text):
        self.hide_form_error()
        self.form_note.textContent = text
        self.form_note.hidden = False

    def hide_form_note(self, event=None):
        self.form_note.hidden = True
        self.form_note.textContent = ""

    def show_banner(self, text):
        # While the dialog is open the page behind it is inert, so the message goes into the dialog.
        if self.dialog.open:
            self.show_form_error(text)
            return
        by_id("error-text").textContent = text
        self.banner.hidden = False

    def hide_banner(self, event=None):
        self.banner.hidden = True
        by_id("error-text").textContent = ""

    def show_notice(self, text, can_undo):
        by_id("notice-text").textContent = text
        self.notice_action.hidden = not can_undo
        self.notice.hidden = False

    def hide_notice(self, event=None):
        self.notice.hidden = True
        self.last_deleted = None
        by_id("notice-text").textContent = ""


def main():
    config = window.hobopyConfig
    if config == None or not config.apiUrl:  # noqa: E711
        by_id("error-text").textContent = "設定 (config.js) を読み込めませんでした。"
        by_id("error-banner").hidden = False
        return
    # "/api/" (the page's own origin) made absolute: Link and Location are resolved against it.
    App(__new__(URL(config.apiUrl, window.location.href)).href, account.provider_settings(as_dict(config.auth))).start()


main()
