"""The UI in headless Chromium against the running stack (dynalite, chalice local, the UI server)."""

import datetime
import json
import re
import uuid

import pytest
from playwright.sync_api import expect
from todoui import flows, texts

SEED = {
    "L5": ("プロフィールページ作成", "分かりやすく端的に、且つ、魅力的に", "中"),
    "L6": ("サイドメニューのカスタマイズ", "プロフィール、検索メニューが必要", "低"),
    "L7": ("リスト(Li)カスタマイズ", "できるかな?", "中"),
}
XSS_TITLE = "<img src=x onerror=window.__xss=1>"
MEMO = "新時代、熱狂しろ！\n二行目"  # noqa: RUF001 (Japanese punctuation is full width)


@pytest.fixture(params=["desktop", "phone"])
def screen_ui(request, open_page, ui_stack):
    """A page on the session's stack, loaded: each test walks the page on a desktop screen and on a phone's."""
    return open_page(f"{ui_stack.ui_url}/index.html", screen=request.param)


def unique(text):
    return f"{text} {uuid.uuid4().hex[:6]}"


def row(page, todo_id):
    return page.locator(f"#todo-list tr[data-todo-id='{todo_id}']")


def open_new_dialog(page):
    page.click("#new-todo")
    expect(page.locator(".modal-title")).to_be_visible()
    expect(page.locator(".modal-title")).to_have_text("新規登録")


def fill_form(page, title=None, memo=None, priority=None):
    if title is not None:
        page.fill("#modal-todo-title", title)
    if memo is not None:
        page.fill("#modal-todo-memo", memo)
    if priority is not None:
        page.select_option("#modal-todo-priority", str(priority))


def find_by_title(todo_api, title):
    matches = [todo for todo in todo_api.list() if todo["title"] == title]
    assert len(matches) == 1, matches
    return matches[0]


def test_the_seed_todos_render_in_japanese_with_labels_and_in_sort_order(screen_ui, tmp_path):
    for todo_id, (title, memo, label) in SEED.items():
        cells = row(screen_ui, todo_id).locator("td")
        expect(cells.nth(1)).to_have_text(title)
        expect(cells.nth(2)).to_have_text(memo)
        expect(cells.nth(3)).to_have_text(label)
        expect(screen_ui.locator(f"#check-{todo_id}")).not_to_be_checked()
        expect(screen_ui.locator(f"#update-{todo_id}")).to_have_text("変更")
        expect(screen_ui.locator(f"#delete-{todo_id}")).to_have_text("削除")
    ids = screen_ui.locator("#todo-list tr").evaluate_all("rows => rows.map(r => r.dataset.todoId)")
    # Your own order first: the seed's todos have no position, so they come by id.
    assert [todo_id for todo_id in ids if todo_id in SEED] == ["L5", "L6", "L7"]
    screen_ui.select_option("#sort-select", "priority")
    ids = screen_ui.locator("#todo-list tr").evaluate_all("rows => rows.map(r => r.dataset.todoId)")
    # By priority: the same priority (中) and no createdAt by id; 低 comes after.
    assert [todo_id for todo_id in ids if todo_id in SEED] == ["L5", "L7", "L6"]
    assert screen_ui.evaluate("document.documentElement.lang") == "ja"
    expect(screen_ui.locator("#new-todo")).to_have_text("新規登録")
    screen_ui.set_viewport_size({"width": 1000, "height": 330})
    screen_ui.screenshot(path=tmp_path / "seed.png")


def test_creating_a_todo_in_the_dialog_reaches_the_api_and_the_list(screen_ui, todo_api):
    title = unique("CATCH the GLORY")
    open_new_dialog(screen_ui)
    expect(screen_ui.locator("#modal-todo-priority")).to_have_value("3")
    fill_form(screen_ui, title=title, memo=MEMO, priority=5)
    screen_ui.click("#register-button")

    expect(screen_ui.locator("#input-form")).to_be_hidden()
    created = find_by_title(todo_api, title)
    assert (created["memo"], created["priority"], created["completed"]) == (MEMO, 5, False)
    cells = row(screen_ui, created["id"]).locator("td")
    expect(cells.nth(1)).to_have_text(title)
    expect(cells.nth(3)).to_have_text("最高")
    # Focus comes back to the list, on the new row.
    expect(screen_ui.locator(f"#check-{created['id']}")).to_be_focused()
    expect(screen_ui.locator("#notice")).to_contain_text(title)


def test_enter_submits_the_form_and_escape_closes_it_without_saving(screen_ui, todo_api):
    before = todo_api.titles()
    screen_ui.focus("#new-todo")
    screen_ui.keyboard.press("Enter")
    expect(screen_ui.locator("#modal-todo-title")).to_be_focused()
    screen_ui.keyboard.type("閉じるだけ")
    screen_ui.keyboard.press("Escape")
    expect(screen_ui.locator("#input-form")).to_be_hidden()
    expect(screen_ui.locator("#new-todo")).to_be_focused()
    assert todo_api.titles() == before

    title = unique("キーボードで登録")
    screen_ui.keyboard.press("Enter")
    expect(screen_ui.locator("#modal-todo-title")).to_have_value("")
    screen_ui.keyboard.type(title)
    screen_ui.keyboard.press("Enter")
    expect(screen_ui.locator("#input-form")).to_be_hidden()
    created = find_by_title(todo_api, title)
    expect(screen_ui.locator(f"#check-{created['id']}")).to_be_focused()


def test_editing_a_todo_changes_it_in_the_api_and_the_list(screen_ui, todo_api):
    todo = todo_api.create(title=unique("変更前"), memo="メモ", priority=2)
    screen_ui.reload()
    screen_ui.click(f"#update-{todo['id']}")
    expect(screen_ui.locator(".modal-title")).to_have_text("変更")
    expect(screen_ui.locator("#modal-todo-title")).to_have_value(todo["title"])
    expect(screen_ui.locator("#modal-todo-memo")).to_have_value("メモ")
    expect(screen_ui.locator("#modal-todo-priority")).to_have_value("2")

    new_title = unique("変更後")
    fill_form(screen_ui, title=new_title, priority=4)
    screen_ui.click("#register-button")

    expect(screen_ui.locator("#input-form")).to_be_hidden()
    expect(row(screen_ui, todo["id"]).locator("td").nth(1)).to_have_text(new_title)
    expect(row(screen_ui, todo["id"]).locator("td").nth(3)).to_have_text("高")
    stored = todo_api.get(todo["id"]).json()
    assert (stored["title"], stored["memo"], stored["priority"]) == (new_title, "メモ", 4)
    assert stored["version"] == todo["version"] + 1
    expect(screen_ui.locator(f"#update-{todo['id']}")).to_be_focused()


def test_the_checkbox_completes_and_reopens_a_todo_and_the_row_moves(screen_ui, todo_api):
    todo = todo_api.create(title=unique("チェック"), priority=5)
    screen_ui.reload()
    check = screen_ui.locator(f"#check-{todo['id']}")
    check.check()
    expect(row(screen_ui, todo["id"])).to_have_class(re.compile(r"\bis-completed\b"))
    assert todo_api.get(todo["id"]).json()["completed"] is True
    ids = screen_ui.locator("#todo-list tr").evaluate_all("rows => rows.map(r => r.dataset.todoId)")
    # Completed rows come after every open one.
    assert ids.index(todo["id"]) > ids.index("L6")
    expect(screen_ui.locator(f"#check-{todo['id']}")).to_be_focused()

    screen_ui.locator(f"#check-{todo['id']}").uncheck()
    expect(row(screen_ui, todo["id"])).not_to_have_class(re.compile(r"\bis-completed\b"))
    assert todo_api.get(todo["id"]).json()["completed"] is False


def test_delete_removes_the_todo_from_the_api_and_the_list_and_undo_brings_it_back(screen_ui, todo_api):
    title = unique("削除する")
    todo = todo_api.create(title=title, memo="消える", priority=1)
    screen_ui.reload()
    screen_ui.click(f"#delete-{todo['id']}")
    expect(row(screen_ui, todo["id"])).to_have_count(0)
    assert todo_api.get(todo["id"]).status_code == 404
    expect(screen_ui.locator("#notice")).to_contain_text(title)

    screen_ui.click("#notice-action")
    expect(screen_ui.locator("#notice")).to_contain_text("元に戻しました")
    restored = find_by_title(todo_api, title)
    assert (restored["memo"], restored["priority"]) == ("消える", 1)
    expect(row(screen_ui, restored["id"]).locator("td").nth(1)).to_have_text(title)


def test_a_change_redraws_its_own_row_and_leaves_the_other_rows_as_they_were(screen_ui, todo_api):
    todo = todo_api.create(title=unique("この行だけ"), priority=5)
    screen_ui.reload()
    expect(row(screen_ui, todo["id"])).to_be_visible()  # the list is drawn: the count below is the whole list's
    rows = screen_ui.locator("#todo-list tr")
    count = rows.count()
    rows.evaluate_all("rows => rows.forEach(row => { row.drawnBefore = true; })")
    redrawn = "rows => rows.filter(row => !row.drawnBefore).map(row => row.dataset.todoId)"

    screen_ui.locator(f"#check-{todo['id']}").check()
    expect(row(screen_ui, todo["id"])).to_have_class(re.compile(r"\bis-completed\b"))
    assert rows.evaluate_all(redrawn) == [todo["id"]]
    screen_ui.click(f"#delete-{todo['id']}")
    expect(row(screen_ui, todo["id"])).to_have_count(0)
    assert rows.evaluate_all(redrawn) == []
    assert rows.count() == count - 1


def test_markup_in_a_stored_title_is_shown_as_text_and_runs_nothing(screen_ui, todo_api):
    todo = todo_api.create(title=XSS_TITLE, memo="<b>太字?</b><script>window.__xss=2</script>")
    screen_ui.reload()
    cells = row(screen_ui, todo["id"]).locator("td")
    expect(cells.nth(1)).to_have_text(XSS_TITLE)
    expect(cells.nth(2)).to_have_text("<b>太字?</b><script>window.__xss=2</script>")
    assert screen_ui.locator("#todo-list img, #todo-list b, #todo-list script").count() == 0
    assert screen_ui.evaluate("window.__xss") is None


def test_markup_typed_into_the_form_is_saved_and_shown_as_text(screen_ui, todo_api):
    title = XSS_TITLE + uuid.uuid4().hex[:6]
    open_new_dialog(screen_ui)
    fill_form(screen_ui, title=title)
    screen_ui.click("#register-button")
    expect(screen_ui.locator("#input-form")).to_be_hidden()
    created = find_by_title(todo_api, title)
    expect(row(screen_ui, created["id"]).locator("td").nth(1)).to_have_text(title)
    assert screen_ui.locator("#todo-list img").count() == 0
    assert screen_ui.evaluate("window.__xss") is None


def replace_body(text):
    """A route handler that sends ``text`` instead of the body of the page's POST /todos."""

    def handle(route):
        if route.request.method == "POST":
            route.continue_(post_data=text)
        else:
            route.continue_()

    return handle


def writes(page):
    """The requests that would change todos, as the page sends them."""
    sent = []
    page.on("request", lambda request: sent.append(request) if request.method in ("POST", "PUT", "DELETE") else None)
    return sent


@pytest.mark.parametrize(
    "title, memo, field, message",
    [
        ("   ", "残っているはず", "title", texts.ENTER_TITLE),
        ("\u200b\u2060 \u3000", "", "title", texts.ENTER_TITLE),
        ("右から\u202e左へ", "", "title", texts.fill(texts.BAD_CHARACTER, ["タイトル", "U+202E"])),
        ("制御", "ベル\u0007", "memo", texts.fill(texts.BAD_CHARACTER, ["メモ", "U+0007"])),
        ("長い", "め" * 2001, "memo", texts.fill(texts.MEMO_TOO_LONG, [2000])),
    ],
)
def test_a_field_the_api_would_refuse_is_named_in_japanese_and_nothing_is_sent(
    screen_ui, todo_api, title, memo, field, message
):
    sent = writes(screen_ui)
    before = todo_api.list()
    open_new_dialog(screen_ui)
    fill_form(screen_ui, title=title, memo=memo)
    screen_ui.click("#register-button")

    alert = screen_ui.locator("#input-form [role=alert]")
    expect(alert).to_have_text(message)
    expect(screen_ui.locator("#form-error-detail")).to_be_hidden()
    expect(screen_ui.locator("#input-form")).to_be_visible()
    expect(screen_ui.locator("#modal-todo-memo")).to_have_value(memo)
    # The refused field is flagged for screen readers and gets the cursor.
    expect(screen_ui.locator(f"#modal-todo-{field}")).to_have_attribute("aria-invalid", "true")
    expect(screen_ui.locator(f"#modal-todo-{field}")).to_be_focused()
    expect(screen_ui.locator(f"#{field}-hint")).to_have_text(message)
    assert sent == []
    assert todo_api.list() == before


def test_the_apis_refusal_of_a_known_field_is_shown_in_japanese(screen_ui, ui_stack, todo_api):
    """The page checks first, so the body is changed on its way out for the API itself to refuse it."""
    screen_ui.log.allow_status(400)
    before = todo_api.list()
    screen_ui.route(f"{ui_stack.ui_url}/api/todos", replace_body(json.dumps({"title": " ", "memo": "", "priority": 3})))
    open_new_dialog(screen_ui)
    fill_form(screen_ui, title="送る途中で空になる")
    screen_ui.click("#register-button")
    expect(screen_ui.locator("#input-form [role=alert]")).to_have_text(texts.ENTER_TITLE)
    expect(screen_ui.locator("#form-error-detail")).to_be_hidden()
    expect(screen_ui.locator("#modal-todo-title")).to_have_attribute("aria-invalid", "true")
    assert todo_api.list() == before


def test_a_refusal_the_page_has_no_words_for_keeps_the_apis_english_apart_from_the_japanese(screen_ui, ui_stack):
    screen_ui.log.allow_status(400)
    screen_ui.route(f"{ui_stack.ui_url}/api/todos", replace_body("{not json"))
    open_new_dialog(screen_ui)
    fill_form(screen_ui, title="壊れた本文")
    screen_ui.click("#register-button")
    expect(screen_ui.locator("#form-error-text")).to_have_text(texts.INPUT_REFUSED)
    detail = screen_ui.locator("#form-error-detail")
    expect(detail).to_be_visible()
    expect(detail).to_have_attribute("lang", "en")
    expect(detail).to_contain_text("the request body is not valid JSON")


def test_an_edit_of_a_todo_changed_elsewhere_is_refused_then_reloaded_and_can_overwrite(screen_ui, todo_api):
    screen_ui.log.allow_status(412)
    todo = todo_api.create(title=unique("同時編集"), memo="元のメモ")
    screen_ui.reload()
    screen_ui.click(f"#update-{todo['id']}")
    elsewhere = todo_api.update(todo["id"], title=unique("ほかの画面で変更"))

    fill_form(screen_ui, memo="この画面のメモ")
    screen_ui.click("#register-button")
    expect(screen_ui.locator("#input-form [role=alert]")).to_contain_text("ほかの画面で変更されていました")
    expect(screen_ui.locator("#modal-todo-memo")).to_have_value("この画面のメモ")
    expect(row(screen_ui, todo["id"]).locator("td").nth(1)).to_have_text(elsewhere["title"])
    assert todo_api.get(todo["id"]).json()["memo"] == "元のメモ"

    screen_ui.click("#register-button")
    expect(screen_ui.locator("#input-form")).to_be_hidden()
    stored = todo_api.get(todo["id"]).json()
    assert stored["memo"] == "この画面のメモ"
    expect(row(screen_ui, todo["id"]).locator("td").nth(2)).to_have_text("この画面のメモ")


def test_a_todo_deleted_elsewhere_disappears_with_a_message_when_toggled(screen_ui, todo_api):
    screen_ui.log.allow_status(404)
    todo = todo_api.create(title=unique("消される"))
    screen_ui.reload()
    # The list must show the todo before it goes, or the reload's GET may already miss it.
    expect(screen_ui.locator(f"#check-{todo['id']}")).to_be_visible()
    todo_api.http.delete(f"{todo_api.base}/todos/{todo['id']}", timeout=10).raise_for_status()
    # click, not check(): the page unticks the box again when the API refuses, maybe before check() looks.
    screen_ui.locator(f"#check-{todo['id']}").click()
    expect(screen_ui.locator("#error-banner")).to_contain_text("見つかりません")
    expect(row(screen_ui, todo["id"])).to_have_count(0)
    screen_ui.click("#error-dismiss")
    expect(screen_ui.locator("#error-banner")).to_be_hidden()


@pytest.fixture
def ui_on_a_fake_clock(open_page, ui_stack):
    """A loaded page whose timers run only when the test moves its clock."""
    page = open_page(f"{ui_stack.ui_url}/index.html", before=lambda page: page.clock.install())
    # The installed clock runs on by itself until paused.
    page.clock.pause_at(datetime.datetime.now() + datetime.timedelta(seconds=2))
    return page


def press(page, selector):
    """Click, then move the pointer off the page's messages: a notice under the pointer waits for it to leave."""
    page.click(selector)
    page.mouse.move(0, 0)


def create_in_dialog(page, todo_api, title):
    open_new_dialog(page)
    fill_form(page, title=title)
    press(page, "#register-button")
    expect(page.locator("#notice-text")).to_have_text(texts.fill(texts.CREATED, [title]))
    return find_by_title(todo_api, title)


def delete_row(page, todo):
    press(page, f"#delete-{todo['id']}")
    expect(page.locator("#notice")).to_contain_text(texts.fill(texts.DELETED, [todo["title"]]))
    expect(page.locator("#notice-action")).to_be_visible()


def test_a_notice_fades_after_a_few_seconds_and_one_with_undo_stays_long_enough_to_use_it(ui_on_a_fake_clock, todo_api):
    page = ui_on_a_fake_clock
    notice = page.locator("#notice")
    todo = create_in_dialog(page, todo_api, unique("消える知らせ"))
    page.clock.run_for((flows.NOTICE_SECONDS - 1) * 1000)
    expect(notice).to_be_visible()
    page.clock.run_for(2000)
    expect(notice).to_be_hidden()

    delete_row(page, todo)
    # Past the time a plain notice has, 元に戻す is still there to press.
    page.clock.run_for((flows.NOTICE_SECONDS + 2) * 1000)
    expect(page.locator("#notice-action")).to_be_visible()
    press(page, "#notice-action")
    expect(page.locator("#notice-text")).to_have_text(texts.fill(texts.RESTORED, [todo["title"]]))
    restored = find_by_title(todo_api, todo["title"])
    page.clock.run_for((flows.NOTICE_SECONDS + 1) * 1000)
    expect(notice).to_be_hidden()

    delete_row(page, restored)
    page.clock.run_for((flows.UNDO_NOTICE_SECONDS + 1) * 1000)
    expect(notice).to_be_hidden()
    assert todo["title"] not in todo_api.titles()


def test_a_notice_that_holds_the_focus_stays_until_the_focus_leaves(ui_on_a_fake_clock, todo_api):
    page = ui_on_a_fake_clock
    delete_row(page, create_in_dialog(page, todo_api, unique("フォーカス中")))
    page.focus("#notice-action")
    page.clock.run_for((flows.UNDO_NOTICE_SECONDS + 10) * 1000)
    expect(page.locator("#notice-action")).to_be_focused()
    expect(page.locator("#notice")).to_be_visible()

    page.focus("#new-todo")
    page.clock.run_for((flows.HELD_NOTICE_SECONDS + 1) * 1000)
    expect(page.locator("#notice")).to_be_hidden()


def test_the_page_calls_its_api_under_api_on_its_own_origin_and_no_other_port(screen_ui, ui_stack, todo_api):
    title = unique("同じオリジン")
    open_new_dialog(screen_ui)
    fill_form(screen_ui, title=title, memo="一つのオリジン", priority=2)
    screen_ui.click("#register-button")
    expect(screen_ui.locator("#todo-list")).to_contain_text(title)  # the create has been answered
    created = find_by_title(todo_api, title)
    screen_ui.locator(f"#check-{created['id']}").check()
    expect(row(screen_ui, created["id"])).to_have_class(re.compile(r"\bis-completed\b"))
    screen_ui.click(f"#delete-{created['id']}")
    expect(row(screen_ui, created["id"])).to_have_count(0)
    assert todo_api.get(created["id"]).status_code == 404

    calls = [url for url in screen_ui.log.requests if "/todos" in url]
    assert len(calls) >= 4 and all(url.startswith(f"{ui_stack.ui_url}/api/todos") for url in calls), calls
    assert screen_ui.log.other_origins(ui_stack.ui_url) == []
