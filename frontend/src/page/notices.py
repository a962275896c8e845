"""The page's messages: the error banner, and the notice of what was just done (with its undo)."""

from page.dom import by_id


class Notices:
    """The banner (``#error-banner``) and the notice (``#notice``) above the list."""

    def __init__(self):
        self.banner = by_id("error-banner")
        self.notice = by_id("notice")
        self.action = by_id("notice-action")
        self.undo = None  # what the notice's 元に戻す button does
        # A dialog that takes errors while it is open (the page behind it is inert): is_open() and show_error(text).
        self.overlay = None

    def start(self):
        by_id("error-dismiss").addEventListener("click", self.hide_error)
        by_id("notice-dismiss").addEventListener("click", self.hide)
        self.action.addEventListener("click", self.on_action)

    def show_error(self, text):
        if self.overlay is not None and self.overlay.is_open():
            self.overlay.show_error(text)
            return
        by_id("error-text").textContent = text
        self.banner.hidden = False

    def hide_error(self, event=None):
        self.banner.hidden = True
        by_id("error-text").textContent = ""

    def show(self, text, undo=None):
        """Say what was just done; ``undo``: an async function that takes it back, offered by a button."""
        self.undo = undo
        by_id("notice-text").textContent = text
        self.action.hidden = undo is None
        self.notice.hidden = False

    def hide(self, event=None):
        self.notice.hidden = True
        self.undo = None
        by_id("notice-text").textContent = ""

    async def on_action(self, event=None):
        undo = self.undo
        if undo is None:
            return
        self.action.disabled = True
        try:
            await undo()
        finally:
            self.action.disabled = False
