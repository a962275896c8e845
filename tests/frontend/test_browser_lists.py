"""Due dates, views, search, sorts and your own order in headless Chromium, on a desktop screen and a phone's.

Each test signs in as a user of its own, so its list holds only what it made.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.support.signin import PASSWORD, sign_in
from tests.support.todoapi import TodoApi

ROWS = "#todo-list .todo-row"
SHOWN_IDS = "rows => rows.filter(row => !row.hidden).map(row => row.dataset.todoId)"
TODAY_IN_PAGE = "(() => { const d = new Date(); return [d.getFullYear(), d.getMonth() + 1, d.getDate()]; })()"


class Mine:
    """A user's list: the API as that user, the page signed in, and the PUTs the page sent."""

    def __init__(self, api, page):
        self.api = api
        self.page = page
        self.puts = []
        page.on("request", lambda request: self.puts.append(request.url) if request.method == "PUT" else None)

    def today(self):
        return datetime.date(*self.page.evaluate(TODAY_IN_PAGE))

    def shown(self):
        return self.page.locator(ROWS).evaluate_all(SHOWN_IDS)

    def row(self, todo_id):
        return self.page.locator(f"{ROWS}[data-todo-id='{todo_id}']")

    def reload(self):
        self.page.reload()
        expect(self.page.locator("#todo-list")).to_have_attribute("aria-busy", "false")

    def stored_order(self):
        """The ids in your own order as the API holds them: by position, those without one after, by id."""
        todos = self.api.list()
        return [
            t["id"] for t in sorted(todos, key=lambda t: (t.get("position") is None, t.get("position") or "", t["id"]))
        ]

    def versions(self):
        return {todo["id"]: todo["version"] for todo in self.api.list()}


@pytest.fixture
def mine(open_page, ui_stack, api_url, pool):
    """``make(todos, screen)``: a new user holding ``todos`` (dicts of fields, made in order), the page signed in."""

    def make(todos, screen="desktop"):
        user = pool.new_user(PASSWORD)
        api = TodoApi(api_url, user)
        made = [api.create(**{"title": f"todo {index}", **fields}) for index, fields in enumerate(todos)]
        page = open_page(f"{ui_stack.ui_url}/index.html", screen=screen)
        sign_in(page, user.email)
        expect(page.locator(ROWS)).to_have_count(len(todos))
        return Mine(api, page), [todo["id"] for todo in made]

    return make


screens = pytest.mark.parametrize("screen", ["desktop", "phone"])


def move_and_wait(mine, action):
    """Do ``action`` and wait for the PUT it sends to be answered."""
    with mine.page.expect_response(lambda response: response.request.method == "PUT") as answer:
        action()
    assert answer.value.status == 200


@screens
def test_a_due_date_is_set_shown_and_cleared_in_the_dialog(mine, screen, tmp_path):
    todos, (todo_id,) = mine([{"title": "期限をつける"}], screen)
    page = todos.page
    due = todos.today() + datetime.timedelta(days=3)
    page.click(f"#update-{todo_id}")
    page.fill("#modal-todo-due", due.isoformat())
    page.screenshot(path=tmp_path / f"{screen}-dialog.png")
    page.click("#register-button")
    expect(page.locator("#input-form")).to_be_hidden()
    assert todos.api.get(todo_id).json()["due"] == due.isoformat()
    expect(todos.row(todo_id).locator(".todo-due")).to_contain_text(f"{due.month}/{due.day}(")

    page.click(f"#update-{todo_id}")
    expect(page.locator("#modal-todo-due")).to_have_value(due.isoformat())
    page.click("#due-clear")
    expect(page.locator("#modal-todo-due")).to_have_value("")
    page.click("#register-button")
    expect(page.locator("#input-form")).to_be_hidden()
    assert todos.api.get(todo_id).json().get("due") is None
    expect(todos.row(todo_id).locator(".todo-due")).to_have_text("")


def test_a_new_todo_takes_its_date_from_the_dialog_and_a_date_typed_halfway_is_not_sent(mine):
    todos, _ = mine([])
    page = todos.page
    page.click("#new-todo")
    page.fill("#modal-todo-title", "日付つきで登録")
    page.focus("#modal-todo-due")
    page.keyboard.type("12")  # the month alone: the browser holds no date it can give
    page.click("#register-button")
    expect(page.locator("#due-hint")).to_have_text("期限は実在する日付を選んでください (空欄なら期限なし)。")
    assert todos.api.list() == []
    page.fill("#modal-todo-due", "2031-02-28")
    page.click("#register-button")
    expect(page.locator("#input-form")).to_be_hidden()
    (created,) = todos.api.list()
    assert (created["title"], created["due"]) == ("日付つきで登録", "2031-02-28")
    expect(todos.row(created["id"]).locator(".todo-due")).to_have_text("2031/2/28(金)まで")


@screens
def test_overdue_todos_say_so_and_the_today_view_shows_them_with_those_due_today(mine, screen, tmp_path):
    today = datetime.date.today()
    days = [-3, 0, 1, None, -1]
    fields = [{"due": None if day is None else (today + datetime.timedelta(days=day)).isoformat()} for day in days]
    fields[4]["completed"] = True
    todos, ids = mine(fields, screen)
    if todos.today() != today:
        pytest.skip("the date changed while the test set up")
    overdue, due_today, tomorrow, undated, done = ids
    expect(todos.row(overdue)).to_have_class(re.compile(r"\bis-overdue\b"))
    expect(todos.row(overdue).locator(".todo-due")).to_contain_text("期限切れ")
    expect(todos.row(due_today).locator(".todo-due")).to_have_text("今日まで")
    expect(todos.row(tomorrow).locator(".todo-due")).to_have_text("明日まで")
    for todo_id in (due_today, tomorrow, undated, done):
        expect(todos.row(todo_id)).not_to_have_class(re.compile(r"\bis-overdue\b"))
    expect(todos.page.locator("#today-count")).to_have_text("2")
    todos.page.screenshot(path=tmp_path / f"{screen}-dates.png", full_page=True)

    todos.page.click("label[for=view-today]")
    assert todos.shown() == [overdue, due_today]
    expect(todos.page.locator("#list-status")).to_have_text("2 件を表示 (全 5 件)")
    todos.page.click("label[for=view-completed]")
    assert todos.shown() == [done]
    todos.page.click("label[for=view-all]")
    assert todos.shown() == ids
    expect(todos.page.locator("#list-status")).to_have_text("全 5 件 (未完了 4 件)")

    # Completing one in the today view takes its row away, and the focus goes to the row beside it.
    todos.page.click("label[for=view-today]")
    todos.page.click(f"#check-{due_today}")
    expect(todos.page.locator("#today-count")).to_have_text("1")
    expect(todos.row(due_today)).to_be_hidden()
    assert todos.shown() == [overdue]
    expect(todos.page.locator(f"#check-{overdue}")).to_be_focused()


def test_search_narrows_the_list_as_each_character_is_typed(mine):
    todos, ids = mine(
        [
            {"title": "Buy MILK", "memo": "at the shop"},
            {"title": "牛乳を買う", "memo": "スーパーで milk"},
            {"title": "Call mum", "memo": "about the milkman"},
            {"title": "Make tea"},
        ]
    )
    page = todos.page
    page.click("#search-box")
    seen = []
    for char in "mil s":
        page.keyboard.type(char)
        seen.append(todos.shown())
    # "m", "mi", "mil", "mil ", "mil s": any case, in titles and memos, every word.
    assert seen == [ids, ids[:3], ids[:3], ids[:3], ids[:1]]
    expect(page.locator("#list-status")).to_have_text("1 件を表示 (全 4 件)")
    page.fill("#search-box", "牛乳")
    assert todos.shown() == [ids[1]]
    page.fill("#search-box", "zzz")
    expect(page.locator("#list-status")).to_have_text("検索に一致する ToDo はありません。")
    expect(page.locator("#todo-table")).to_be_hidden()
    page.fill("#search-box", "")
    assert todos.shown() == ids


@screens
def test_sorting_by_due_date_and_by_priority_and_the_choice_survives_a_reload(mine, screen):
    todos, ids = mine(
        [
            {"priority": 1, "due": "2030-05-01"},
            {"priority": 5},
            {"priority": 3, "due": "2030-01-01"},
            {"priority": 4, "due": "2030-03-01"},
        ],
        screen,
    )
    low, high, middle, higher = ids
    assert todos.shown() == ids
    todos.page.select_option("#sort-select", "due")
    assert todos.shown() == [middle, higher, low, high]
    expect(todos.page.locator(".todo-grip").first).to_be_hidden()
    todos.page.select_option("#sort-select", "priority")
    assert todos.shown() == [high, higher, middle, low]
    todos.reload()
    expect(todos.page.locator("#sort-select")).to_have_value("priority")
    assert todos.shown() == [high, higher, middle, low]
    todos.page.select_option("#sort-select", "own")
    assert todos.shown() == ids


def grip_middle(todos, todo_id):
    box = todos.row(todo_id).locator(".todo-grip").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def above_middle_of(todos, todo_id):
    """A height just above the middle of a row: a row dropped there lands before it."""
    box = todos.row(todo_id).bounding_box()
    return box["y"] + box["height"] / 2 - 4


PLACED = [{"position": key} for key in ["V", "W", "X", "Y"]]


def assert_moved_once(todos, before, moved_id, order):
    """One PUT, of the moved todo; the page, the API and the page after a reload agree on ``order``."""
    assert len(todos.puts) == 1 and todos.puts[0].endswith(moved_id), todos.puts
    after = todos.versions()
    assert {todo_id: after[todo_id] - before[todo_id] for todo_id in before} == {
        todo_id: 1 if todo_id == moved_id else 0 for todo_id in before
    }
    assert todos.shown() == order
    assert todos.stored_order() == order
    todos.reload()
    assert todos.shown() == order


def test_dragging_a_row_with_the_mouse_moves_it_with_one_put_that_persists(mine, tmp_path):
    todos, (a, b, c, d) = mine(PLACED)
    before = todos.versions()
    page = todos.page
    x, y = grip_middle(todos, d)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, above_middle_of(todos, b), steps=12)
    expect(todos.row(d)).to_have_class(re.compile(r"\bis-dragging\b"))
    expect(todos.row(a)).to_have_class(re.compile(r"\bdrop-after\b"))
    page.wait_for_timeout(300)  # the rows passed slide aside (0.15 s): the picture shows them settled
    page.screenshot(path=tmp_path / "desktop-drag.png")
    move_and_wait(todos, page.mouse.up)
    expect(todos.row(d)).not_to_have_class(re.compile(r"\bis-dragging\b"))
    assert_moved_once(todos, before, d, [a, d, b, c])


def touch(cdp, kind, x=None, y=None):
    points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_dragging_a_row_with_a_finger_moves_it_with_one_put_that_persists(mine, tmp_path):
    todos, (a, b, c, d) = mine(PLACED, "phone")
    before = todos.versions()
    page = todos.page
    page.evaluate("window.__pointers = []; addEventListener('pointerdown', e => __pointers.push(e.pointerType), true)")
    cdp = page.context.new_cdp_session(page)
    x, y = grip_middle(todos, a)
    target = todos.row(c).bounding_box()
    touch(cdp, "touchStart", x, y)
    steps = 12
    goal = target["y"] + target["height"] / 2 + 6
    for step in range(1, steps + 1):
        touch(cdp, "touchMove", x, y + (goal - y) * step / steps)
    expect(todos.row(c)).to_have_class(re.compile(r"\bdrop-after\b"))
    page.wait_for_timeout(300)  # the rows passed slide aside (0.15 s): the picture shows them settled
    page.screenshot(path=tmp_path / "phone-drag.png")
    move_and_wait(todos, lambda: touch(cdp, "touchEnd"))
    assert page.evaluate("window.__pointers") == ["touch"]
    assert_moved_once(todos, before, a, [b, c, a, d])


@screens
def test_alt_and_an_arrow_move_the_focused_row_and_the_focus_stays(mine, screen):
    todos, (a, b, c, d) = mine(PLACED, screen)
    before = todos.versions()
    page = todos.page
    page.focus(f"#check-{c}")
    move_and_wait(todos, lambda: page.keyboard.press("Alt+ArrowUp"))
    expect(page.locator(f"#check-{c}")).to_be_focused()
    expect(page.locator("#move-status")).to_have_text(re.compile("2 番目に移動しました"))
    assert_moved_once(todos, before, c, [a, c, b, d])
    # Pressed again at once, each move starts from where the last one left the list.
    todos.puts.clear()
    page.focus(f"#check-{a}")
    with page.expect_response(lambda response: response.request.method == "PUT" and len(todos.puts) == 2) as last:
        page.keyboard.press("Alt+ArrowDown")
        page.keyboard.press("Alt+ArrowDown")
    assert last.value.status == 200
    assert todos.stored_order() == [c, b, a, d]
    assert todos.shown() == [c, b, a, d]


@screens
def test_the_up_and_down_buttons_move_a_row_one_place(mine, screen):
    todos, (a, b, c, d) = mine(PLACED, screen)
    before = todos.versions()
    move_and_wait(todos, lambda: todos.page.click(f"#down-{a}"))
    expect(todos.page.locator(f"#down-{a}")).to_be_focused()
    assert_moved_once(todos, before, a, [b, a, c, d])
    # At an end a button moves nothing.
    todos.puts.clear()
    todos.page.click(f"#up-{b}")
    todos.page.click(f"#down-{d}")
    assert todos.shown() == [b, a, c, d] and todos.puts == []


def test_in_a_list_without_positions_the_first_move_gives_the_rows_above_theirs_and_later_moves_one(mine):
    todos, (a, b, c, d) = mine([{}, {}, {}, {}])
    page = todos.page
    with page.expect_response(lambda response: response.request.method == "PUT" and c in response.url):
        page.click(f"#up-{c}")
    expect(page.locator("#todo-list")).to_have_attribute("aria-busy", "false")
    assert [url.rsplit("/", 1)[1] for url in todos.puts] == [a, c]
    assert todos.stored_order() == [a, c, b, d]
    todos.puts.clear()
    move_and_wait(todos, lambda: page.click(f"#up-{c}"))
    assert [url.rsplit("/", 1)[1] for url in todos.puts] == [c]
    todos.reload()
    assert todos.shown() == [c, a, b, d]


def test_a_new_todo_goes_last_in_your_own_order_and_rows_move_only_in_it(mine):
    todos, ids = mine(PLACED)
    page = todos.page
    page.click("#new-todo")
    page.fill("#modal-todo-title", "最後に来る")
    page.click("#register-button")
    expect(page.locator(ROWS)).to_have_count(5)
    created = next(todo for todo in todos.api.list() if todo["title"] == "最後に来る")
    assert created["position"] > "Y"
    assert todos.shown() == [*ids, created["id"]]
    todos.puts.clear()  # the create itself went as a PUT under the page's id
    page.select_option("#sort-select", "priority")
    expect(page.locator(f"#up-{ids[1]}")).to_be_hidden()
    page.focus(f"#check-{ids[1]}")
    page.keyboard.press("Alt+ArrowUp")
    page.select_option("#sort-select", "own")
    assert todos.shown() == [*ids, created["id"]] and todos.puts == []
