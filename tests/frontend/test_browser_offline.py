"""Offline in headless Chromium: the page opens from the device, changes wait in the outbox and reach the server once
when the network returns; a conflict is shown with both versions; an ended session waits for the person."""

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from todoui import account, texts

from tests.support.browser import eventually
from tests.support.signin import PASSWORD, fill_account_form, sign_in
from tests.support.todoapi import TodoApi

# Where the screenshots of the banner and the conflict dialog are kept for looking at, beside the test's own folder.
SHOTS = Path("/tmp/hobopy-offline-screens")
# What Chromium logs while the network is off: failed requests, and the worker's update check.
OFFLINE_ERRORS = ["net::ERR_INTERNET_DISCONNECTED", "An unknown error occurred when fetching the script"]


def row(page, todo_id):
    return page.locator(f"#todo-list tr[data-todo-id='{todo_id}']")


def title_cell(page, todo_id):
    return row(page, todo_id).locator("td").nth(1)


def keep_shot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


KEPT = "() => new Promise(done => { const open = indexedDB.open('hobopy'); open.onsuccess = () => { const read = open.result.transaction('lists').objectStore('lists').getAllKeys(); read.onsuccess = () => done(read.result); }; })"  # noqa: E501


def kept_owners(page):
    """Whose lists the device keeps (IndexedDB): the demo list as "-", a person's under their sub."""
    return page.evaluate(KEPT)


def until_the_worker_serves(page):
    """The service worker has installed the build and controls the page: a reload needs no network."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def go_offline(page):
    page.context.set_offline(True)
    page.log.allow(*OFFLINE_ERRORS)


def back_online(page):
    page.context.set_offline(False)


@pytest.fixture
def person(open_page, ui_stack, api_url, pool):
    """A new person with the todos ``titles``, the page open on ``screen`` and signed in as them; their API."""

    def make(screen, titles):
        user = pool.new_user(PASSWORD)
        mine = TodoApi(api_url, user)
        todos = [mine.create(title=title) for title in titles]
        page = open_page(f"{ui_stack.ui_url}/index.html", screen=screen)
        sign_in(page, user.email)
        expect(page.locator("#todo-list .todo-row")).to_have_count(len(titles))
        until_the_worker_serves(page)
        page.wait_for_function(f"async () => (await ({KEPT})()).some(key => key !== '-')")
        return page, mine, todos, user

    return make


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_offline_the_page_reopens_with_its_list_and_its_changes_reach_the_server_once_back_online(
    person, screen, tmp_path
):
    page, mine, (edited, toggled, deleted), _ = person(screen, ["書き換える", "完了にする", "消す"])
    go_offline(page)
    page.reload()
    expect(page.locator("#todo-list .todo-row")).to_have_count(3)
    expect(page.locator("#offline-banner")).to_have_text(texts.OFFLINE)

    page.click("#new-todo")
    page.fill("#modal-todo-title", "電車の中で書いた")
    page.fill("#modal-todo-memo", "圏外")
    page.click("#register-button")
    expect(page.locator("#input-form")).to_be_hidden()
    expect(page.locator("#todo-list")).to_contain_text("電車の中で書いた")
    page.click(f"#update-{edited['id']}")
    page.fill("#modal-todo-title", "書き換えた")
    page.click("#register-button")
    expect(title_cell(page, edited["id"])).to_have_text("書き換えた")
    page.locator(f"#check-{toggled['id']}").click()
    expect(page.locator(f"#check-{toggled['id']}")).to_be_checked()
    page.click(f"#delete-{deleted['id']}")
    expect(row(page, deleted["id"])).to_have_count(0)
    expect(page.locator("#offline-banner")).to_have_text(texts.fill(texts.OFFLINE_WAITING, [4]))
    keep_shot(page, tmp_path, f"offline-banner-{screen}")
    # Nothing reached the server, and a reload keeps the changes waiting.
    assert sorted(todo["title"] for todo in mine.list()) == ["完了にする", "書き換える", "消す"]
    page.reload()
    expect(page.locator("#offline-banner")).to_have_text(texts.fill(texts.OFFLINE_WAITING, [4]))
    expect(title_cell(page, edited["id"])).to_have_text("書き換えた")

    back_online(page)
    assert eventually(
        lambda: sorted(todo["title"] for todo in mine.list()) == ["完了にする", "書き換えた", "電車の中で書いた"]
    )
    expect(page.locator("#offline-banner")).to_be_hidden()
    stored = {todo["title"]: todo for todo in mine.list()}
    assert stored["完了にする"]["completed"] is True
    assert stored["電車の中で書いた"]["memo"] == "圏外"
    # The create went under the id the page made, and the row shows the server's version of it.
    created = stored["電車の中で書いた"]
    expect(row(page, created["id"])).to_have_count(1)
    page.reload()
    expect(page.locator("#todo-list .todo-row")).to_have_count(3)
    assert len(mine.list()) == 3


def conflict_after(page, mine, todo, mine_title, their_title):
    """Edit ``todo`` offline while it changes on the server; the conflict dialog once back online."""
    go_offline(page)
    page.click(f"#update-{todo['id']}")
    page.fill("#modal-todo-title", mine_title)
    page.fill("#modal-todo-memo", "この端末のメモ")
    page.click("#register-button")
    expect(title_cell(page, todo["id"])).to_have_text(mine_title)
    theirs = mine.update(todo["id"], title=their_title, priority=5)
    back_online(page)
    dialog = page.locator("#conflict-dialog")
    expect(dialog).to_be_visible()
    return dialog, theirs


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_an_edit_that_meets_a_newer_version_shows_both_and_keeps_the_one_chosen(person, screen, tmp_path):
    page, mine, (todo,), _ = person(screen, ["二か所で編集"])
    page.log.allow_status(412)
    dialog, theirs = conflict_after(page, mine, todo, "この端末の題", "ほかの画面の題")
    expect(dialog.locator("#conflict-lead")).to_have_text(texts.fill(texts.CONFLICT_CHANGED, ["この端末の題"]))
    expect(dialog.locator(".conflict-mine")).to_contain_text("この端末の題")
    expect(dialog.locator(".conflict-mine")).to_contain_text("この端末のメモ")
    expect(dialog.locator(".conflict-theirs")).to_contain_text("ほかの画面の題")
    expect(dialog.locator(".conflict-theirs")).to_contain_text("最高")
    expect(dialog.locator(".conflict-mine .is-different")).to_have_count(3)  # title, memo, priority
    expect(page.locator("#keep-mine")).to_be_focused()
    keep_shot(page, tmp_path, f"conflict-dialog-{screen}")

    page.click("#keep-mine")
    expect(dialog).to_be_hidden()
    expect(page.locator("#notice")).to_contain_text(texts.fill(texts.KEPT_MINE, ["この端末の題"]))
    assert eventually(lambda: mine.get(todo["id"]).json()["title"] == "この端末の題")
    expect(page.locator("#offline-banner")).to_be_hidden()
    stored = mine.get(todo["id"]).json()
    assert (stored["title"], stored["memo"], stored["priority"]) == ("この端末の題", "この端末のメモ", 3)
    assert stored["version"] == theirs["version"] + 1
    expect(title_cell(page, todo["id"])).to_have_text("この端末の題")

    dialog, theirs = conflict_after(page, mine, todo, "もう一度この端末で", "今度はほかの画面が残る")
    page.click("#keep-theirs")
    expect(dialog).to_be_hidden()
    expect(page.locator("#notice")).to_contain_text(texts.fill(texts.KEPT_THEIRS, ["もう一度この端末で"]))
    expect(title_cell(page, todo["id"])).to_have_text("今度はほかの画面が残る")
    expect(page.locator("#offline-banner")).to_be_hidden()
    assert mine.get(todo["id"]).json() == theirs


def test_a_delete_that_meets_an_edit_elsewhere_asks_and_keeping_theirs_brings_the_todo_back(person):
    page, mine, (todo,), _ = person("desktop", ["消すか残すか"])
    page.log.allow_status(412)
    go_offline(page)
    page.click(f"#delete-{todo['id']}")
    expect(row(page, todo["id"])).to_have_count(0)
    mine.update(todo["id"], memo="ほかの画面で書き足した")
    back_online(page)
    dialog = page.locator("#conflict-dialog")
    expect(dialog.locator(".conflict-mine")).to_contain_text(texts.DELETED_HERE)
    expect(dialog.locator(".conflict-theirs")).to_contain_text("ほかの画面で書き足した")
    page.click("#keep-theirs")
    expect(row(page, todo["id"]).locator("td").nth(2)).to_have_text("ほかの画面で書き足した")
    assert mine.get(todo["id"]).status_code == 200


def test_a_session_that_ended_while_offline_keeps_the_changes_until_the_person_signs_in_again(person):
    page, mine, (todo,), user = person("desktop", ["あとで送る"])
    page.log.allow_status(400)  # the provider refuses the refresh token
    go_offline(page)
    page.locator(f"#check-{todo['id']}").click()
    expect(page.locator("#offline-banner")).to_have_text(texts.fill(texts.OFFLINE_WAITING, [1]))
    # While offline the session runs out and its refresh token stops working.
    stored = json.loads(page.evaluate(f"sessionStorage.getItem({json.dumps(account.STORAGE_KEY)})"))
    ended = {**stored, "refreshToken": "revoked", "expiresAt": 1, "refreshAt": 1}
    page.evaluate(f"sessionStorage.setItem({json.dumps(account.STORAGE_KEY)}, {json.dumps(json.dumps(ended))})")
    page.reload()
    expect(page.locator(f"#check-{todo['id']}")).to_be_checked()

    back_online(page)
    expect(page.locator("#auth-dialog")).to_be_visible()
    expect(page.locator("#auth-note")).to_have_text(texts.EXPIRED)
    expect(page.locator("#offline-banner")).to_have_text(texts.fill(texts.WAITING_SIGN_IN, [1]))
    assert mine.get(todo["id"]).json()["completed"] is False

    fill_account_form(page, user.email, PASSWORD)
    expect(page.locator("#auth-dialog")).to_be_hidden()
    assert eventually(lambda: mine.get(todo["id"]).json()["completed"] is True)
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_signing_out_forgets_the_list_on_the_device(person):
    page, _, _, _ = person("desktop", ["この端末に残らない"])
    # The demo list shown before signing in is kept as "-"; the person's under their sub.
    (sub,) = [key for key in kept_owners(page) if key != "-"]
    page.click("#sign-out-button")
    expect(page.locator("#sign-in-button")).to_be_visible()
    page.wait_for_function(f"async () => !(await ({KEPT})()).includes({json.dumps(sub)})")
