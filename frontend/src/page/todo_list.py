"""The list: loading it page by page, drawing its rows, and the rows' checkbox, 変更 and 削除."""

from todoui import flows, model, remote, texts

from page import http
from page.dom import as_dict, by_id, focus_by_id, make


class TodoList:
    """The table of todos and the status line under it; ``self.todos`` is the page's copy of the list.

    ``session`` makes the requests, ``notices`` tells what happened;
    ``on_edit(todo_id, button)`` opens the dialog on a row and ``on_loaded()``
    runs after each complete load (both set when the page is wired).
    """

    def __init__(self, api_url, session, notices):
        self.api_url = api_url
        self.session = session
        self.notices = notices
        self.on_edit = lambda todo_id, button: None
        self.on_loaded = lambda: None
        self.todos = []
        self.table = by_id("todo-table")
        self.rows = by_id("todo-list")
        self.status = by_id("list-status")
        self.reload_button = by_id("reload-button")
        self.blank_row = make_blank_row()

    def start(self):
        self.rows.addEventListener("click", self.on_rows_click)
        self.rows.addEventListener("change", self.on_rows_change)
        self.reload_button.addEventListener("click", self.load)

    def find(self, todo_id):
        return model.find(self.todos, todo_id)

    def put(self, todo, focus_id=None):
        """Show ``todo`` in place of its old row, or as a new one, where the order puts it; other rows stay."""
        todo_id = todo.get("id")
        self.todos = model.upsert(self.todos, todo)
        old = self.row_of(todo_id)
        if old is not None:
            old.remove()
        after = model.next_id(self.todos, todo_id)
        self.rows.insertBefore(self.make_row(model.row_view(todo)), None if after is None else self.row_of(after))
        self.show_state(focus_id)

    def drop(self, todo_id, focus_id=None):
        self.todos = model.without(self.todos, todo_id)
        row = self.row_of(todo_id)
        if row is not None:
            row.remove()
        self.show_state(focus_id)

    def clear(self):
        self.todos = []
        self.render(None)

    def row_of(self, todo_id):
        """The row showing ``todo_id``, found by its checkbox's id; None when there is none."""
        check = by_id("check-" + todo_id)
        return None if check == None else check.closest(".todo-row")  # noqa: E711 (getElementById gives null)

    async def load(self, event=None):
        self.reload_button.hidden = True
        self.rows.setAttribute("aria-busy", "true")
        self.status.textContent = texts.LOADING
        self.status.classList.add("is-loading")
        url = remote.collection_url(self.api_url)
        items = []
        pages = 0
        while url is not None:
            pages += 1
            reply = await self.session.api("GET", url, None, None)
            listed = reply is not None and reply.status == 200 and Array.isArray(reply.data)
            step = flows.page_step(pages, listed, reply.header("Link") if listed else None)
            if step["failed"]:
                self.show_failure(reply)
                return
            for item in reply.data:
                todo = as_dict(item)
                if todo is not None:
                    items.append(todo)
            url = remote.resolve(url, step["next"]) if step["next"] is not None else None
        self.todos = items
        self.on_loaded()
        self.notices.hide_error()
        self.render(None)

    def show_failure(self, reply):
        status = None if reply is None else reply.status
        self.rows.setAttribute("aria-busy", "false")
        self.status.classList.remove("is-loading")
        self.reload_button.hidden = False
        if status == 401:
            # Nothing to show but the way in; the sign-in dialog is already open.
            self.clear()
        else:
            self.notices.show_failure(http.failure_of(reply))
        self.status.textContent = flows.list_failure_text(status)

    def render(self, focus_id):
        """Draw every row anew (after a load), built aside and put in at once: one layout, not one per row."""
        built = document.createDocumentFragment()
        for todo in model.sort_todos(self.todos):
            built.appendChild(self.make_row(model.row_view(todo)))
        self.rows.replaceChildren(built)
        self.show_state(focus_id)

    def show_state(self, focus_id):
        """The table shown or hidden, the status line, and the focus, after the rows changed."""
        self.rows.setAttribute("aria-busy", "false")
        self.table.hidden = len(self.todos) == 0
        self.status.classList.remove("is-loading")
        self.status.classList.toggle("is-empty", len(self.todos) == 0)
        self.status.textContent = model.summary_text(self.todos)
        if focus_id is not None:
            self.focus_row(focus_id)

    def make_row(self, view):
        """The row of ``view`` (``model.row_view``): a copy of the blank row, filled in."""
        todo_id = view["id"]
        row = self.blank_row.cloneNode(True)
        row.dataset.todoId = todo_id
        row.classList.toggle("is-completed", view["completed"])
        cells = row.children
        check = cells[0].firstChild.firstChild
        check.id = "check-" + todo_id
        check.checked = view["completed"]
        check.setAttribute("aria-label", view["checkLabel"])
        cells[1].textContent = view["title"]
        cells[2].textContent = view["memo"]
        badge = cells[3].firstChild
        badge.className = "priority priority-" + str(view["level"])
        badge.textContent = view["priority"]
        fill_action(cells[4].firstChild, todo_id, view["updateLabel"])
        fill_action(cells[5].firstChild, todo_id, view["deleteLabel"])
        return row

    def focus_row(self, todo_id):
        return focus_by_id("check-" + todo_id)

    def on_rows_click(self, event):
        button = event.target.closest("button[data-action]")
        if button == None:  # noqa: E711
            return
        todo_id = button.closest(".todo-row").dataset.todoId
        if button.dataset.action == "update":
            self.on_edit(todo_id, button)
        elif button.dataset.action == "delete":
            self.delete(todo_id, button)

    def on_rows_change(self, event):
        target = event.target
        if target.js_type == "checkbox":
            self.toggle(target.closest(".todo-row").dataset.todoId, target)

    async def toggle(self, todo_id, check):
        todo = self.find(todo_id)
        if todo is None:
            return
        wanted = check.checked
        check.disabled = True
        reply = await self.session.api(
            "PUT", remote.item_url(self.api_url, todo_id), {"completed": wanted}, remote.version_tag(todo)
        )
        changed = None if reply is None else reply.body(200)
        if changed is not None:
            self.put(changed, todo_id)
            return
        check.checked = not wanted
        check.disabled = False
        await self.recover(todo_id, http.failure_of(reply))

    async def delete(self, todo_id, button):
        todo = self.find(todo_id)
        if todo is None:
            return
        button.disabled = True
        reply = await self.session.api("DELETE", remote.item_url(self.api_url, todo_id), None, remote.version_tag(todo))
        if reply is None or reply.status != 200:
            button.disabled = False
            await self.recover(todo_id, http.failure_of(reply))
            return
        focus_id = model.neighbour_id(self.todos, todo_id)
        self.drop(todo_id, focus_id)
        if focus_id is None:
            by_id("new-todo").focus()
        self.notices.show(texts.fill(texts.DELETED, [model.text_of(todo.get("title"))]), lambda: self.restore(todo))

    async def restore(self, todo):
        """Create a deleted todo again (the notice's undo)."""
        reply = await self.session.api("POST", remote.collection_url(self.api_url), model.restore_body(todo), None)
        created = None if reply is None else reply.body(201)
        if created is None:
            self.notices.show_failure(http.failure_of(reply))
            return
        self.put(created, created.get("id"))
        self.notices.show(texts.fill(texts.RESTORED, [model.text_of(created.get("title"))]))

    async def reload(self, todo_id):
        """Reload one todo after the API said the page's copy is stale; the fresh todo, or None when it went."""
        reply = await self.session.api("GET", remote.item_url(self.api_url, todo_id), None, None)
        if reply is not None and reply.status == 404:
            self.drop(todo_id)
            return None
        latest = None if reply is None else reply.body(200)
        if latest is not None:
            self.put(latest)
        return latest

    async def recover(self, todo_id, failure):
        """Show a failed row action and bring the row up to date when the API says it changed or went."""
        step = flows.row_failure_step(failure)
        if step == flows.DROP_ROW:
            self.drop(todo_id)
        elif step == flows.RELOAD_ROW:
            await self.reload(todo_id)
            self.focus_row(todo_id)
        self.notices.show_failure(failure)


def make_blank_row():
    """A row with its cells, checkbox, badge and buttons but no todo: cloning it is cheaper than building each row."""
    row = make("tr", "todo-row", None)
    check = make("input", "form-check-input", None)
    check.js_type = "checkbox"  # plain .type would become Transcrypt's py_metatype
    # The label around the box is what a finger hits: larger than the box on a phone.
    target = make("label", "check-target", None)
    target.appendChild(check)
    cell = make("td", "todo-check", None)
    cell.appendChild(target)
    row.appendChild(cell)
    row.appendChild(make("td", "todo-title", None))
    row.appendChild(make("td", "todo-memo", None))
    cell = make("td", "todo-priority", None)
    cell.appendChild(make("span", "priority", None))
    row.appendChild(cell)
    for action, text, style in [
        ["update", texts.UPDATE_BUTTON, "btn-outline-primary"],
        ["delete", texts.DELETE_BUTTON, "btn-outline-danger"],
    ]:
        button = make("button", "btn btn-sm " + style, text)
        button.js_type = "button"
        button.dataset.action = action
        cell = make("td", "todo-action todo-" + action, None)
        cell.appendChild(button)
        row.appendChild(cell)
    return row


def fill_action(button, todo_id, label):
    button.id = button.dataset.action + "-" + todo_id
    button.setAttribute("aria-label", label)
