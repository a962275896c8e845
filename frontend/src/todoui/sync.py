"""Keeping the list in step: what changed between two lists, when to ask the server again, what the page says.

The page keeps the signed-in person's list and outbox on the device under
their ``sub``, asks the server for the list while it is visible (on focus,
on becoming visible, and every ``POLL_SECONDS`` with the list's ``ETag``),
and tells its other tabs of each change.
"""

from todoui import conflicts, model, outbox, texts

# How often a visible page asks whether the list changed: another device's change shows within this and a request.
POLL_SECONDS = 20
# A focus or a return to the page this soon after the last check does not check again.
CHECK_GAP_SECONDS = 2
# After a replay that found no network or a busy server: wait this long before the next try, then longer.
RETRY_SECONDS = [2, 5, 10, 20]
# The BroadcastChannel the tabs of one browser tell each other on.
CHANNEL = "hobopy.sync"
# Whose list a page without a signed-in user shows (the local demo owner's).
ANONYMOUS = "-"
STORE_PREFIX = "hobopy."
LIST = "list"
OUTBOX = "outbox"
# What reading the list from the server came to.
FRESH = "fresh"  # a new list, now kept
SAME = "same"  # 304: the kept list is still the server's
FAILED = "failed"  # an answer that is no list (it says why)
OFFLINE = "offline"  # nothing answered
# What one tab tells the others.
CHANGED = "changed"  # the stored list or outbox changed: show it
SIGNED_OUT = "signed-out"  # the person signed out: so does every tab of theirs


def owner_of(claims):
    """Whose list this is: the ID token's ``sub``, or ``ANONYMOUS`` when no one is signed in."""
    if not model.is_record(claims):
        return ANONYMOUS
    sub = claims.get("sub")
    if not isinstance(sub, str) or len(sub) == 0:
        return ANONYMOUS
    return sub


def storage_key(kind, owner):
    """Where ``kind`` (``LIST`` or ``OUTBOX``) of ``owner`` is kept in the browser's storage."""
    return STORE_PREFIX + kind + "." + owner


def list_record(todos, etag):
    """What is stored of the server's list: its todos and the ``ETag`` that names it (None after several pages)."""
    return {"todos": todos, "etag": etag}


def restore_list(record):
    """A stored list read back (parsed JSON), or None when there is none."""
    if not model.is_record(record):
        return None
    todos = record.get("todos")
    if todos is None or not isinstance(todos, list):
        return None
    etag = record.get("etag")
    kept = [todo for todo in todos if model.is_record(todo)]
    return list_record(kept, etag if isinstance(etag, str) else None)


def shows_copy(state, kept):
    """Whether the list is answered from the device's copy after reading it came to ``state``; ``kept``: one is kept.

    After a new list or a 304, and offline when there is a copy; a failure is
    shown as the API gave it (503, 401: the page says why).
    """
    if state == FAILED:
        return False
    return state != OFFLINE or kept


def same_todo(a, b):
    """Whether two todos hold the same fields with the same values."""
    if len(a.keys()) != len(b.keys()):
        return False
    return all(key in b and a[key] == b[key] for key in a.keys())  # noqa: SIM118 (Transcrypt's dicts: keys())


def changes(before, after):
    """``{"put": [todo, ...], "drop": [id, ...]}``: the rows that turn the list ``before`` into ``after``."""
    old = {}
    for todo in before:
        old[todo.get("id")] = todo
    put = []
    kept = {}
    for todo in after:
        todo_id = todo.get("id")
        kept[todo_id] = True
        if todo_id not in old or not same_todo(old[todo_id], todo):
            put.append(todo)
    drop = [todo.get("id") for todo in before if todo.get("id") not in kept]
    return {"put": put, "drop": drop}


def write_target(method, url, collection):
    """``{"kind", "segment"}``: the outbox change a request to the API makes, or None for a request that is none.

    ``collection``: the list's URL; ``segment``: the todo's id as the URL
    carries it (percent-encoded), None for a create (the page makes its id).
    """
    if method == "POST" and url == collection:
        return {"kind": outbox.CREATE, "segment": None}
    prefix = collection + "/"
    if not url.startswith(prefix):
        return None
    segment = url[len(prefix) :]
    if len(segment) == 0 or segment.find("/") >= 0 or segment.find("?") >= 0 or segment.find("#") >= 0:
        return None
    if method == "PUT" or method == "PATCH":
        return {"kind": outbox.UPDATE, "segment": segment}
    if method == "DELETE":
        return {"kind": outbox.DELETE, "segment": segment}
    return None


def check_due(visible, offline, busy, now, last):
    """Whether to ask the server for the list now: only from a visible page, never twice at once or too soon."""
    if not visible or offline or busy:
        return False
    return last is None or now - last >= CHECK_GAP_SECONDS


def retry_delay(tries):
    """Seconds before replaying again after ``tries`` (1 or more) replays in a row that could not send."""
    return RETRY_SECONDS[max(0, min(tries - 1, len(RETRY_SECONDS) - 1))]


def banner_text(offline, sending, choosing, needs_sign_in, stalled):
    """The line that says the page is offline, or that changes wait; None when there is nothing to say.

    ``sending``: changes waiting to be sent; ``choosing``: conflicts waiting
    for the person; ``stalled``: the last try to send could not (a busy
    server). A change on its way while all is well says nothing.
    """
    if offline:
        waiting = sending + choosing
        return texts.fill(texts.OFFLINE_WAITING, [waiting]) if waiting > 0 else texts.OFFLINE
    if sending > 0 and needs_sign_in:
        return texts.fill(texts.WAITING_SIGN_IN, [sending])
    if sending > 0 and stalled:
        return texts.fill(texts.STALLED, [sending])
    if choosing > 0:
        return texts.fill(texts.CHOICE_WAITING, [choosing])
    return None


def message(owner, what):
    return {"owner": owner, "what": what}


def message_of(data):
    """A message from another tab, checked: ``{"owner", "what"}``, or None."""
    if not model.is_record(data):
        return None
    owner = data.get("owner")
    what = data.get("what")
    if not isinstance(owner, str) or (what != CHANGED and what != SIGNED_OUT):
        return None
    return message(owner, what)


def _label(name):
    if name in texts.FIELD_NAMES:
        return texts.FIELD_NAMES[name]
    return texts.CONFLICT_LABELS[name]


def field_text(name, todo, here):
    """A field of ``todo`` as a conflict shows it; ``here``: the todo is this device's version."""
    value = todo.get(name)
    if name == "priority":
        return model.priority_label(value)
    if name == "completed":
        return texts.COMPLETED_YES if value is True else texts.COMPLETED_NO
    if name == "due":
        return texts.NO_DUE if value is None else model.text_of(value)
    if name == "position":
        return texts.MOVED_HERE if here else texts.MOVED_THERE
    text = model.text_of(value)
    return texts.EMPTY_VALUE if len(text) == 0 else text


def conflict_view(conflict):
    """What the conflict dialog shows: ``{"lead", "mineNote", "theirsNote", "rows"}``.

    ``rows``: ``{"label", "mine", "theirs", "differs"}`` for each field either
    side shows (the order key only when it differs); a side that was deleted
    has a note instead of rows.
    """
    mine = conflict["mine"]
    theirs = conflict["theirs"]
    shown = theirs if mine is None else mine
    title = model.text_of(shown.get("title"))
    if mine is None:
        lead = texts.fill(texts.CONFLICT_DELETED_HERE, [title])
    elif theirs is None:
        lead = texts.fill(texts.CONFLICT_DELETED_THERE, [title])
    else:
        lead = texts.fill(texts.CONFLICT_CHANGED, [title])
    differing = [] if mine is None or theirs is None else conflicts.differences(mine, theirs)
    rows = []
    for name in outbox.WRITABLE:
        differs = name in differing
        if (name == "position" and not differs) or (name == "due" and shown.get("due") is None and not differs):
            continue
        rows.append(
            {
                "label": _label(name),
                "mine": None if mine is None else field_text(name, mine, True),
                "theirs": None if theirs is None else field_text(name, theirs, False),
                "differs": differs,
            }
        )
    return {
        "lead": lead,
        "mineNote": texts.DELETED_HERE if mine is None else None,
        "theirsNote": texts.DELETED_THERE if theirs is None else None,
        "rows": rows,
    }


def kept_text(conflict, keep_mine):
    """The notice after the person chose."""
    shown = conflict["mine"] if conflict["mine"] is not None else conflict["theirs"]
    title = model.text_of(shown.get("title"))
    return texts.fill(texts.KEPT_MINE if keep_mine else texts.KEPT_THEIRS, [title])
