"""The list on a phone (390 x 844): one readable block per todo, thumb-sized targets, nothing wider than the screen;
and on a desktop screen the table it was."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import SCREENS
from tests.support.signin import PASSWORD, sign_in
from tests.support.todoapi import TodoApi

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-phone.png"
# The smallest touch target, in CSS pixels, and the narrowest a title may be drawn.
TARGET = 44
TITLE_WIDTH = 200
TODOS = [
    ("企画書を仕上げる", "金曜までに部長へ提出\n図表を 3 点追加", 5),
    ("引っ越しの準備", "段ボールを集めて、本と食器から詰める。" * 12, 4),
    ("確定申告", "領収書を月ごとに整理する", 4),
    ("Weekly report for the team", "English and 日本語 in one memo", 3),
    ("牛乳と卵を買う", "帰りにスーパーで", 2),
    ("歯医者の予約", "", 2),
    ("https://example.com/" + "a" * 150, "区切りのない長いタイトル", 1),
]

# The boxes of what the first screen shows, in CSS pixels.
MEASURE = """() => {
  const box = element => { const r = element.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  const rows = [...document.querySelectorAll("#todo-list .todo-row")];
  const onScreen = rows.filter(row => {
    const r = row.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  const header = [...document.querySelectorAll(".app-header h1, .app-header button, .app-header .account-who")]
    .filter(element => element.getClientRects().length > 0 && getComputedStyle(element).position !== "fixed");
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    rows: onScreen.map(row => ({
      title: box(row.querySelector(".todo-title")),
      targets: [".check-target", "[data-action=update]", "[data-action=delete]"].map(s => box(row.querySelector(s))),
    })),
    header: header.map(box),
    newTodo: box(document.getElementById("new-todo")),
  };
}"""


@pytest.fixture
def signed_in(open_page, ui_stack, api_url, pool):
    """A user with the todos of ``TODOS``; the page opened on ``screen`` and signed in as that user."""
    user = pool.new_user(PASSWORD)
    mine = TodoApi(api_url, user)
    for title, memo, priority in TODOS:
        mine.create(title=title, memo=memo, priority=priority)

    def open_on(screen):
        page = open_page(f"{ui_stack.ui_url}/index.html", screen=screen)
        sign_in(page, user.email)
        expect(page.locator("#todo-list .todo-row")).to_have_count(len(TODOS))
        return page

    return open_on


def assert_one_line(boxes):
    """The boxes share one line: each starts above where every other ends."""
    assert boxes
    assert max(top for _, top, _, _ in boxes) < min(top + height for _, top, _, height in boxes), boxes


def assert_target(box):
    assert box[2] >= TARGET and box[3] >= TARGET, box


def test_on_a_phone_each_todo_is_one_readable_block_and_five_fit_on_the_first_screen(signed_in, tmp_path):
    page = signed_in("phone")
    seen = page.evaluate(MEASURE)
    assert seen["innerWidth"] == SCREENS["phone"]["viewport"]["width"]
    assert seen["scrollWidth"] <= seen["innerWidth"]
    assert len(seen["rows"]) >= 5
    for row in seen["rows"]:
        assert row["title"][2] >= TITLE_WIDTH, row
        for target in row["targets"]:
            assert_target(target)
    assert_target(seen["newTodo"])
    assert_one_line(seen["header"])
    # The memo sits under the title, and the row's controls under the memo.
    first = page.locator("#todo-list .todo-row").first
    title, memo, check = (first.locator(s).bounding_box() for s in (".todo-title", ".todo-memo", ".check-target"))
    assert title["y"] + title["height"] <= memo["y"] and memo["y"] + memo["height"] <= check["y"]
    page.click("#notice-dismiss")
    expect(page.locator("#notice")).to_be_hidden()
    # The tap's pointer stays where the notice was, over a row's button now: a finger lifted leaves no hover.
    page.mouse.move(0, 0)
    page.screenshot(path=tmp_path / "phone.png")
    if os.environ.get("HOBOPY_UPDATE_SCREENSHOT") == "1":
        page.screenshot(path=SCREENSHOT)


def test_on_a_phone_the_checkbox_answers_a_tap_anywhere_on_its_target(signed_in, tmp_path):
    page = signed_in("phone")
    first = page.locator("#todo-list .todo-row").first
    todo_id = first.get_attribute("data-todo-id")
    target = first.locator(".check-target").bounding_box()
    # A corner of the 44 px target, outside the drawn box.
    page.touchscreen.tap(target["x"] + 2, target["y"] + 2)
    expect(page.locator(f"#check-{todo_id}")).to_be_checked()
    expect(page.locator(f".todo-row[data-todo-id='{todo_id}']")).to_have_class("todo-row is-completed")


def test_on_a_phone_the_header_keeps_to_one_line_and_sign_up_is_in_the_sign_in_dialog(open_page, ui_stack, tmp_path):
    page = open_page(f"{ui_stack.ui_url}/index.html", screen="phone")
    seen = page.evaluate(MEASURE)
    assert_one_line(seen["header"])
    assert seen["scrollWidth"] <= seen["innerWidth"]
    expect(page.locator("#sign-up-button")).to_be_hidden()
    page.click("#sign-in-button")
    page.click("#auth-switch")
    expect(page.locator("#auth-title")).to_have_text("アカウント作成")
    page.screenshot(path=tmp_path / "phone-sign-up.png")


def test_on_a_desktop_screen_the_list_stays_a_table(signed_in, tmp_path):
    page = signed_in("desktop")
    expect(page.locator("#todo-table thead")).to_be_visible()
    assert page.locator("#todo-list .todo-row").first.evaluate("row => getComputedStyle(row).display") == "table-row"
    assert page.locator("#new-todo").evaluate("button => getComputedStyle(button).position") == "static"
    seen = page.evaluate(MEASURE)
    assert_one_line(seen["header"])
    assert seen["scrollWidth"] <= seen["innerWidth"]
    page.screenshot(path=tmp_path / "desktop.png")
