"""The UI when things go wrong for real: the database stops (503), the API is not there, the list is long."""

import socket
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect
from todoui import texts

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles, tables
from devtools.local import engine, supervise
from devtools.settings import ROOT

pytestmark = pytest.mark.slow

UNAVAILABLE_TEXT = "サーバーが一時的に応答できません。1 秒ほど待ってから"
# The page without a token shows the local demo owner's list, where the seed's todos are.
DEMO = {"S": "demo"}


class Engine:
    """A dynalite this module starts and stops itself, keeping its data on disk across restarts."""

    def __init__(self, data_dir):
        self.port = supervise.free_port()
        self.data_dir = data_dir
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = engine.start_dynalite(self.port, self.data_dir)
        engine.wait_until_serving(self.endpoint, self.process)

    def stop(self):
        supervise.stop(self.process)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    own = Engine(tmp_path_factory.mktemp("dynalite"))
    own.start()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture(scope="module")
def stack(database, tmp_path_factory):
    """The stack on the module's own engine, which the stack finds running and uses as it is."""
    from devtools.local.stack import Stack

    with Stack(db_port=database.port, data_dir=tmp_path_factory.mktemp("stack"), with_ui=True, quiet=True) as running:
        assert running.engine_kind == "existing"
        yield running


@pytest.fixture
def database_down(database):
    """Stops the engine for the test's second half; starts it again afterwards, data intact."""
    yield database.stop
    if database.process.poll() is not None:
        database.start()


def test_a_list_longer_than_one_api_page_loads_completely_by_following_link_next(stack, database, open_page):
    client = dynamodb_client(database.endpoint)
    requests_ = [
        {
            "PutRequest": {
                "Item": {
                    "owner": DEMO,
                    "id": {"S": f"bulk-{n:04d}"},
                    "title": {"S": f"まとめて {n}"},
                    "memo": {"S": ""},
                    "priority": {"N": "1"},
                    "completed": {"BOOL": True},
                }
            }
        }
        for n in range(1010)
    ]
    tables.write_batches(client, "Todos", requests_)
    page = open_page(f"{stack.ui_url}/index.html")
    expect(page.locator("#todo-list tr")).to_have_count(1013, timeout=30_000)
    expect(page.locator("#list-status")).to_have_text("全 1013 件 (未完了 3 件)")
    api_pages = [url for url in page.log.requests if url.startswith(stack.ui_url + "/api/todos")]
    assert len(api_pages) == 2 and "cursor=" in api_pages[1]
    tables.write_batches(
        client,
        "Todos",
        [{"DeleteRequest": {"Key": {"owner": DEMO, "id": {"S": f"bulk-{n:04d}"}}}} for n in range(1010)],
    )


def test_when_the_database_is_down_saving_says_so_in_the_dialog_and_keeps_what_was_typed(
    stack, open_page, database_down
):
    page = open_page(f"{stack.ui_url}/index.html")
    page.log.allow_status(503)
    page.click("#new-todo")
    page.fill("#modal-todo-title", "あとで保存")
    page.fill("#modal-todo-memo", "消えないで")
    database_down()
    page.click("#register-button")

    alert = page.locator("#input-form [role=alert]")
    expect(alert).to_contain_text(UNAVAILABLE_TEXT)
    expect(page.locator("#modal-todo-title")).to_have_value("あとで保存")
    expect(page.locator("#modal-todo-memo")).to_have_value("消えないで")
    page.click("#form-error-dismiss")
    expect(alert).to_be_hidden()
    expect(page.locator("#input-form")).to_be_visible()


def test_when_the_database_is_down_a_toggle_shows_a_dismissible_banner_and_the_checkbox_goes_back(
    stack, open_page, database_down
):
    page = open_page(f"{stack.ui_url}/index.html")
    page.log.allow_status(503)
    database_down()
    page.locator("#check-L5").click()
    banner = page.locator("#error-banner")
    expect(banner).to_contain_text(UNAVAILABLE_TEXT)
    expect(page.locator("#check-L5")).not_to_be_checked()
    expect(page.locator("#check-L5")).to_be_enabled()
    page.click("#error-dismiss")
    expect(banner).to_be_hidden()


def test_a_list_that_could_not_load_loads_with_the_reload_button_once_the_database_is_back(
    stack, database, open_page, database_down
):
    database_down()
    page = open_page(f"{stack.ui_url}/index.html")
    page.log.allow_status(503)
    expect(page.locator("#error-banner")).to_contain_text(UNAVAILABLE_TEXT)
    expect(page.locator("#list-status")).to_have_text("一覧を読み込めませんでした。")

    database.start()
    page.click("#reload-button")
    expect(page.locator("#check-L5")).to_be_visible()
    expect(page.locator("#error-banner")).to_be_hidden()
    expect(page.locator("#reload-button")).to_be_hidden()


def serve_ui(*options):
    """A UI server started with ``options``, its URL while the test runs."""
    port = supervise.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.ui", "serve", "--port", str(port), *options],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not supervise.port_is_open("127.0.0.1", port):
            assert process.poll() is None and time.monotonic() < deadline, "the UI server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def dead_api():
    """The URL of a port that refuses connections: bound while the test runs (so no other server takes it), never
    listening."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{holder.getsockname()[1]}"


@pytest.fixture
def ui_without_api(dead_api):
    """A UI server whose page calls an API elsewhere, at a port where nothing listens."""
    yield from serve_ui("--api-url", dead_api + "/")


@pytest.fixture
def ui_with_its_api_server_down(dead_api):
    """A UI server whose /api/* goes to an API server that is not running."""
    yield from serve_ui("--api-server", dead_api)


def test_when_the_api_cannot_be_reached_the_page_says_so_and_the_form_keeps_its_text(
    ui_without_api, dead_api, open_page
):
    page = open_page(f"{ui_without_api}/index.html")
    page.log.allow("net::ERR_CONNECTION_REFUSED")
    page.log.origins.append(dead_api)
    expect(page.locator("#error-banner")).to_contain_text(texts.NETWORK)
    expect(page.locator("#list-status")).to_have_text("一覧を読み込めませんでした。")
    expect(page.locator("#reload-button")).to_be_visible()

    page.click("#new-todo")
    page.fill("#modal-todo-title", "オフラインで書いた")
    page.click("#register-button")
    expect(page.locator("#input-form [role=alert]")).to_contain_text(texts.NETWORK)
    expect(page.locator("#modal-todo-title")).to_have_value("オフラインで書いた")

    page.keyboard.press("Escape")
    page.click("#reload-button")
    expect(page.locator("#list-status")).to_have_text("一覧を読み込めませんでした。")


def test_an_empty_list_says_so_and_the_first_todo_replaces_the_message(stack, database, open_page):
    client = dynamodb_client(database.endpoint)
    clear_demo_list(client)
    try:
        page = open_page(f"{stack.ui_url}/index.html")
        expect(page.locator("#list-status")).to_have_text(texts.EMPTY_LIST)
        expect(page.locator("#todo-table")).to_be_hidden()

        page.click("#new-todo")
        page.fill("#modal-todo-title", "最初のひとつ")
        page.keyboard.press("Enter")
        expect(page.locator("#todo-list tr")).to_have_count(1)
        expect(page.locator("#todo-table")).to_be_visible()
        expect(page.locator("#list-status")).to_have_text("全 1 件 (未完了 1 件)")
    finally:
        clear_demo_list(client)
        for requests_ in datafiles.read_json(datafiles.SEED_PATH).values():
            tables.write_batches(client, "Todos", requests_)


def clear_demo_list(client):
    keys = [
        {"owner": item["owner"], "id": item["id"]} for item in tables.partition_items(client, "Todos", "owner", "demo")
    ]
    tables.write_batches(client, "Todos", [{"DeleteRequest": {"Key": key}} for key in keys])


def test_when_the_api_server_behind_the_pages_origin_is_down_the_page_says_try_again_shortly(
    ui_with_its_api_server_down, open_page
):
    page = open_page(f"{ui_with_its_api_server_down}/index.html")
    page.log.allow_status(503)
    expect(page.locator("#error-banner")).to_contain_text(UNAVAILABLE_TEXT)
    expect(page.locator("#list-status")).to_have_text("一覧を読み込めませんでした。")
    page.click("#new-todo")
    page.fill("#modal-todo-title", "あとで届く")
    page.click("#register-button")
    expect(page.locator("#input-form [role=alert]")).to_contain_text(UNAVAILABLE_TEXT)
    expect(page.locator("#modal-todo-title")).to_have_value("あとで届く")
