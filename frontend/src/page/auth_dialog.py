"""Accounts: the header's who-is-signed-in line and buttons, and the dialog that signs up, confirms and signs in."""

from todoui import account, flows, model, texts

from page.dom import by_id, mark_busy, show_text


class AuthDialog:
    """``#account`` in the header and ``#auth-dialog``; ``session`` holds the tokens and calls the provider.

    After signing in or out the list (``todos``) loads again, and the todo
    dialog (``todo_dialog``) keeps what was typed in it or closes.
    """

    def __init__(self, session, todos, todo_dialog, notices, local):
        self.session = session
        self.local = local  # the local stack's provider: no mail is sent, any code works
        self.todos = todos
        self.todo_dialog = todo_dialog
        self.notices = notices
        self.mode = account.SIGN_IN
        self.demo = False  # the list shown is the local demo owner's
        self.opener = None
        self.pending = None  # e-mail and password between sign-up and the code, to sign in after it
        self.challenge = None  # the provider's request for a new password, and the e-mail typed
        self.dialog = by_id("auth-dialog")
        self.form = by_id("auth-form")
        self.email = by_id("auth-email")
        self.password = by_id("auth-password")
        self.code = by_id("auth-code")
        self.submit = by_id("auth-submit")

    def start(self):
        if self.session.auth is None:
            return
        by_id("account").hidden = False
        by_id("sign-in-button").addEventListener("click", lambda event: self.open(account.SIGN_IN, None))
        by_id("sign-up-button").addEventListener("click", lambda event: self.open(account.SIGN_UP, None))
        by_id("sign-out-button").addEventListener("click", self.sign_out)
        by_id("auth-switch").addEventListener("click", self.on_switch)
        by_id("auth-resend").addEventListener("click", self.resend_code)
        by_id("auth-cancel").addEventListener("click", lambda event: self.dialog.close())
        by_id("auth-error-dismiss").addEventListener("click", self.hide_error)
        self.form.addEventListener("submit", self.on_submit)
        self.dialog.addEventListener("close", self.on_closed)

    def list_loaded(self):
        self.demo = self.session.current is None
        self.show_who()

    def show_who(self):
        """The header's line about who is signed in, and the buttons that fit."""
        if self.session.auth is None:
            return
        current = self.session.current
        signed_in = current is not None
        by_id("account-who").textContent = account.who_text(current, self.demo and not signed_in)
        by_id("sign-in-button").hidden = signed_in
        by_id("sign-up-button").hidden = signed_in
        by_id("sign-out-button").hidden = not signed_in

    def ask_sign_in(self, text):
        """Bring back sign-in, on top of whatever is open (the todo form keeps its text)."""
        self.open(account.SIGN_IN, text)

    def open(self, mode, note):
        if not self.dialog.open:
            self.opener = document.activeElement
            self.password.value = ""
            self.code.value = ""
            if self.session.current is None and len(self.email.value) == 0 and self.pending is not None:
                self.email.value = self.pending["email"]
            self.dialog.showModal()
        self.set_mode(mode)
        self.hide_error()
        show_text(by_id("auth-note"), note)
        self.focus_field()

    def set_mode(self, mode):
        self.mode = mode
        words = account.dialog_text(mode, self.local)
        by_id("auth-title").textContent = words["title"]
        by_id("auth-lead").textContent = words["lead"]
        self.submit.textContent = words["submit"]
        new_password = mode == account.SIGN_UP or mode == account.NEW_PASSWORD
        by_id("auth-credentials").hidden = mode == account.CONFIRM
        by_id("auth-email-field").hidden = mode == account.NEW_PASSWORD
        by_id("auth-code-field").hidden = mode != account.CONFIRM
        by_id("auth-resend").hidden = not flows.offers_resend(self.local)
        by_id("auth-password-hint").hidden = not new_password
        label = texts.NEW_PASSWORD_LABEL if mode == account.NEW_PASSWORD else texts.PASSWORD_LABEL
        by_id("auth-password-label").textContent = label
        self.password.setAttribute("autocomplete", "new-password" if new_password else "current-password")
        by_id("auth-switch").textContent = texts.TO_SIGN_UP if mode == account.SIGN_IN else texts.TO_SIGN_IN

    def focus_field(self):
        if self.mode == account.CONFIRM:
            self.code.focus()
        elif len(self.email.value) == 0 and self.mode != account.NEW_PASSWORD:
            self.email.focus()
        else:
            self.password.focus()

    def on_switch(self, event=None):
        self.challenge = None
        self.open(account.SIGN_UP if self.mode == account.SIGN_IN else account.SIGN_IN, None)

    def on_closed(self, event=None):
        self.password.value = ""
        self.code.value = ""
        if self.opener is not None and self.opener.isConnected:
            self.opener.focus()
        self.opener = None

    async def on_submit(self, event):
        event.preventDefault()
        if self.submit.disabled:  # the last press still awaits its answer
            return
        values = {"email": self.email.value, "password": self.password.value, "code": self.code.value}
        problem = account.form_problem(self.mode, values, self.local)
        if problem is not None:
            self.show_error(problem)
            self.focus_field()
            return
        self.hide_error()
        mark_busy(self.form, self.submit, True)
        try:
            if self.mode == account.SIGN_UP:
                await self.sign_up(values["email"], values["password"])
            elif self.mode == account.CONFIRM:
                await self.confirm(values["code"])
            elif self.mode == account.NEW_PASSWORD:
                await self.set_new_password(values["password"])
            else:
                await self.sign_in(values["email"], values["password"])
        finally:
            mark_busy(self.form, self.submit, False)

    def follow(self, step):
        """Carry out a step that keeps the dialog open: its mode, then its error or note."""
        if step["mode"] is not None:
            self.set_mode(step["mode"])
        if step["error"] is not None:
            self.show_error(step["error"])
        if step["note"] is not None:
            show_text(by_id("auth-note"), step["note"])
        self.focus_field()

    async def sign_up(self, email, password):
        body = account.sign_up_request(self.session.auth["clientId"], email, password)
        answer = await self.session.provider("SignUp", body)
        step = flows.after_sign_up(answer[0], answer[1], email, self.local)
        if answer[1] is None:
            self.pending = {"email": email.strip(), "password": password}
        if step["then"] == flows.SIGN_IN:
            await self.sign_in(email, password)
        else:
            self.follow(step)

    async def confirm(self, code):
        if self.pending is None:
            self.set_mode(account.SIGN_IN)
            self.show_error(texts.CONFIRM_AFTER_SIGN_IN)
            return
        body = account.confirm_request(self.session.auth["clientId"], self.pending["email"], code)
        # Two statements: Transcrypt compiles (await x)[1] as await x[1].
        answer = await self.session.provider("ConfirmSignUp", body)
        step = flows.after_confirm(answer[1])
        if step["then"] == flows.SIGN_IN:
            await self.sign_in(self.pending["email"], self.pending["password"])
        else:
            self.follow(step)

    async def resend_code(self, event=None):
        if self.pending is None:
            return
        body = account.resend_request(self.session.auth["clientId"], self.pending["email"])
        answer = await self.session.provider("ResendConfirmationCode", body)
        step = flows.after_resend(answer[1], self.pending["email"])
        if step["note"] is not None:
            self.hide_error()
        self.follow(step)

    async def sign_in(self, email, password):
        body = account.password_request(self.session.auth["clientId"], email, password)
        answer = await self.session.provider("InitiateAuth", body)
        step = flows.after_sign_in(answer[0], answer[1], self.local)
        if step["then"] == flows.FINISH:
            await self.finish(answer[0], email)
            return
        if step["mode"] == account.CONFIRM:
            self.pending = {"email": email.strip(), "password": password}
        elif step["mode"] == account.NEW_PASSWORD:
            self.challenge = answer[0]
            self.challenge["email"] = email
            self.password.value = ""
        self.follow(step)

    async def set_new_password(self, password):
        if self.challenge is None:
            self.set_mode(account.SIGN_IN)
            return
        body = account.new_password_request(self.session.auth["clientId"], self.challenge, password)
        answer = await self.session.provider("RespondToAuthChallenge", body)
        step = flows.after_new_password(answer[1])
        if step["then"] == flows.FINISH:
            email = self.challenge["email"]
            self.challenge = None
            await self.finish(answer[0], email)
            return
        if step["mode"] == account.SIGN_IN:
            self.challenge = None
        self.follow(step)

    async def finish(self, result, email):
        if not self.session.start_from(result, email):
            # A further step (MFA) that this page does not offer.
            self.show_error(texts.fill(texts.CANNOT_SIGN_IN_HERE, [model.text_of(result.get("ChallengeName"))]))
            return
        self.pending = None
        self.dialog.close()
        if self.todo_dialog.is_open():
            self.todo_dialog.show_note(texts.KEPT_AFTER_SIGN_IN)
        else:
            self.notices.show(texts.fill(texts.SIGNED_IN_AS, [account.who_text(self.session.current)]))
        await self.todos.load()

    async def sign_out(self, event=None):
        # Tokens are forgotten here; Cognito lets them run out (an hour at most).
        if not await self.session.sign_out():
            return
        self.pending = None
        self.todo_dialog.close()
        self.todos.clear()
        self.notices.show(texts.SIGNED_OUT)
        by_id("sign-in-button").focus()
        self.todos.load()

    def show_error(self, text):
        by_id("auth-error-text").textContent = text
        by_id("auth-error").hidden = False

    def hide_error(self, event=None):
        by_id("auth-error").hidden = True
        by_id("auth-error-text").textContent = ""
