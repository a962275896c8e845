"""The list: loading it page by page, drawing its rows, the rows' checkbox, 変更, 削除 and moves, and what shows."""

from todoui import flows, model, order, remote, texts, views

from page import http
from page.dom import as_dict, by_id, focus_by_id
from page.list_tools import ListTools, today_text
from page.reorder import Reorder
from page.todo_rows import fill_row, make_blank_row


class TodoList:
    """The table of todos and the status line under it; ``self.todos`` is the page's copy of the list.

    ``session`` makes the requests, ``notices`` tells what happened;
    ``on_edit(todo_id, button)`` opens the dialog on a row and ``on_loaded()``
    runs after each complete load (both set when the page is wired). Every
    todo has a row in the order of ``self.sort``; the view and the search
    hide the rows they leave out (``views``).
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
        self.sort = views.DEFAULT_SORT
        self.view = views.ALL
        self.words = []
        self.today = today_text()
        self.drawn = False  # the rows show a list (not yet at the start; what the last load left after a failure)
        self.moves = self.idle()  # the last move asked for: the next one starts when it is saved
        self.tools = ListTools(self)
        self.reorder = Reorder(self)

    def start(self):
        self.rows.addEventListener("click", self.on_rows_click)
        self.rows.addEventListener("change", self.on_rows_change)
        self.reload_button.addEventListener("click", self.load)
        self.tools.start()
        self.reorder.start()

    def find(self, todo_id):
        return model.find(self.todos, todo_id)

    def put(self, todo, focus_id=None):
        """Show ``todo`` in place of its old row, or as a new one, where the order puts it; other rows stay."""
        todo_id = todo.get("id")
        self.todos = model.upsert(self.todos, todo)
        old = self.row_of(todo_id)
        if old is not None:
            old.remove()
        after = views.next_id(self.todos, todo_id, self.sort)
        self.rows.insertBefore(self.draw_row(todo), None if after is None else self.row_of(after))
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
        for todo in views.sort_todos(self.todos, self.sort):
            built.appendChild(self.draw_row(todo))
        self.rows.replaceChildren(built)
        self.drawn = True
        self.show_state(focus_id)

    def show_state(self, focus_id):
        """The table shown or hidden, the status line, the count due today and the focus, after rows changed."""
        self.rows.setAttribute("aria-busy", "false")
        self.show_counts()
        if focus_id is not None:
            self.focus_row(focus_id)

    def settled(self):
        """Whether the rows show a list and no load is under way: what the status line may then count."""
        return self.drawn and self.rows.getAttribute("aria-busy") != "true"

    def show_counts(self):
        """The table shown or hidden, the status line and the count due today, as the rows are."""
        shown = self.rows.querySelectorAll(".todo-row:not([hidden])").length
        self.table.hidden = shown == 0
        self.status.classList.remove("is-loading")
        self.status.classList.toggle("is-empty", shown == 0)
        self.status.textContent = views.status_text(self.todos, shown, self.view, self.words)
        count = views.today_count(self.todos, self.today)
        badge = by_id("today-count")
        badge.textContent = str(count)
        badge.classList.toggle("text-bg-danger", count > 0)
        badge.classList.toggle("text-bg-secondary", count == 0)

    def draw_row(self, todo):
        """The row of ``todo`` as of today, hidden when the view or the search leaves it out."""
        row = self.make_row(views.row_view(todo, self.today))
        if not views.shows(todo, self.view, self.words, self.today):
            row.hidden = True
        return row

    def make_row(self, view):
        """The row of ``view`` (``views.row_view``): a copy of the blank row, filled in."""
        return fill_row(self.blank_row.cloneNode(True), view)

    def focus_row(self, todo_id):
        return focus_by_id("check-" + todo_id)

    def on_rows_click(self, event):
        button = event.target.closest("button[data-action]")
        if button == None:  # noqa: E711
            return
        todo_id = button.closest(".todo-row").dataset.todoId
        action = button.dataset.action
        if action == "update":
            self.on_edit(todo_id, button)
        elif action == "delete":
            self.delete(todo_id, button)
        elif action == "up" or action == "down":
            self.step(todo_id, -1 if action == "up" else 1, button.id)

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
        # Its neighbour as the person sees the list now: the list may be redrawn while the change is sent.
        neighbour = views.neighbour_id(self.shown(), todo_id)
        reply = await self.session.api(
            "PUT", remote.item_url(self.api_url, todo_id), {"completed": wanted}, remote.version_tag(todo)
        )
        changed = None if reply is None else reply.body(200)
        if changed is not None:
            # A row the view no longer shows (completed in 今日) hands the focus to its neighbour.
            self.put(changed, todo_id)
            if self.row_of(todo_id).hidden and neighbour is not None:
                self.focus_row(neighbour)
            return
        check.checked = not wanted
        check.disabled = False
        await self.recover(todo_id, http.failure_of(reply))

    async def delete(self, todo_id, button):
        todo = self.find(todo_id)
        if todo is None:
            return
        button.disabled = True
        focus_id = views.neighbour_id(self.shown(), todo_id)  # before the list can be redrawn without it
        reply = await self.session.api("DELETE", remote.item_url(self.api_url, todo_id), None, remote.version_tag(todo))
        if reply is None or reply.status != 200:
            button.disabled = False
            await self.recover(todo_id, http.failure_of(reply))
            return
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

    def shown(self):
        """The todos whose rows are shown, in their order."""
        return views.visible(self.todos, self.sort, self.view, self.words, self.today)

    def set_view(self, view):
        self.view = view
        self.refilter()

    def set_search(self, query):
        self.words = views.search_words(query)
        self.refilter()

    def set_today(self, today):
        """A new day redraws every row: what was due today is overdue now."""
        if today != self.today:
            self.today = today
            if self.drawn:
                self.render(None)

    def refilter(self):
        """Show the rows the view and the search keep and hide the others; no row is redrawn."""
        index = {}
        for todo in self.todos:
            index[todo.get("id")] = todo
        rows = self.rows.children
        for place in range(rows.length):
            row = rows[place]
            row.hidden = not views.shows(index[row.dataset.todoId], self.view, self.words, self.today)
        if self.settled():
            self.show_counts()

    def set_sort(self, sort):
        """Put the rows in the order of ``sort``: the same rows, moved, and the focus where it was."""
        self.sort = sort
        by_id("todo-caption").textContent = views.caption(sort)
        focused = document.activeElement
        built = document.createDocumentFragment()
        for todo in views.sort_todos(self.todos, sort):
            row = self.row_of(todo.get("id"))
            if row is not None:
                built.appendChild(row)
        self.rows.appendChild(built)
        self.table.classList.toggle("is-reorderable", views.can_reorder(sort))
        if self.settled():
            self.show_counts()
        if focused != None and self.rows.contains(focused):  # noqa: E711
            focused.focus()

    def new_position(self):
        """The place in your own order of a todo added now: last (``order.new_position``)."""
        return order.new_position(self.todos)

    async def idle(self):
        return None

    def queue_move(self, action):
        """Run the async ``action`` (a move) once the moves asked for before it are saved, each on the list the
        last one left: a key held down makes one move after another, never two PUTs of one version."""

        def run(ignored):
            return action()

        self.moves = self.moves.then(run, run)

    def step(self, todo_id, step, focus_id=None):
        """Move a todo one row up (-1) or down (1) among those shown; the focus stays on ``focus_id``."""
        self.queue_move(lambda: self.step_now(todo_id, step, focus_id))

    async def step_now(self, todo_id, step, focus_id):
        shown = self.shown()
        target = order.move_target(shown, todo_id, order.index_of(shown, todo_id) + step)
        if target is not None:
            await self.move(todo_id, target, focus_id)

    async def move(self, todo_id, target, focus_id=None):
        """Put a todo where ``target`` (``order.move_target``) says: shown at once, then saved, a PUT per key.

        Only the moved row is redrawn (and, once, rows given their first key).
        A failed save puts back what it had not saved and says why.
        """
        writes = order.place(self.todos, todo_id, target["after"], target["before"])
        originals = []
        for write in writes:
            original = self.find(write["id"])
            originals.append(original)
            self.put(order.moved(original, write["position"]))
        if focus_id is not None:
            focus_by_id(focus_id)
        if len(writes) > 0:
            by_id("move-status").textContent = views.moved_text(self.shown(), todo_id)
        for index in range(len(writes)):
            write = writes[index]
            body = {"position": write["position"]}
            url = remote.item_url(self.api_url, write["id"])
            reply = await self.session.api("PUT", url, body, remote.version_tag(originals[index]))
            saved = None if reply is None else reply.body(200)
            if saved is None:
                for undone in originals[index:]:
                    self.put(undone)
                await self.recover(write["id"], http.failure_of(reply))
                return
            self.put(saved)
            if focus_id is not None:
                focus_by_id(focus_id)
