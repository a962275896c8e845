"""Accounts in headless Chromium against the whole stack: the local identity provider and the verifying API."""

import base64
import datetime
import json
import os
import secrets
import time
from pathlib import Path

from playwright.sync_api import expect
from todoui import account, texts

from devtools.local.accounts import AccountError
from tests.support.signin import PASSWORD, WHO, fill_account_form, sign_in
from tests.support.todoapi import ADMIN_MADE, TodoApi

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"


def new_email():
    return f"ui-{secrets.token_hex(5)}@example.com"


def create_in_dialog(page, title, memo=""):
    page.click("#new-todo")
    page.fill("#modal-todo-title", title)
    page.fill("#modal-todo-memo", memo)
    page.click("#register-button")
    expect(page.locator("#input-form")).to_be_hidden()
    expect(page.locator("#todo-list .todo-title", has_text=title)).to_have_count(1)


def listed_titles(page):
    return page.locator("#todo-list .todo-title").all_text_contents()


def stored_session(page):
    text = page.evaluate(f"sessionStorage.getItem({json.dumps(account.STORAGE_KEY)})")
    return None if text is None else json.loads(text)


def tampered(token):
    """The same token with one byte of its signature changed: only a verifier can tell."""
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 1
    return ".".join([header, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()])


def test_without_signing_in_the_page_shows_the_demo_list_and_offers_sign_in(ui):
    expect(ui.locator("#check-L5")).to_be_visible()
    expect(ui.locator(WHO)).to_have_text("ログインしていません (デモの一覧を表示中)")
    expect(ui.locator("#sign-in-button")).to_be_visible()
    expect(ui.locator("#sign-up-button")).to_have_text("アカウント作成")
    expect(ui.locator("#sign-out-button")).to_be_hidden()


def test_sign_up_with_the_code_then_create_sign_out_and_sign_in_again(ui, api_url, pool):
    email = new_email()
    ui.click("#sign-up-button")
    expect(ui.locator("#auth-title")).to_have_text("アカウント作成")
    expect(ui.locator("#auth-password")).to_have_attribute("autocomplete", "new-password")
    # The local stack's provider sends no mail and takes any code: the dialog says so.
    expect(ui.locator("#auth-lead")).to_have_text(texts.SIGN_UP_DIALOG_LOCAL["lead"])
    expect(ui.locator("#auth-lead")).to_contain_text("メールは送られません")
    fill_account_form(ui, email, PASSWORD)

    expect(ui.locator("#auth-title")).to_have_text("メールアドレスの確認")
    expect(ui.locator("#auth-note")).to_have_text(texts.fill(texts.CREATED_LOCAL, [email]))
    expect(ui.locator("#auth-lead")).to_have_text(texts.CONFIRM_DIALOG_LOCAL["lead"])
    expect(ui.locator("#auth-code")).to_be_focused()
    # Nothing was sent, so nothing is offered to be sent again.
    expect(ui.locator("#auth-resend")).to_be_hidden()
    ui.fill("#auth-code", "123456")
    ui.click("#auth-submit")

    expect(ui.locator("#auth-dialog")).to_be_hidden()
    expect(ui.locator(WHO)).to_have_text(f"{email} でログイン中")
    expect(ui.locator("#sign-out-button")).to_be_visible()
    expect(ui.locator("#sign-in-button")).to_be_hidden()
    # A new account starts empty: the demo's todos are not anyone else's.
    expect(ui.locator("#list-status")).to_have_text(texts.EMPTY_LIST)

    title = f"自分の ToDo {secrets.token_hex(3)}"
    create_in_dialog(ui, title, "わたしだけ")
    mine = TodoApi(api_url, pool.refresh(_user(email)))
    assert [(todo["title"], todo["memo"]) for todo in mine.list()] == [(title, "わたしだけ")]
    assert title not in TodoApi(api_url).titles()
    # The tokens live in this tab's sessionStorage, never in localStorage.
    assert stored_session(ui)["email"] == email
    assert ui.evaluate("localStorage.length") == 0

    ui.click("#sign-out-button")
    expect(ui.locator(WHO)).to_have_text("ログインしていません (デモの一覧を表示中)")
    expect(ui.locator("#check-L5")).to_be_visible()
    assert title not in listed_titles(ui)
    assert stored_session(ui) is None

    sign_in(ui, email)
    expect(ui.locator("#todo-list .todo-title")).to_have_text([title])


def _user(email):
    from devtools.local.accounts import User

    return User(email, PASSWORD)


def test_a_second_user_sees_nothing_of_the_first(ui, api_url, pool):
    first = pool.new_user(PASSWORD)
    first_title = f"A さんの ToDo {secrets.token_hex(3)}"
    TodoApi(api_url, first).create(title=first_title, memo="秘密")
    second = pool.new_user(PASSWORD)

    sign_in(ui, second.email)
    expect(ui.locator("#list-status")).to_have_text(texts.EMPTY_LIST)
    create_in_dialog(ui, "B さんの ToDo")
    assert listed_titles(ui) == ["B さんの ToDo"]
    assert [todo["title"] for todo in TodoApi(api_url, first).list()] == [first_title]

    ui.click("#sign-out-button")
    sign_in(ui, first.email)
    expect(ui.locator("#todo-list .todo-title")).to_have_text([first_title])


def test_the_providers_refusals_are_told_in_japanese(ui, pool):
    ui.log.allow_status(400)
    user = pool.new_user(PASSWORD)
    ui.click("#sign-in-button")
    fill_account_form(ui, user.email, "Wrong-passw0rd")
    expect(ui.locator("#auth-error")).to_have_text(texts.WRONG_PASSWORD)
    expect(ui.locator("#auth-email")).to_have_value(user.email)

    ui.click("#auth-switch")
    expect(ui.locator("#auth-title")).to_have_text("アカウント作成")
    fill_account_form(ui, user.email, PASSWORD)
    expect(ui.locator("#auth-error")).to_have_text(account.MESSAGES["UsernameExistsException"])
    expect(ui.locator("#auth-title")).to_have_text("ログイン")

    ui.click("#auth-switch")
    fill_account_form(ui, new_email(), "alllowercase1")
    expect(ui.locator("#auth-error")).to_have_text(account.MESSAGES["InvalidPasswordException"])

    ui.click("#auth-switch")
    fill_account_form(ui, "not-an-address", PASSWORD)
    expect(ui.locator("#auth-error")).to_have_text("メールアドレスの形式が正しくありません。")


def test_a_deployed_stages_sign_up_says_the_code_comes_by_mail(open_page, ui_stack):
    """Only the local stack's dialog says that no mail is sent: a page configured as deployed says it is."""
    deployed = {
        "apiUrl": "/api/",
        "stage": "prod",
        "auth": {"userPoolId": "us-east-1_Deployed", "clientId": "client1", "region": "us-east-1"},
    }

    def configure(page):
        body = f"window.hobopyConfig = Object.freeze({json.dumps(deployed)});"
        page.route("**/config.js", lambda route: route.fulfill(body=body, content_type="text/javascript"))

    page = open_page(f"{ui_stack.ui_url}/index.html", before=configure)
    page.click("#sign-up-button")
    expect(page.locator("#auth-lead")).to_have_text(texts.SIGN_UP_DIALOG["lead"])
    expect(page.locator("#auth-lead")).to_contain_text("メールで送ります")
    expect(page.locator("#auth-dialog")).not_to_contain_text("メールは送られません")


def test_an_account_signed_up_but_not_confirmed_is_asked_for_its_code_at_sign_in(ui, pool):
    ui.log.allow_status(400)
    email = new_email()
    pool.sign_up(email, PASSWORD)
    ui.click("#sign-in-button")
    fill_account_form(ui, email, PASSWORD)
    expect(ui.locator("#auth-title")).to_have_text("メールアドレスの確認")
    expect(ui.locator("#auth-error")).to_have_text(texts.UNCONFIRMED_LOCAL)
    ui.fill("#auth-code", "654321")
    ui.click("#auth-submit")
    expect(ui.locator("#auth-dialog")).to_be_hidden()
    expect(ui.locator(WHO)).to_have_text(f"{email} でログイン中")


def test_an_account_made_by_an_administrator_sets_its_own_password_at_the_first_sign_in(ui):
    """How the README makes the first user of a deployed pool when no one may sign up by e-mail."""
    email, temporary = ADMIN_MADE
    ui.click("#sign-in-button")
    fill_account_form(ui, email, temporary)
    expect(ui.locator("#auth-title")).to_have_text("新しいパスワードの設定")
    expect(ui.locator("#auth-email")).to_be_hidden()
    expect(ui.locator("#auth-password")).to_be_focused()
    expect(ui.locator("#auth-password")).to_have_value("")
    ui.fill("#auth-password", PASSWORD)
    ui.click("#auth-submit")
    expect(ui.locator("#auth-dialog")).to_be_hidden()
    expect(ui.locator(WHO)).to_have_text(f"{email} でログイン中")

    ui.click("#sign-out-button")
    sign_in(ui, email, PASSWORD)


def test_a_401_brings_back_sign_in_and_the_form_keeps_its_text(ui, api_url, page_api_url, pool):
    ui.log.allow_status(401)
    user = pool.new_user(PASSWORD)
    sign_in(ui, user.email)
    ui.click("#new-todo")
    ui.fill("#modal-todo-title", "消えないタイトル")
    ui.fill("#modal-todo-memo", "消えないメモ\n二行目")

    # The API itself refuses the token: the page sends one whose signature no longer matches.
    def tamper(route):
        headers = {**route.request.headers, "authorization": tampered(route.request.headers["authorization"])}
        route.continue_(headers=headers)

    ui.route(f"{page_api_url}/todos/*", tamper)  # the create: PUT under the id the page made
    ui.click("#register-button")
    expect(ui.locator("#auth-dialog")).to_be_visible()
    expect(ui.locator("#auth-note")).to_have_text("ログインの有効期限が切れました。もう一度ログインしてください。")
    expect(ui.locator(WHO)).to_have_text("ログインしていません")
    assert stored_session(ui) is None
    assert TodoApi(api_url, user).list() == []

    ui.unroute(f"{page_api_url}/todos/*")
    fill_account_form(ui, user.email, PASSWORD)
    expect(ui.locator("#auth-dialog")).to_be_hidden()
    expect(ui.locator("#input-form")).to_be_visible()
    expect(ui.locator("#modal-todo-title")).to_have_value("消えないタイトル")
    expect(ui.locator("#modal-todo-memo")).to_have_value("消えないメモ\n二行目")
    expect(ui.locator("#form-note")).to_contain_text("ログインしました")
    ui.click("#register-button")
    expect(ui.locator("#input-form")).to_be_hidden()
    assert [todo["title"] for todo in TodoApi(api_url, user).list()] == ["消えないタイトル"]


def test_a_stored_token_the_api_refuses_brings_back_sign_in_not_the_demo_list(open_page, ui_stack, pool):
    user = pool.new_user(PASSWORD)
    page = open_page(f"{ui_stack.ui_url}/index.html")
    page.log.allow_status(401)
    session = {
        "idToken": tampered(user.id_token),
        "refreshToken": user.refresh_token,
        "expiresAt": time.time() + 3600,
        "refreshAt": time.time() + 3000,
        "email": user.email,
    }
    page.evaluate(f"sessionStorage.setItem({json.dumps(account.STORAGE_KEY)}, {json.dumps(json.dumps(session))})")
    page.reload()
    expect(page.locator("#auth-dialog")).to_be_visible()
    expect(page.locator("#list-status")).to_have_text("ログインすると ToDo の一覧が表示されます。")
    assert page.locator("#todo-list tr").count() == 0


def test_a_token_near_its_end_is_refreshed_before_the_request(open_page, ui_stack, api_url, pool):
    user = pool.new_user(PASSWORD)
    TodoApi(api_url, user).create(title="更新後も見える")
    page = open_page(f"{ui_stack.ui_url}/index.html")
    # An ID token that has run out by the page's clock: the page must refresh it first.
    session = {
        "idToken": "expired.token.here",
        "refreshToken": user.refresh_token,
        "expiresAt": time.time() - 10,
        "refreshAt": time.time() - 100,
        "email": user.email,
    }
    page.evaluate(f"sessionStorage.setItem({json.dumps(account.STORAGE_KEY)}, {json.dumps(json.dumps(session))})")
    page.reload()
    expect(page.locator("#todo-list .todo-title")).to_have_text(["更新後も見える"])
    renewed = stored_session(page)
    assert renewed["idToken"] != "expired.token.here"
    assert renewed["refreshToken"] == user.refresh_token
    assert renewed["expiresAt"] > time.time() + 600


def test_the_signed_in_page_in_japanese(ui, api_url, pool, tmp_path):
    """Also the README's screenshot: HOBOPY_UPDATE_SCREENSHOT=1 rewrites docs/screenshot.png."""
    user = pool.new_user(PASSWORD)
    mine = TodoApi(api_url, user)
    mine.create(title="企画書を仕上げる", memo="金曜までに部長へ提出\n図表を 3 点追加", priority=5)
    soon = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    mine.create(title="牛乳と卵を買う", memo="帰りにスーパーで", priority=2, due=soon)
    done = mine.create(title="歯医者の予約", memo="", priority=3)
    mine.update(done["id"], completed=True)
    sign_in(ui, user.email)
    expect(ui.locator("#todo-list tr")).to_have_count(3)
    expect(ui.locator("#list-status")).to_have_text("全 3 件 (未完了 2 件)")
    assert listed_titles(ui) == ["企画書を仕上げる", "牛乳と卵を買う", "歯医者の予約"]
    # Japanese text is drawn with a CJK font, not as empty boxes: its glyphs are wider than Latin ones.
    widths = ui.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
                   c.font = getComputedStyle(document.querySelector('.todo-title')).font;
                   return [c.measureText('企画書').width, c.measureText('iii').width]; }"""
    )
    assert widths[0] > 2 * widths[1]
    # The notice of the sign-in fades by itself.
    expect(ui.locator("#notice")).to_be_hidden()
    ui.set_viewport_size({"width": 1000, "height": 400})
    ui.screenshot(path=tmp_path / "signed-in.png")
    if os.environ.get("HOBOPY_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        ui.screenshot(path=SCREENSHOT)


ATTACK_PAGE = """<!doctype html><title>another site</title><script>
const TARGET = "AWSCognitoIdentityProviderService.";
function image(url) {
  return new Promise((done) => { const img = new Image(); img.onload = img.onerror = done; img.src = url; });
}
function settled(promise) { return promise.then(() => "answered", () => "refused"); }
async function attack(idp, pool, victim, spare, made) {
  const query = (action, more) => idp + "/?" + new URLSearchParams({Action: action, UserPoolId: pool, ...more});
  const simple = (url, body) => settled(fetch(url, {mode: "no-cors", method: body ? "POST" : "GET", body}));
  const preflighted = (action, more) => settled(fetch(idp + "/", {
    method: "POST",
    headers: {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + action},
    body: JSON.stringify({UserPoolId: pool, ...more}),
  }));
  await image(query("AdminSetUserPassword", {Username: victim, Password: "Attack3r-pass", Permanent: "true"}));
  await simple(query("AdminCreateUser", {Username: made, TemporaryPassword: "Attack3r-pass"}));
  await simple(query("AdminDisableUser", {Username: victim}), JSON.stringify({UserPoolId: pool, Username: victim}));
  await simple(idp + "/", new URLSearchParams({Action: "AdminDeleteUser", UserPoolId: pool, Username: spare}));
  const stopped = await preflighted("AdminDeleteUser", {Username: spare});
  await image(query("ListUsers", {}));
  await image(query("DeleteUserPool", {}));
  return stopped;
}
</script>"""


def test_a_page_on_another_origin_cannot_drive_the_identity_provider(browser, ui_stack, pool):
    """Images, no-cors fetches and simple POSTs carry no preflight (GETs not even an Origin); a request that
    needs a preflight is stopped there."""
    import http.server
    import threading

    class AttackPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = ATTACK_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    victim, spare, made = pool.new_user(PASSWORD), pool.new_user(PASSWORD), new_email()
    # A loopback address, but not one of the names the dev stage lets in: an origin of its own, as any site's.
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), AttackPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.2:{server.server_address[1]}/")
        arguments = [ui_stack.idp_url, ui_stack.auth["userPoolId"], victim.email, spare.email, made]
        preflighted = page.evaluate("(a) => attack(...a)", arguments)
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert preflighted == "refused"
    pool.refresh(victim)  # the password is the victim's own, the account enabled, the pool there
    pool.refresh(spare)
    for email, password in ((victim.email, "Attack3r-pass"), (made, "Attack3r-pass")):
        try:
            pool.sign_in(email, password)
        except AccountError as refused:
            assert refused.code in ("NotAuthorizedException", "UserNotFoundException"), refused
        else:
            raise AssertionError(f"{email} signed in with the page's password")
