"""The page's composition root: read the configuration, build the parts, wire them, start.

The parts (``page/``) are the only code that touches the browser; what they
show and send is decided in ``todoui``, which the tests import under CPython.
"""

from page import dom
from page.auth_dialog import AuthDialog
from page.notices import Notices
from page.session import Session
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
    todos = TodoList(api_url, session, notices)
    dialog = TodoDialog(api_url, todos, session, notices)
    accounts = AuthDialog(session, todos, dialog, notices, settings["local"])
    # Parts built later answer the events of those built before them.
    session.on_change = accounts.show_who
    session.on_sign_in = accounts.ask_sign_in
    todos.on_edit = dialog.open_edit
    todos.on_loaded = accounts.list_loaded
    notices.overlay = dialog
    for part in [notices, todos, dialog, accounts]:
        part.start()
    session.start()
    todos.load()


main()
