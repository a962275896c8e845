"""The page's messages: the error banner, and the notice of what was just done (with its undo), which fades."""

from todoui import flows

from page.dom import by_id, show_text

FADE_MS = 400  # as the opacity transition of .is-fading in app.css


def show_failure_in(text_node, detail_node, failure):
    """A failure's Japanese text, and under it the API's own English words when the page has none."""
    text_node.textContent = failure["text"]
    show_text(detail_node, failure["detail"] if len(failure["detail"]) > 0 else None)


class Notices:
    """The banner (``#error-banner``) stays until dismissed; the notice (``#notice``) fades by itself."""

    def __init__(self):
        self.banner = by_id("error-banner")
        self.notice = by_id("notice")
        self.action = by_id("notice-action")
        self.undo = None  # what the notice's 元に戻す button does
        self.timer = None
        # A dialog that takes errors while it is open (the page behind it is inert): is_open(), show_failure(failure).
        self.overlay = None

    def start(self):
        by_id("error-dismiss").addEventListener("click", self.hide_error)
        by_id("notice-dismiss").addEventListener("click", self.hide)
        self.action.addEventListener("click", self.on_action)

    def show_failure(self, failure):
        if self.overlay is not None and self.overlay.is_open():
            self.overlay.show_failure(failure)
            return
        show_failure_in(by_id("error-text"), by_id("error-detail"), failure)
        self.banner.hidden = False

    def show_error(self, text):
        self.show_failure({"text": text, "detail": ""})

    def hide_error(self, event=None):
        self.banner.hidden = True
        by_id("error-text").textContent = ""
        show_text(by_id("error-detail"), None)

    def show(self, text, undo=None):
        """Say what was just done; ``undo``: an async function that takes it back, offered by a button."""
        self.undo = undo
        by_id("notice-text").textContent = text
        self.action.hidden = undo is None
        self.notice.classList.remove("is-fading")
        self.notice.hidden = False
        self.plan_fade(flows.notice_seconds(undo is not None))

    def plan_fade(self, seconds):
        self.stop_timer()
        self.timer = setTimeout(self.fade, seconds * 1000)

    def stop_timer(self):
        if self.timer is not None:
            clearTimeout(self.timer)
            self.timer = None

    def fade(self):
        self.timer = None
        if self.notice.matches(":hover") or self.notice.contains(document.activeElement):
            self.plan_fade(flows.notice_seconds(self.undo is not None, True))
            return
        self.notice.classList.add("is-fading")
        self.timer = setTimeout(self.hide, FADE_MS)

    def hide(self, event=None):
        self.stop_timer()
        self.notice.hidden = True
        self.notice.classList.remove("is-fading")
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
