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

    def start(self):
        self.rows.addEventListener("click", self.on_rows_click)
        self.rows.addEventListener("change", self.on_rows_change)
        self.reload_button.addEventListener("click", self.load)

    def find(self, todo_id):
        return model.find(self.todos, todo_id)

    def put(self, todo, focus_id=None):
        """Show ``todo`` in place of its old row, or as a new one."""
        self.todos = model.upsert(self.todos, todo)
        self.render(focus_id)

    def drop(self, todo_id, focus_id=None):
        self.todos = model.without(self.todos, todo_id)
        self.render(focus_id)

    def clear(self):
        self.todos = []
        self.render(None)

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
        while self.rows.firstChild:
            self.rows.removeChild(self.rows.firstChild)
        for todo in model.sort_todos(self.todos):
            self.rows.appendChild(self.make_row(model.row_view(todo)))
        self.rows.setAttribute("aria-busy", "false")
        self.table.hidden = len(self.todos) == 0
        self.status.classList.remove("is-loading")
        self.status.classList.toggle("is-empty", len(self.todos) == 0)
        self.status.textContent = model.summary_text(self.todos)
        if focus_id is not None:
            self.focus_row(focus_id)

    def make_row(self, view):
        todo_id = view["id"]
        row = make("tr", "todo-row is-completed" if view["completed"] else "todo-row", None)
        row.dataset.todoId = todo_id

        check = make("input", "form-check-input", None)
        check.js_type = "checkbox"  # plain .type would become Transcrypt's py_metatype
        check.id = "check-" + todo_id
        check.checked = view["completed"]
        check.dataset.todoId = todo_id
        check.setAttribute("aria-label", view["checkLabel"])
        cell = make("td", "todo-check", None)
        cell.appendChild(check)
        row.appendChild(cell)

        row.appendChild(make("td", "todo-title", view["title"]))
        row.appendChild(make("td", "todo-memo", view["memo"]))

        cell = make("td", "todo-priority", None)
        cell.appendChild(make("span", "priority priority-" + str(view["level"]), view["priority"]))
        row.appendChild(cell)

        row.appendChild(
            make_action_cell("update", todo_id, texts.UPDATE_BUTTON, view["updateLabel"], "btn-outline-primary")
        )
        row.appendChild(
            make_action_cell("delete", todo_id, texts.DELETE_BUTTON, view["deleteLabel"], "btn-outline-danger")
        )
        return row

    def focus_row(self, todo_id):
        return focus_by_id("check-" + todo_id)

    def on_rows_click(self, event):
        button = event.target.closest("button[data-action]")
        if button == None:  # noqa: E711
            return
        if button.dataset.action == "update":
            self.on_edit(button.dataset.todoId, button)
        elif button.dataset.action == "delete":
            self.delete(button.dataset.todoId, button)

    def on_rows_change(self, event):
        target = event.target
        if target.js_type == "checkbox" and target.dataset.todoId != None:  # noqa: E711
            self.toggle(target.dataset.todoId, target)

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


def make_action_cell(action, todo_id, text, label, style):
    button = make("button", "btn btn-sm " + style, text)
    button.js_type = "button"
    button.id = action + "-" + todo_id
    button.dataset.action = action
    button.dataset.todoId = todo_id
    button.setAttribute("aria-label", label)
    cell = make("td", "todo-action", None)
    cell.appendChild(button)
    return cell
