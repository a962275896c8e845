"""In step, in headless Chromium: two tabs of one browser at once, two browsers (devices) by the poll, a poll of an
unchanged list that moves under 1 KB, and no poll from a hidden page."""

import datetime

import pytest
from playwright.sync_api import expect
from todoui import sync

from tests.support.browser import PageLog, eventually
from tests.support.signin import PASSWORD, sign_in
from tests.support.todoapi import TodoApi

# The most a poll of an unchanged list may take on the wire, in bytes.
POLL_BYTES = 1000


def row(page, todo_id):
    return page.locator(f"#todo-list tr[data-todo-id='{todo_id}']")


def create_in(page, title):
    page.click("#new-todo")
    page.fill("#modal-todo-title", title)
    page.click("#register-button")
    expect(page.locator("#input-form")).to_be_hidden()


@pytest.fixture
def person(ui_stack, api_url, pool):
    """A new person with one todo; their API."""
    user = pool.new_user(PASSWORD)
    mine = TodoApi(api_url, user)
    mine.create(title="はじめから")
    return user, mine


def signed_in_page(open_page, ui_stack, user):
    page = open_page(f"{ui_stack.ui_url}/index.html")
    sign_in(page, user.email)
    expect(page.locator("#todo-list .todo-row")).to_have_count(1)
    return page


def test_two_tabs_of_one_browser_see_each_others_changes_within_two_seconds(open_page, ui_stack, person):
    user, mine = person
    first = signed_in_page(open_page, ui_stack, user)
    second = first.context.new_page()
    second.log = PageLog(second)
    second.log.origins = first.log.origins
    second.goto(f"{ui_stack.ui_url}/index.html")
    sign_in(second, user.email)  # a tab keeps its own session

    create_in(first, "一つ目のタブで作った")
    expect(second.locator("#todo-list")).to_contain_text("一つ目のタブで作った", timeout=2000)
    (created,) = [todo for todo in mine.list() if todo["title"] == "一つ目のタブで作った"]
    second.locator(f"#check-{created['id']}").click()
    expect(first.locator(f"#check-{created['id']}")).to_be_checked(timeout=2000)
    first.click(f"#delete-{created['id']}")
    expect(row(second, created["id"])).to_have_count(0, timeout=2000)
    assert eventually(lambda: [todo["title"] for todo in mine.list()] == ["はじめから"])


def test_another_browser_of_the_same_person_sees_a_change_within_thirty_five_seconds(open_page, ui_stack, person):
    """No focus, no reload: the poll of the visible page brings it."""
    user, _ = person
    laptop = signed_in_page(open_page, ui_stack, user)
    phone = signed_in_page(open_page, ui_stack, user)
    assert laptop.context is not phone.context
    create_in(laptop, "ノートで作った")
    expect(phone.locator("#todo-list")).to_contain_text("ノートで作った", timeout=35_000)


def test_a_poll_of_an_unchanged_list_moves_under_one_kilobyte(open_page, ui_stack, person):
    user, _ = person
    page = signed_in_page(open_page, ui_stack, user)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    answers = {}
    sizes = {}
    cdp.on("Network.responseReceived", lambda event: answers.update({event["requestId"]: event["response"]}))
    cdp.on("Network.loadingFinished", lambda event: sizes.update({event["requestId"]: event["encodedDataLength"]}))
    page.wait_for_timeout(sync.CHECK_GAP_SECONDS * 1000)
    with page.expect_response(lambda answer: answer.url.endswith("/api/todos")) as polled:
        page.evaluate("() => window.dispatchEvent(new Event('focus'))")  # as a poll does, without waiting for it
    assert polled.value.status == 304
    page.wait_for_timeout(500)
    (request_id,) = [key for key, answer in answers.items() if answer["url"].endswith("/api/todos")]
    assert answers[request_id]["status"] == 304
    assert 0 < sizes[request_id] < POLL_BYTES, sizes[request_id]


HIDE = """hidden => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_a_visible_page_polls_a_hidden_one_never_and_one_shown_again_checks_at_once(open_page, ui_stack):
    page = open_page(f"{ui_stack.ui_url}/index.html", before=lambda page: page.clock.install())
    page.clock.pause_at(datetime.datetime.now() + datetime.timedelta(seconds=2))
    polls = []
    page.on("request", lambda request: polls.append(request) if request.url.endswith("/api/todos") else None)
    page.clock.run_for((sync.POLL_SECONDS + 1) * 1000)
    page.wait_for_timeout(1000)
    assert len(polls) == 1

    page.evaluate(HIDE, True)
    page.clock.run_for(sync.POLL_SECONDS * 4 * 1000)
    page.wait_for_timeout(1000)
    assert len(polls) == 1

    page.evaluate(HIDE, False)
    page.wait_for_timeout(1000)
    assert len(polls) == 2
