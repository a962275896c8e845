"""Above the list: the view buttons (with the count due today), the search box and the sort select; and the date.

The sort chosen is kept on the device (``localStorage``) and comes back on the
next visit; the view and the search start afresh.
"""

from todoui import dates, views

from page.dom import add_options, by_id

SORT_KEY = "hobopy-sort"
DAY_CHECK_MS = 60000  # how often the page looks whether the date changed (overdue starts at midnight)


def today_text():
    """The browser's local date as ``YYYY-MM-DD``."""
    now = __new__(Date())
    return dates.date_text(now.getFullYear(), now.getMonth() + 1, now.getDate())


def stored_sort():
    try:
        return window.localStorage.getItem(SORT_KEY)
    except:  # noqa: E722 (storage refused: private modes, policies)
        return None


def store_sort(sort):
    """Keep the sort chosen; False when the browser keeps nothing."""
    try:
        window.localStorage.setItem(SORT_KEY, sort)
    except:  # noqa: E722
        return False
    return True


class ListTools:
    """Tells ``todos`` (the TodoList) which view, search, sort and day to show; it redraws."""

    def __init__(self, todos):
        self.todos = todos
        self.view_group = by_id("view-tabs")
        self.search = by_id("search-box")
        self.sort_select = by_id("sort-select")

    def start(self):
        add_options(self.sort_select, views.sort_options())
        sort = views.chosen(stored_sort(), views.SORTS, views.DEFAULT_SORT)
        self.sort_select.value = sort
        self.todos.set_sort(sort)
        # A reload may keep what the form held: the list starts from what the controls show.
        self.on_view()
        self.on_search()
        self.sort_select.addEventListener("change", self.on_sort)
        self.search.addEventListener("input", self.on_search)
        self.view_group.addEventListener("change", self.on_view)
        document.addEventListener("visibilitychange", self.on_clock)
        self.tick()

    def on_sort(self, event=None):
        sort = views.chosen(self.sort_select.value, views.SORTS, views.DEFAULT_SORT)
        store_sort(sort)
        self.todos.set_sort(sort)

    def on_search(self, event=None):
        self.todos.set_search(self.search.value)

    def on_view(self, event=None):
        checked = self.view_group.querySelector("input:checked")
        value = None if checked == None else checked.value  # noqa: E711 (querySelector gives null)
        self.todos.set_view(views.chosen(value, views.VIEWS, views.ALL))

    def on_clock(self, event=None):
        if document.visibilityState == "visible":
            self.todos.set_today(today_text())

    def tick(self):
        self.on_clock()
        setTimeout(self.tick, DAY_CHECK_MS)
