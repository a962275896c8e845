"""Replaying the outbox: the oldest change first, one at a time, and by one tab of the browser at a time."""

from todoui import conflicts, model, outbox, remote, sync, texts

from page import http
from page.dom import as_dict

# The Web Lock that lets one tab at a time send a person's changes or read their list.
LOCK_PREFIX = "hobopy.outbox."


def dropping(seq):
    """The change to the outbox that takes ``seq`` out of it, its answer handed to whoever waits for it."""
    return lambda record: [outbox.settle(record, seq, None)]


class Replay:
    """Sends what waits in the outbox and carries out what each answer means (``outbox.after_answer``).

    ``page`` is the ``Sync`` that holds the list, the outbox and the requests.
    Whatever runs here runs alone: after this tab's earlier runs, and under a
    Web Lock that other tabs of the same person wait for.
    """

    def __init__(self, page):
        self.page = page
        self.running = None  # this tab's run under way, which the next one waits for
        self.timer = None
        self.tries = 0  # runs in a row that could not send

    async def exclusive(self, task):
        """Run the async ``task()`` after this tab's earlier tasks and while no other tab runs one; its result."""
        while self.running is not None:
            try:  # noqa: SIM105 (Transcrypt has no contextlib)
                await self.running
            except:  # noqa: E722 (the earlier task's failure is its own)
                pass
        self.running = self.under_lock(task)
        try:
            return await self.running
        finally:
            self.running = None

    async def under_lock(self, task):
        locks = navigator.locks
        if locks == None:  # noqa: E711 (no Web Locks: one tab's changes may be sent twice, which the API makes harmless)
            return await task()
        return await locks.request(LOCK_PREFIX + self.page.owner, lambda lock: task())

    async def run(self, wanted=None):
        """Send every waiting change; the server's answer to ``wanted`` when this tab sent it, else None."""
        answer = await self.exclusive(lambda: self.send_all(wanted))
        self.page.conflicts.offer()
        return answer

    def soon(self, seconds=0):
        """Run in the background after ``seconds``, when there is anything to send and a way to send it."""
        if self.timer is not None:
            clearTimeout(self.timer)
        self.timer = None
        if outbox.waiting(self.page.record) > 0 and self.page.can_send():
            self.timer = setTimeout(self.on_timer, seconds * 1000)

    def on_timer(self):
        self.timer = None
        if not self.page.offline or navigator.onLine:
            self.run(None)

    def later(self):
        """After a run that could not send: try again, less often each time."""
        self.tries += 1
        self.page.show_banner()
        self.soon(sync.retry_delay(self.tries))

    async def send_all(self, wanted):
        page = self.page
        owner = page.owner
        answer = None
        await page.change(owner, lambda record: [outbox.unmark_all(record)])  # nothing else sends while this runs
        while page.owner == owner and page.can_send():
            taken = await page.change(owner, outbox.take_next)
            op = taken[1]
            if op is None:
                break
            if op["tried"]:
                # Its answer may have been lost: what the server holds now says whether to send it again.
                latest = await self.read_todo(op["id"])
                status = None if latest is None else latest.status
                outcome = outbox.resend_step(op, status, as_dict(latest.data) if status == 200 else None)
                if outcome != outbox.SEND:
                    if not await self.follow(owner, op, outcome, latest, latest):
                        break
                    if op["seq"] == wanted:
                        answer = http.made(201 if op["kind"] == outbox.CREATE else 200, page.seen(op["id"]))
                    continue
            request = outbox.request_of(op, page.api_url)
            method, url = request["method"], request["url"]
            reply = await page.send(method, url, request["body"], request["tag"], request["noneMatch"])
            status = None if reply is None else reply.status
            outcome = outbox.after_answer(op, status)
            if op["seq"] == wanted and outbox.for_caller(outcome, status):
                await page.change(owner, dropping(op["seq"]))
                return reply
            if not await self.follow(owner, op, outcome, reply):
                break
            if op["seq"] == wanted:
                answer = reply if outcome == outbox.DONE else http.made(201, page.seen(op["id"]))
        return answer

    async def read_todo(self, todo_id):
        return await self.page.send("GET", remote.item_url(self.page.api_url, todo_id), None, None, None)

    async def follow(self, owner, op, outcome, reply, latest=None):
        """Carry out ``outcome``; False when the run stops (the change waits for the network or a sign-in).

        ``latest``: the server's answer when its todo was read just now (else it is read for a conflict).
        """
        page = self.page
        seq = op["seq"]
        todo_id = op["id"]
        if outcome == outbox.WAIT or outcome == outbox.SIGN_IN:
            await page.change(owner, lambda record: [outbox.unmark(record, seq)])
            if outcome == outbox.SIGN_IN:
                page.wait_for_sign_in()
            else:
                self.later()
            return False
        self.tries = 0
        if outcome == outbox.DONE or outcome == outbox.GONE:
            answered = as_dict(reply.data) if outcome == outbox.DONE and op["kind"] != outbox.DELETE else None
            # The kept list first: a tab that reads both between the two writes still sees the change.
            await page.keep_todo(todo_id, answered)
            await page.change(owner, lambda record: [outbox.settle(record, seq, answered)])
            return True
        if outcome == outbox.REFUSED:
            title = model.text_of(page.seen(todo_id).get("title"))
            await page.change(owner, lambda record: [outbox.settle(record, seq, None)])
            failure = http.failure_of(reply)
            text = texts.fill(texts.CHANGE_REFUSED, [title]) + failure["text"]
            page.notices.show_failure({"text": text, "detail": failure["detail"]})
            page.show(page.view())
            return True
        # LANDED or CONFLICT: what the server holds now decides.
        if latest is None:
            latest = await self.read_todo(todo_id)
        status = None if latest is None else latest.status
        if status != 200 and status != 404:
            await page.change(owner, lambda record: [outbox.unmark(record, seq)])
            self.later()
            return False
        theirs = as_dict(latest.data) if status == 200 else None
        mine = page.seen(todo_id)
        await page.keep_todo(todo_id, theirs)
        if outcome == outbox.LANDED:
            await page.change(owner, lambda record: outbox.landed(record, seq, theirs))
        else:
            await page.change(owner, lambda record: conflicts.conflicted(record, seq, mine, theirs))
        return True
