"""The page's composition root: read the configuration, build the parts, wire them, start.

The parts (``page/``) are the only code that touches the browser; what they
show and send is decided in ``todoui``, which the tests import under CPython.
"""

from page import dom, worker
from page.auth_dialog import AuthDialog
from page.conflict_dialog import ConflictDialog
from page.notices import Notices
from page.offline_banner import OfflineBanner
from page.session import Session
from page.sync import Sync
from page.todo_dialog import TodoDialog
from page.todo_list import TodoList
from todoui import flows, texts


def main():
    notices = Notices()
    settings = flows.page_settings(dom.config())
    if settings is None:
        notices.show_error(texts.NO_CONFIG)
        return
    session = Session(settings["auth"])
    # "/api/" (the page's own origin) made absolute: Link and Location are resolved against it.
    api_url = dom.absolute_url(settings["apiUrl"])
    # The list and the dialog send through the device's copy of the list: offline too, and in step with other tabs.
    sync = Sync(api_url, session, notices)
    todos = TodoList(api_url, sync, notices)
    dialog = TodoDialog(api_url, todos, sync, notices)
    accounts = AuthDialog(session, todos, dialog, notices, settings["local"])
    banner = OfflineBanner()
    conflicts = ConflictDialog(sync, notices)
    # Parts built later answer the events of those built before them.

    def session_changed():
        accounts.show_who()
        sync.session_changed()

    session.on_change = session_changed
    session.on_sign_in = accounts.ask_sign_in
    session.before_sign_out = sync.before_sign_out
    session.on_sign_out = sync.signed_out
    sync.todos = todos
    sync.banner = banner
    sync.conflicts = conflicts
    sync.on_signed_out_elsewhere = accounts.sign_out
    todos.on_edit = dialog.open_edit
    todos.on_loaded = accounts.list_loaded
    notices.overlay = dialog
    for part in [notices, banner, todos, dialog, accounts, conflicts, sync]:
        part.start()
    session.start()
    worker.start(todos.load())


main()
