"""The dialog that shows a change made here beside the newer version from elsewhere, and keeps the one chosen."""

from todoui import conflicts, sync, texts

from page.dom import make

SIDES = ["mine", "theirs"]


class ConflictDialog:
    """``#conflict-dialog``: the first conflict of the outbox (``page``: the Sync), both versions side by side.

    Closing it without choosing (Esc) leaves the conflict waiting: it comes
    back with the next check of the list.
    """

    def __init__(self, page, notices):
        self.page = page
        self.notices = notices
        self.current = None  # the conflict shown
        self.dialog = make("dialog", "todo-dialog conflict-dialog", None)
        self.dialog.id = "conflict-dialog"
        self.dialog.setAttribute("aria-labelledby", "conflict-title")
        self.dialog.setAttribute("aria-describedby", "conflict-lead")
        self.title = make("h2", "h5 mb-2", texts.CONFLICT_TITLE)
        self.title.id = "conflict-title"
        self.lead = make("p", "mb-3", None)
        self.lead.id = "conflict-lead"
        self.columns = make("div", "row g-3", None)
        self.sides = {}
        self.buttons = {}
        for side in SIDES:
            column = make("section", "col-12 col-sm-6 conflict-side conflict-" + side, None)
            column.appendChild(make("h3", "h6", texts.MINE_HEADING if side == "mine" else texts.THEIRS_HEADING))
            fields = make("dl", "conflict-fields", None)
            column.appendChild(fields)
            button = make("button", "btn " + ("btn-primary" if side == "mine" else "btn-outline-primary"), None)
            button.js_type = "button"
            button.id = "keep-" + side
            button.textContent = texts.KEEP_MINE if side == "mine" else texts.KEEP_THEIRS
            column.appendChild(button)
            self.columns.appendChild(column)
            self.sides[side] = fields
            self.buttons[side] = button
        for part in [self.title, self.lead, self.columns]:
            self.dialog.appendChild(part)

    def start(self):
        document.body.appendChild(self.dialog)
        self.buttons["mine"].addEventListener("click", lambda event: self.choose(True))
        self.buttons["theirs"].addEventListener("click", lambda event: self.choose(False))
        self.dialog.addEventListener("close", self.on_closed)

    def offer(self):
        """Show the first conflict waiting, unless one is shown; close one that another tab settled."""
        choices = self.page.record["conflicts"]
        if self.current is not None and conflicts.find_conflict(self.page.record, self.current["seq"]) is None:
            self.dialog.close()
        if self.dialog.open or len(choices) == 0:
            return
        self.current = choices[0]
        self.fill(sync.conflict_view(self.current))
        self.dialog.showModal()
        self.buttons["mine"].focus()

    def fill(self, view):
        self.lead.textContent = view["lead"]
        for side in SIDES:
            fields = self.sides[side]
            fields.replaceChildren()
            note = view[side + "Note"]
            if note is not None:
                fields.appendChild(make("p", "conflict-note", note))
                continue
            for row in view["rows"]:
                label = make("dt", None, row["label"])
                value = make("dd", "is-different" if row["differs"] else None, row[side])
                if row["differs"]:
                    value.appendChild(make("span", "visually-hidden", texts.DIFFERS))
                fields.appendChild(label)
                fields.appendChild(value)

    async def choose(self, keep_mine):
        conflict = self.current
        if conflict is None:
            return
        page = self.page
        new_id = page.new_id()
        await page.change(page.owner, lambda record: conflicts.resolve(record, conflict["seq"], keep_mine, new_id))
        self.notices.show(sync.kept_text(conflict, keep_mine))
        self.dialog.close()
        page.replay.soon()
        self.offer()

    def on_closed(self, event=None):
        if not self.dialog.open:  # the next conflict may be shown already
            self.current = None
