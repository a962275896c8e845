"""Moving rows by hand in your own order: dragging a row's grip with a mouse, a pen or a finger, and Alt+↑/↓.

Dragging uses Pointer Events (HTML5 drag and drop knows no fingers): the grip
takes the pointer, the row follows it, a line shows where it would land, and
the page scrolls near the top or bottom of the screen. The list decides the
rest (``TodoList.move``): one PUT when the todos around have positions.
"""

from todoui import order, views

EDGE_PX = 56  # closer than this to the top or the bottom of the window, a drag scrolls the page
SCROLL_PX = 14  # per tick of SCROLL_MS
SCROLL_MS = 16


class Reorder:
    """Drags and key presses on the rows of ``todos`` (the TodoList)."""

    def __init__(self, todos):
        self.todos = todos
        self.drag = None
        self.edge = 0  # -1 or 1 while a drag holds the pointer near the top or the bottom of the window
        self.timer = None

    def start(self):
        rows = self.todos.rows
        rows.addEventListener("pointerdown", self.on_down)
        rows.addEventListener("pointermove", self.on_move)
        rows.addEventListener("pointerup", self.on_up)
        rows.addEventListener("pointercancel", self.on_cancel)
        rows.addEventListener("lostpointercapture", self.on_cancel)
        rows.addEventListener("keydown", self.on_key)

    def on_key(self, event):
        step = order.key_step(event.key, event.altKey)
        row = event.target.closest(".todo-row")
        if step == 0 or row == None or not views.can_reorder(self.todos.sort):  # noqa: E711
            return
        event.preventDefault()
        focus_id = event.target.id if len(event.target.id) > 0 else None
        self.todos.step(row.dataset.todoId, step, focus_id)

    def on_down(self, event):
        grip = event.target.closest(".todo-grip")
        if grip == None or self.drag is not None or event.button != 0:  # noqa: E711
            return
        if not views.can_reorder(self.todos.sort):
            return
        event.preventDefault()
        row = grip.closest(".todo-row")
        others = []
        ids = []
        middles = []
        moving = -1
        rows = self.todos.rows.children
        for place in range(rows.length):
            other = rows[place]
            if other == row:
                moving = len(others)
            elif not other.hidden:
                box = other.getBoundingClientRect()
                others.append(other)
                ids.append(other.dataset.todoId)
                middles.append(box.top + box.height / 2 + window.scrollY)
        grip.setPointerCapture(event.pointerId)
        self.drag = {
            "id": row.dataset.todoId,
            "row": row,
            "grip": grip,
            "pointer": event.pointerId,
            "start": event.clientY + window.scrollY,
            "y": event.clientY,
            "others": others,
            "ids": ids,
            "middles": middles,
            "moving": moving,
            "height": row.getBoundingClientRect().height,
            "shown": self.todos.shown(),
            "marked": None,
            "target": None,
        }
        row.classList.add("is-dragging")
        document.body.classList.add("is-reordering")

    def on_move(self, event):
        if self.drag is None or event.pointerId != self.drag["pointer"]:
            return
        self.drag["y"] = event.clientY
        self.follow()
        edge = 0
        if event.clientY < EDGE_PX:
            edge = -1
        elif event.clientY > window.innerHeight - EDGE_PX:
            edge = 1
        self.scroll_while(edge)

    def follow(self):
        """The row under the pointer, the rows it passed moved aside to make room, and a line where it lands."""
        drag = self.drag
        y = drag["y"] + window.scrollY
        drag["row"].style.transform = "translateY(" + str(y - drag["start"]) + "px)"
        slot = order.drop_slot(drag["middles"], y)
        target = order.move_target(drag["shown"], drag["id"], slot)
        drag["target"] = target
        landing = order.landing_slot(drag["ids"], target, drag["moving"])
        others = drag["others"]
        for index in range(len(others)):
            shift = order.shift_of(index, drag["moving"], landing)
            others[index].style.transform = "" if shift == 0 else "translateY(" + str(shift * drag["height"]) + "px)"
        self.mark(None if target is None else target_row(drag, target))

    def mark(self, marking):
        """``marking``: ``[row, "drop-before" or "drop-after"]``, or None for no line."""
        drag = self.drag
        old = drag["marked"]
        if old is not None:
            old[0].classList.remove(old[1])
        drag["marked"] = marking
        if marking is not None:
            marking[0].classList.add(marking[1])

    def scroll_while(self, edge):
        self.edge = edge
        if edge != 0 and self.timer is None:
            self.timer = setTimeout(self.scroll_step, SCROLL_MS)

    def scroll_step(self):
        self.timer = None
        if self.drag is None or self.edge == 0:
            return
        window.scrollBy(0, self.edge * SCROLL_PX)
        self.follow()
        self.timer = setTimeout(self.scroll_step, SCROLL_MS)

    def on_up(self, event):
        if self.drag is None or event.pointerId != self.drag["pointer"]:
            return
        self.drag["y"] = event.clientY
        self.follow()
        drag = self.finish()
        target = drag["target"]
        if target is not None:
            self.todos.queue_move(lambda: self.todos.move(drag["id"], target))

    def on_cancel(self, event):
        if self.drag is not None and event.pointerId == self.drag["pointer"]:
            self.finish()

    def finish(self):
        """End the drag: the row back in its place (until the move redraws it), no line, no scrolling."""
        drag = self.drag
        self.scroll_while(0)
        self.mark(None)
        self.drag = None
        drag["row"].style.transform = ""
        for other in drag["others"]:
            other.style.transform = ""
        drag["row"].classList.remove("is-dragging")
        document.body.classList.remove("is-reordering")
        if drag["grip"].hasPointerCapture(drag["pointer"]):
            drag["grip"].releasePointerCapture(drag["pointer"])
        return drag


def target_row(drag, target):
    """Where the line goes for ``target``: under the row it comes after, or over the row it comes before."""
    for row in drag["others"]:
        if row.dataset.todoId == target["after"]:
            return [row, "drop-after"]
        if row.dataset.todoId == target["before"]:
            return [row, "drop-before"]
    return None
