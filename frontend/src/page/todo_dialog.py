"""The todo dialog: a new todo or changes to one, checked as typed, saved, and what a failed save leads to."""

from todoui import flows, model, remote, texts

from page import http
from page.dom import add_options, by_id, focus_by_id, mark_busy
from page.notices import show_failure_in

# What the form holds when the browser's date field has a date it cannot read (typed halfway): not a date.
UNREADABLE_DATE = "?"


class TodoDialog:
    """``#input-form``: ``todos`` (the TodoList) lists what it saves; ``session`` sends; ``notices`` tells."""

    def __init__(self, api_url, todos, session, notices):
        self.api_url = api_url
        self.todos = todos
        self.session = session
        self.notices = notices
        self.editing = None  # the todo being changed; None while creating one
        self.opener = None  # what had focus before the dialog opened
        self.focus_after = None  # the id of the element to focus when the dialog closes
        self.dialog = by_id("input-form")
        self.form = by_id("todo-form")
        self.inputs = {
            "title": by_id("modal-todo-title"),
            "memo": by_id("modal-todo-memo"),
            "priority": by_id("modal-todo-priority"),
            "due": by_id("modal-todo-due"),
        }
        self.save_button = by_id("register-button")
        self.error = by_id("form-error")
        self.note = by_id("form-note")

    def start(self):
        add_options(self.inputs["priority"], model.priority_options())
        by_id("new-todo").addEventListener("click", self.open_new)
        self.form.addEventListener("submit", self.on_submit)
        self.form.addEventListener("input", self.show_hints)
        self.inputs["memo"].addEventListener("keydown", self.on_memo_key)
        by_id("due-clear").addEventListener("click", self.clear_due)
        by_id("cancel-button").addEventListener("click", self.close)
        by_id("form-error-dismiss").addEventListener("click", self.hide_error)
        self.dialog.addEventListener("close", self.on_closed)

    def is_open(self):
        return self.dialog.open

    def open_new(self, event=None):
        self.open(None, by_id("new-todo"))

    def open_edit(self, todo_id, opener):
        todo = self.todos.find(todo_id)
        if todo is not None:
            self.open(todo, opener)

    def open(self, todo, opener):
        self.editing = todo
        self.opener = opener
        self.focus_after = None
        self.show_heading()
        values = model.form_values(todo)
        for name in model.FIELDS:
            self.inputs[name].value = values[name]
        self.hide_error()
        self.show_note(None)
        self.mark_invalid(None)
        self.show_counters(values)
        for name in model.HINTED:
            by_id(name + "-hint").textContent = ""
        self.dialog.showModal()
        self.inputs["title"].focus()

    def show_heading(self):
        by_id("modal-title").textContent = texts.NEW_TITLE if self.editing is None else texts.EDIT_TITLE

    def close(self, event=None):
        self.dialog.close()

    def on_closed(self, event=None):
        self.editing = None
        if self.focus_after is not None and focus_by_id(self.focus_after):
            pass
        elif self.opener is not None and self.opener.isConnected:
            self.opener.focus()
        else:
            by_id("new-todo").focus()
        self.focus_after = None
        self.opener = None

    def read(self):
        values = {}
        for name in model.FIELDS:
            values[name] = self.inputs[name].value
        if self.inputs["due"].validity.badInput:
            values["due"] = UNREADABLE_DATE
        return values

    def show_counters(self, values):
        by_id("title-count").textContent = model.counter_text(values["title"], model.TITLE_MAX)
        by_id("memo-count").textContent = model.counter_text(values["memo"], model.MEMO_MAX)

    def show_hints(self, event=None):
        values = self.read()
        hints = model.field_hints(values)
        for name in model.HINTED:
            by_id(name + "-hint").textContent = hints[name]
        self.show_counters(values)

    def clear_due(self, event=None):
        self.inputs["due"].value = ""
        self.show_hints()
        self.inputs["due"].focus()

    def on_memo_key(self, event):
        # Enter makes a new line in the memo; Ctrl+Enter (Cmd+Enter) sends the form.
        if event.key == "Enter" and (event.ctrlKey or event.metaKey):
            event.preventDefault()
            self.form.requestSubmit()

    async def on_submit(self, event):
        event.preventDefault()
        if self.save_button.disabled:  # the last press is still being saved
            return
        editing = self.editing
        values = self.read()
        body = model.new_todo_body(values) if editing is None else model.changed_fields(editing, values)
        if editing is not None and len(body) == 0:
            self.focus_after = "update-" + editing.get("id")
            self.close()
            return
        problem = model.body_problem(body)
        if problem is not None:
            # Nothing is sent that the API would refuse.
            self.show_hints()
            self.show_error(problem["text"])
            self.mark_invalid(problem["field"])
            return
        if editing is None:
            # A new todo comes last in your own order.
            position = self.todos.new_position()
            if position is not None:
                body["position"] = position
            reply = await self.send("POST", remote.collection_url(self.api_url), body, None)
            saved = None if reply is None else reply.body(201)
        else:
            todo_id = editing.get("id")
            reply = await self.send("PUT", remote.item_url(self.api_url, todo_id), body, remote.version_tag(editing))
            saved = None if reply is None else reply.body(200)
        if saved is not None:
            self.saved(saved, editing is None)
        else:
            await self.failed(http.failure_of(reply), editing)

    async def send(self, method, url, body, tag):
        self.hide_error()
        self.show_note(None)
        self.mark_invalid(None)
        mark_busy(self.form, self.save_button, True)
        try:
            return await self.session.api(method, url, body, tag)
        finally:
            mark_busy(self.form, self.save_button, False)

    def saved(self, todo, created):
        self.todos.put(todo)
        # Back to where the user was: the row's 変更 button, or the new row.
        self.focus_after = ("check-" if created else "update-") + todo.get("id")
        self.close()
        title = model.text_of(todo.get("title"))
        self.notices.show(texts.fill(texts.CREATED if created else texts.CHANGED, [title]))

    async def failed(self, failure, editing):
        step = flows.save_failure_step(failure, editing is not None)
        if step == flows.RELOAD_AND_KEEP:
            latest = await self.todos.reload(editing.get("id"))
            step = flows.after_reload(latest)
            self.editing = latest
        if step == flows.SWITCH_TO_CREATE:
            self.todos.drop(editing.get("id"))
            self.editing = None
            self.show_heading()
        self.show_failure({"text": flows.save_failure_text(step, failure), "detail": failure["detail"]})
        if step == flows.SHOW:
            self.mark_invalid(failure["field"])

    def mark_invalid(self, field):
        """Flag the field the API refused (aria-invalid) and put the cursor there; None clears every flag."""
        for name in model.FIELDS:
            node = self.inputs[name]
            node.classList.toggle("is-invalid", name == field)
            if name == field:
                node.setAttribute("aria-invalid", "true")
                node.setAttribute("aria-errormessage", "form-error-text")
            else:
                node.removeAttribute("aria-invalid")
                node.removeAttribute("aria-errormessage")
        if field is not None:
            self.inputs[field].focus()

    def show_failure(self, failure):
        """A failure's text in the dialog, with the API's own words under it when the page has none."""
        self.show_note(None)
        show_failure_in(by_id("form-error-text"), by_id("form-error-detail"), failure)
        self.error.hidden = False

    def show_error(self, text):
        self.show_failure({"text": text, "detail": ""})

    def hide_error(self, event=None):
        self.error.hidden = True
        by_id("form-error-text").textContent = ""
        by_id("form-error-detail").hidden = True

    def show_note(self, text):
        """The dialog's note (None hides it); it takes the place of an error."""
        if text is not None:
            self.hide_error()
        self.note.textContent = "" if text is None else text
        self.note.hidden = text is None
