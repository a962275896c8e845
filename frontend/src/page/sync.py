"""Offline and in step: the page's API, answered from the device's copy without a network, and kept fresh.

``Sync`` stands where the list and the dialog send their requests (``api``,
as ``Session.api`` does). The list comes from the server with its ``ETag``
and is kept on the device; creates, edits, toggles and deletes go into the
outbox, show at once and are sent in order (``Replay``). A visible page asks
the server again on focus, on becoming visible and every
``sync.POLL_SECONDS``; tabs tell each other of every change (BroadcastChannel),
and what changed goes into the list row by row.
"""

from todoui import flows, ids, model, outbox, remote, sync, texts

from page import http
from page.dom import as_dict, now
from page.local_store import LocalStore
from page.replay import Replay

# More changed rows than this at once are drawn by loading the list again (from the device) rather than one by one.
ROWS_ONE_BY_ONE = 100


def visible():
    return document.visibilityState == "visible"


def random_nibbles():
    """19 random values from 0 to 15 (the random part of a UUIDv7)."""
    data = __new__(Uint8Array(10))
    crypto.getRandomValues(data)
    nibbles = []
    for index in range(10):
        nibbles.append(data[index] // 16)
        nibbles.append(data[index] % 16)
    return nibbles[0:19]


class Sync:
    """The person's list (``base``: the server's as last read, ``record``: the outbox) and what the page shows of it.

    ``todos`` (the TodoList), ``banner`` and ``conflicts`` are set when the
    page is wired; ``on_signed_out_elsewhere()`` signs this tab out too.
    """

    def __init__(self, api_url, session, notices):
        self.api_url = api_url
        self.collection = remote.collection_url(api_url)
        self.session = session
        self.notices = notices
        self.store = LocalStore()
        self.replay = Replay(self)
        self.todos = None
        self.banner = None
        self.conflicts = None
        self.on_signed_out_elsewhere = lambda: None
        self.owner = sync.ANONYMOUS
        self.opening = None  # the owner's list and outbox being read from the device
        self.opened = False  # and read
        self.base = None  # sync.list_record: the server's list as last read, None before the first
        self.record = outbox.empty()
        self.shown = []  # the list as the TodoList shows it
        self.drawing = None  # the todo whose row the caller waiting for its change draws itself
        self.offline = not navigator.onLine
        self.needs_sign_in = False
        self.checking = False
        self.last_check = None
        self.poll_timer = None
        self.offset = None  # the server's clock minus this machine's, in milliseconds
        self.channel = None

    def start(self):
        document.addEventListener("visibilitychange", self.on_visibility)
        window.addEventListener("focus", self.check)
        window.addEventListener("online", lambda event: self.set_offline(False))
        window.addEventListener("offline", lambda event: self.set_offline(True))
        if window.BroadcastChannel != None:  # noqa: E711 (undefined where the browser has none)
            self.channel = __new__(BroadcastChannel(sync.CHANNEL))
            self.channel.addEventListener("message", self.on_message)
        self.opening = self.open(self.owner)
        self.plan_poll()

    # Whose list.

    def session_changed(self):
        """Someone signed in: their list. An ended session keeps its person's list: they sign in again to send."""
        if self.session.current is None:
            return
        self.needs_sign_in = False
        if self.session.owner() != self.owner:
            self.opening = self.open(self.session.owner())
        self.replay.soon()
        self.show_banner()

    def signed_out(self, owner):
        """Forget ``owner``'s list and outbox on this device and tell their other tabs."""
        self.store.forget(owner)
        self.tell(owner, sync.SIGNED_OUT)
        self.needs_sign_in = False
        self.opening = self.open(sync.ANONYMOUS)

    async def open(self, owner):
        self.owner = owner
        self.opened = False
        self.base = None
        self.record = outbox.empty()
        self.shown = []
        base = await self.store.load_list(owner)
        record = await self.store.load_outbox(owner)
        if self.owner == owner:
            if self.base is None:  # else the server's list came first, and is newer
                self.base = base
            self.record = record
            self.opened = True
            self.show_banner()

    async def ready(self):
        if self.opening is not None:
            await self.opening

    def can_send(self):
        """False while the person whose list this is has no session: their changes wait until they sign in."""
        return self.owner == sync.ANONYMOUS or self.session.current is not None

    def wait_for_sign_in(self):
        self.needs_sign_in = True
        self.show_banner()

    # The requests of the list and the dialog.

    async def api(self, method, url, body, tag):
        """What ``Session.api`` answers, with the list and the changes going through the device's copy."""
        if method == "GET" and url == self.collection:
            return await self.read_list()
        await self.ready()
        target = sync.write_target(method, url, self.collection)
        if target is None or self.base is None:
            return await self.send(method, url, body, tag, None)
        todo_id = self.new_id() if target["kind"] == outbox.CREATE else decodeURIComponent(target["segment"])
        return await self.write(target["kind"], todo_id, body, tag)

    async def send(self, method, url, body, tag, none_match):
        """One request as the signed-in person; what it answered tells whether the page is offline."""
        if not self.can_send():
            return http.refused(401)
        reply = await self.session.api(method, url, body, tag, none_match)
        self.set_offline(reply is None)
        if reply is not None:
            date = reply.header("Date")
            stamp = None if date is None else Date.parse(date)
            if stamp is not None and Number.isFinite(stamp):
                self.offset = stamp - Date.now()
        return reply

    def new_id(self):
        return ids.uuid7(ids.id_time(Date.now(), self.offset), random_nibbles())

    async def write(self, kind, todo_id, body, tag):
        before = model.find(self.view(), todo_id)
        made = __new__(Date()).toISOString()
        # The row is the caller's to draw, with the answer it gets.
        added = await self.change(self.owner, lambda record: outbox.add(record, kind, todo_id, body, tag, made), False)
        shown = model.find(self.view(), todo_id)
        self.shown = model.without(self.shown, todo_id) if shown is None else model.upsert(self.shown, shown)
        if added[2] and not self.offline and self.can_send():
            self.drawing = todo_id
            try:
                reply = await self.replay.run(added[1])
            finally:
                self.drawing = None
            if reply is not None:
                return reply
        else:
            self.replay.soon()
        return self.made(kind, todo_id, before)

    def made(self, kind, todo_id, before):
        """The answer the page gives itself for a change still on its way: the todo as it now shows."""
        if kind == outbox.DELETE:
            return http.made(200, before if before is not None else {"id": todo_id})
        todo = model.find(self.view(), todo_id)
        if todo is None:
            return http.refused(404)
        return http.made(201 if kind == outbox.CREATE else 200, todo)

    async def read_list(self):
        """The list for the TodoList: the server's when it answers, else the device's copy (offline).

        On opening, the request goes out while the device's copy is still being read (without the ETag: the
        list is on screen sooner); later, with it, and never while this tab sends what waits.
        """
        if not self.opened:
            fetched = await self.fetch_list()
            await self.ready()
        elif outbox.waiting(self.record) == 0:
            fetched = await self.fetch_list()
        else:
            fetched = await self.replay.exclusive(self.fetch_list)
        if not sync.shows_copy(fetched["state"], self.base is not None):
            return fetched["reply"]
        self.shown = self.view()
        self.replay.soon()
        if fetched["state"] == sync.FRESH and fetched["reply"] is not None and len(self.record["ops"]) == 0:
            return fetched["reply"]  # the server's one page as it came: nothing to lay over it
        return http.made(200, self.shown)

    async def fetch_list(self):
        """Read the list from the server into ``base``: ``{"state", "reply"}`` (``sync.FRESH`` and the like; the
        reply of a fresh list only when it came in one page)."""
        owner = self.owner
        url = self.collection
        items = []
        pages = 0
        etag = None
        while url is not None:
            pages += 1
            condition = self.base["etag"] if pages == 1 and self.base is not None else None
            reply = await self.send("GET", url, None, None, condition)
            if reply is None:
                return {"state": sync.OFFLINE, "reply": None}
            if reply.status == 304 and pages == 1 and self.base is not None:
                return {"state": sync.SAME, "reply": reply}
            listed = reply.status == 200 and Array.isArray(reply.data)
            step = flows.page_step(pages, listed, reply.header("Link") if listed else None)
            if step["failed"]:
                return {"state": sync.FAILED, "reply": reply}
            for item in reply.data:
                todo = as_dict(item)
                if todo is not None:
                    items.append(todo)
            if pages == 1:
                etag = reply.header("ETag")
            url = remote.resolve(url, step["next"]) if step["next"] is not None else None
        if self.owner != owner:  # someone signed in or out meanwhile: the answer is not theirs to keep
            return {"state": sync.FAILED, "reply": reply}
        self.base = sync.list_record(items, etag if pages == 1 else None)
        self.keep_list_soon(self.owner, self.base)
        return {"state": sync.FRESH, "reply": reply if pages == 1 else None}

    def keep_list_soon(self, owner, record):
        """Write the list once the next frame is painted: the list is drawn first (a slow phone takes a while to
        turn 1,000 todos into JSON). A hidden page paints no frames: it writes at once."""
        if visible():
            window.requestAnimationFrame(lambda stamp: setTimeout(self.keep_list, 0, owner, record))
        else:
            setTimeout(self.keep_list, 0, owner, record)

    async def keep_list(self, owner, record):
        """Write the server's list to the device, then tell the other tabs; not when a newer one took its place."""
        if self.base is not record:
            return
        await self.store.save_list(owner, record)
        self.tell(owner, sync.CHANGED)

    # The device's copy.

    def view(self):
        return outbox.view([] if self.base is None else self.base["todos"], self.record)

    def seen(self, todo_id):
        """``todo_id`` as the person last saw it."""
        todo = model.find(self.shown, todo_id)
        if todo is None and self.base is not None:
            todo = model.find(self.base["todos"], todo_id)
        return {"id": todo_id} if todo is None else todo

    async def change(self, owner, how, rows=True):
        """Change ``owner``'s outbox in one transaction (``how``: record -> ``[record, ...]``); show it and tell.

        ``rows``: bring the list's rows up to date too (not when the caller draws the row itself).
        """
        result = await self.store.change_outbox(owner, how)
        if owner == self.owner:
            self.record = result[0]
            if rows:
                self.show(self.view())
            self.show_banner()
            self.tell(owner, sync.CHANGED)
        return result

    async def keep_todo(self, todo_id, todo):
        """Take the server's ``todo`` (None: gone) into the kept list."""
        if self.base is None:
            return
        todos = self.base["todos"]
        todos = model.without(todos, todo_id) if todo is None else model.upsert(todos, todo)
        self.base = sync.list_record(todos, self.base["etag"])
        await self.store.save_list(self.owner, self.base)
        self.show(self.view())
        self.tell(self.owner, sync.CHANGED)

    def show(self, todos):
        """Bring the TodoList to ``todos`` row by row (many at once: by loading it again)."""
        if self.todos is None:
            return
        rows = sync.changes(self.shown, todos)
        self.shown = todos
        if len(rows["put"]) + len(rows["drop"]) > ROWS_ONE_BY_ONE:
            self.todos.load()
            return
        focused = document.activeElement.closest(".todo-row") if document.activeElement != None else None  # noqa: E711
        focus_id = None if focused == None else focused.dataset.todoId  # noqa: E711
        for todo_id in rows["drop"]:
            if todo_id != self.drawing:
                self.todos.drop(todo_id)
        for todo in rows["put"]:
            if todo.get("id") != self.drawing:
                self.todos.put(todo, todo.get("id") if todo.get("id") == focus_id else None)

    # Offline, and the banner.

    def set_offline(self, offline):
        if offline == self.offline:
            return
        self.offline = offline
        self.show_banner()
        if not offline:
            self.replay.tries = 0
            self.replay.soon()
            self.check()

    def show_banner(self):
        if self.banner is None:
            return
        sending = len(self.record["ops"])
        choosing = len(self.record["conflicts"])
        offline = self.offline and (self.base is not None or sending + choosing > 0)
        stalled = self.replay.tries > 0
        self.banner.show(sync.banner_text(offline, sending, choosing, self.needs_sign_in, stalled))

    async def before_sign_out(self):
        """Send what waits first; if some still cannot be sent, the person decides whether to sign out anyway."""
        if outbox.waiting(self.record) > 0 and not self.offline:
            await self.replay.run(None)
        waiting = outbox.waiting(self.record)
        return waiting == 0 or window.confirm(texts.fill(texts.SIGN_OUT_DISCARDS, [waiting]))

    # In step.

    def tell(self, owner, what):
        if self.channel is not None:
            self.channel.postMessage(JSON.stringify(sync.message(owner, what)))

    async def on_message(self, event):
        try:
            message = sync.message_of(as_dict(JSON.parse(event.data)))
        except:  # noqa: E722 (not JSON)
            message = None
        if message is None or message["owner"] != self.owner:
            return
        if message["what"] == sync.SIGNED_OUT:
            if self.session.current is not None:
                self.on_signed_out_elsewhere()
            return
        owner = self.owner
        base = await self.store.load_list(owner)
        record = await self.store.load_outbox(owner)
        if owner != self.owner:
            return
        if base is not None:
            self.base = base
        self.record = record
        self.show(self.view())
        self.show_banner()
        self.conflicts.offer()

    def on_visibility(self, event=None):
        if visible():
            self.check()
        self.plan_poll()

    def plan_poll(self):
        """The next poll, while the page is visible; a hidden page never polls."""
        if self.poll_timer is not None:
            clearTimeout(self.poll_timer)
            self.poll_timer = None
        if visible():
            self.poll_timer = setTimeout(self.on_poll, sync.POLL_SECONDS * 1000)

    def on_poll(self):
        self.poll_timer = None
        self.check()
        self.plan_poll()

    async def check(self, event=None):
        """Ask the server whether the list changed (sending what waits first) and show what did."""
        if self.base is None or not self.can_send():
            return
        if not sync.check_due(visible(), not navigator.onLine, self.checking, now(), self.last_check):
            return
        self.checking = True
        try:
            await self.replay.run(None)
            fetched = await self.replay.exclusive(self.fetch_list)
            if fetched["state"] == sync.FRESH:
                self.show(self.view())
        finally:
            self.checking = False
            self.last_check = now()
