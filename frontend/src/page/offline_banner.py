"""The line at the top of the list that says the page is offline, and how many changes wait to be sent."""

from page.dom import by_id, make, show_text


class OfflineBanner:
    """``#offline-banner``, put above the error banner; ``show(text)`` fills it, None hides it."""

    def __init__(self):
        self.node = make("p", "offline-banner alert alert-warning", None)
        self.node.id = "offline-banner"
        self.node.setAttribute("role", "status")
        self.node.hidden = True

    def start(self):
        anchor = by_id("error-banner")
        anchor.parentNode.insertBefore(self.node, anchor)

    def show(self, text):
        if self.node.textContent != ("" if text is None else text) or self.node.hidden != (text is None):
            show_text(self.node, text)
