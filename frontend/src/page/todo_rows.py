"""The elements of a row: the blank row every row is copied from, and a copy filled in with a todo's words."""

from todoui import texts

from page.dom import make


def fill_row(row, view):
    """``row`` (a copy of the blank row) filled in with ``view`` (``views.row_view``)."""
    todo_id = view["id"]
    row.dataset.todoId = todo_id
    # The blank row has neither class, nor a date: a row without them is left as it is (a long list draws faster).
    if view["completed"]:
        row.classList.add("is-completed")
    if view["overdue"]:
        row.classList.add("is-overdue")
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
    if len(view["due"]) > 0:
        due = cells[4].firstChild
        due.className = "due due-" + view["dueState"]
        due.textContent = view["due"]
    fill_action(cells[5].firstChild, todo_id, view["updateLabel"])
    fill_action(cells[6].firstChild, todo_id, view["deleteLabel"])
    moves = cells[7].children
    fill_action(moves[1], todo_id, view["upLabel"])
    fill_action(moves[2], todo_id, view["downLabel"])
    return row


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
    cell = make("td", "todo-due", None)
    cell.appendChild(make("span", "due due-none", None))
    row.appendChild(cell)
    for action, text, style in [
        ["update", texts.UPDATE_BUTTON, "btn-outline-primary"],
        ["delete", texts.DELETE_BUTTON, "btn-outline-danger"],
    ]:
        cell = make("td", "todo-action todo-" + action, None)
        cell.appendChild(make_button(action, text, style))
        row.appendChild(cell)
    # Moves, in your own order only: the grip to drag (a pointer or a finger), and a button each way.
    cell = make("td", "todo-move", None)
    grip = make("span", "todo-grip", None)
    grip.setAttribute("aria-hidden", "true")
    grip.title = texts.GRIP_TITLE
    cell.appendChild(grip)
    cell.appendChild(make_button("up", texts.MOVE_UP_BUTTON, "btn-outline-secondary todo-step"))
    cell.appendChild(make_button("down", texts.MOVE_DOWN_BUTTON, "btn-outline-secondary todo-step"))
    row.appendChild(cell)
    return row


def make_button(action, text, style):
    button = make("button", "btn btn-sm " + style, text)
    button.js_type = "button"
    button.dataset.action = action
    return button


def fill_action(button, todo_id, label):
    button.id = button.dataset.action + "-" + todo_id
    button.setAttribute("aria-label", label)
