"""The list and the outbox kept on the device: IndexedDB, one record each per person (their ``sub``).

IndexedDB rather than localStorage: a change to the outbox is read, changed
and written back in one transaction, and the browser runs the transactions of
all its tabs one after another, so two tabs changing the outbox at once never
lose each other's change (localStorage gives each tab a copy that others'
writes reach only later). Values are stored as JSON text. Where IndexedDB is
missing or refused (some private windows), they live in memory for the page's
life. Tokens are never stored here: they stay in the tab.
"""

from todoui import outbox, sync

from page.dom import as_tree

NAME = "hobopy"
VERSION = 1
LISTS = "lists"
OUTBOXES = "outboxes"


def finished(request):
    """A Promise of an IndexedDB request's result."""

    def run(resolve, reject):
        request.onsuccess = lambda event: resolve(request.result)
        request.onerror = lambda event: reject(request.error)

    return __new__(Promise(run))


def committed(transaction):
    """A Promise that settles when ``transaction`` has been written (or failed)."""

    def run(resolve, reject):
        transaction.oncomplete = lambda event: resolve(True)
        transaction.onerror = lambda event: reject(transaction.error)
        transaction.onabort = lambda event: reject(transaction.error)

    return __new__(Promise(run))


def make_stores(database):
    for name in [LISTS, OUTBOXES]:
        if not database.objectStoreNames.contains(name):
            database.createObjectStore(name)


def parsed(text):
    if text == None:  # noqa: E711 (a missing key gives undefined)
        return None
    return as_tree(JSON.parse(text))


class LocalStore:
    """The device's copy; every method is async and never throws (a failure reads as nothing stored)."""

    def __init__(self):
        self.opening = None
        self.memory = {LISTS: {}, OUTBOXES: {}}  # the stores when IndexedDB cannot be used

    async def database(self):
        if self.opening is None:
            self.opening = self.open()
        return await self.opening

    async def open(self):
        try:
            request = window.indexedDB.open(NAME, VERSION)
            request.onupgradeneeded = lambda event: make_stores(request.result)
            return await finished(request)
        except:  # noqa: E722 (IndexedDB missing or refused: a DOMException or a TypeError)
            return None

    async def read(self, store_name, owner):
        database = await self.database()
        if database is None:
            return parsed(self.memory[store_name].get(owner))
        try:
            transaction = database.transaction(store_name, "readonly")
            return parsed(await finished(transaction.objectStore(store_name).js_get(owner)))
        except:  # noqa: E722
            return None

    async def write(self, store_name, owner, value):
        database = await self.database()
        text = JSON.stringify(value)
        if database is None:
            self.memory[store_name][owner] = text
            return
        try:
            transaction = database.transaction(store_name, "readwrite")
            transaction.objectStore(store_name).put(text, owner)
            await committed(transaction)
        except:  # noqa: E722 (a full disk: the copy in the page still holds the change)
            pass

    async def load_list(self, owner):
        """The server's list as last kept for ``owner`` (``sync.list_record``), or None."""
        return sync.restore_list(await self.read(LISTS, owner))

    async def save_list(self, owner, record):
        await self.write(LISTS, owner, record)

    async def load_outbox(self, owner):
        return outbox.restore(await self.read(OUTBOXES, owner))

    async def change_outbox(self, owner, change):
        """Apply ``change`` (outbox record -> ``[record, ...]``) to ``owner``'s outbox in one transaction; its result.

        ``change`` must not wait for anything: the transaction ends with the task.
        """
        database = await self.database()
        if database is not None:
            try:
                transaction = database.transaction(OUTBOXES, "readwrite")
                store = transaction.objectStore(OUTBOXES)
                result = change(outbox.restore(parsed(await finished(store.js_get(owner)))))
                store.put(JSON.stringify(result[0]), owner)
                await committed(transaction)
                return result
            except:  # noqa: E722 (refused or full: the change is kept in memory instead)
                pass
        result = change(outbox.restore(parsed(self.memory[OUTBOXES].get(owner))))
        self.memory[OUTBOXES][owner] = JSON.stringify(result[0])
        return result

    async def forget(self, owner):
        """Remove ``owner``'s list and outbox from the device (on signing out)."""
        self.memory[LISTS][owner] = None
        self.memory[OUTBOXES][owner] = None
        database = await self.database()
        if database is None:
            return
        try:
            transaction = database.transaction([LISTS, OUTBOXES], "readwrite")
            transaction.objectStore(LISTS).delete(owner)
            transaction.objectStore(OUTBOXES).delete(owner)
            await committed(transaction)
        except:  # noqa: E722
            pass
