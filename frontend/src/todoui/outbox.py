"""The changes waiting to reach the API: kept in order, folded together where the result stays the same, replayed.

Every create, edit, toggle and delete goes into the outbox first (``add``);
the list the page shows is the server's last list with the outbox laid over
it (``view``). Replaying sends the oldest change (``request_of``) and each
answer says what comes next (``after_answer``). A create is sent as
``PUT /todos/{id}`` with ``If-None-Match: *`` under an id the page makes
(``ids.uuid7``), so sending it twice never makes two todos; edits and deletes
carry ``If-Match`` with the version the person saw.

The outbox is a plain record (it is kept in the browser's storage as JSON):
``{"seq": last number given, "ops": [change, ...], "conflicts": [conflict, ...]}``.
A change is ``{"seq", "kind", "id", "body", "tag", "made", "sending", "tried"}``: ``sending``
while its request is on its way, ``tried`` once one was sent (its answer may have been lost).
"""

from todoui import model, remote

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
KINDS = [CREATE, UPDATE, DELETE]

# What the answer to a replayed change leads to.
DONE = "done"  # the server holds it: take its answer into the list
LANDED = "landed"  # a create whose id the server already has (an earlier try got there): fetch it
CONFLICT = "conflict"  # changed or deleted elsewhere meanwhile: the person chooses
GONE = "gone"  # a delete of a todo that is already gone: nothing left to do
WAIT = "wait"  # no answer, or the server cannot answer now: keep it and try later
SIGN_IN = "sign-in"  # the token was refused: keep it until the person signs in again
REFUSED = "refused"  # the API will never take it (a 400 and the like): drop it and say so
SEND = "send"  # before a change is sent again: the server has not taken it yet, send it (``resend_step``)


def _writable():
    names = [name for name in model.FIELDS]
    for name in ["completed", "due", "position"]:
        if name not in names:
            names.append(name)
    return names


# What a person changes in a todo (the form's fields, the checkbox, the date, the order): what a conflict
# compares and what keeping one's own version sends.
WRITABLE = _writable()


def _copy(fields):
    result = {}
    for key in fields.keys():  # noqa: SIM118 (Transcrypt's dicts are iterated through keys())
        result[key] = fields[key]
    return result


def merged(base, changes):
    """``base`` with ``changes`` written over it, as a new dict."""
    result = _copy(base)
    for key in changes.keys():  # noqa: SIM118
        result[key] = changes[key]
    return result


def empty():
    return {"seq": 0, "ops": [], "conflicts": []}


def _is_record_list(value):
    return value is not None and isinstance(value, list)


def restore(record):
    """An outbox read back from storage (parsed JSON), or an empty one when it is not one."""
    if not model.is_record(record):
        return empty()
    seq = record.get("seq")
    ops = record.get("ops")
    conflicts = record.get("conflicts")
    if not isinstance(seq, int) or seq is True or seq is False or not _is_record_list(ops):
        return empty()
    kept = []
    for op in ops:
        if model.is_record(op) and op.get("kind") in KINDS:
            op = _copy(op)
            op["sending"] = op.get("sending") is True
            op["tried"] = op.get("tried") is True
            kept.append(op)
    return {"seq": seq, "ops": kept, "conflicts": conflicts if _is_record_list(conflicts) else []}


def with_ops(record, ops, seq=None, conflicts=None):
    return {
        "seq": record["seq"] if seq is None else seq,
        "ops": ops,
        "conflicts": record["conflicts"] if conflicts is None else conflicts,
    }


def _last_for(ops, todo_id):
    """The index of the last change to ``todo_id``, or -1."""
    found = -1
    for index in range(len(ops)):
        if ops[index]["id"] == todo_id:
            found = index
    return found


def _open(op):
    """Whether an edit may fold into ``op``: not once it is on its way, nor an edit that may be on the server already
    (the edit after it goes on from the version it made: ``settle``)."""
    if op["sending"] or op["kind"] == DELETE:
        return False
    return op["kind"] == CREATE or not op["tried"]


def add(record, kind, todo_id, body, tag, made=None):
    """``[record, seq, fresh]``: the outbox with a change added, the number of the change that now carries it, and
    whether that change is new (rather than an earlier one the change folded into).

    An edit of a change not yet on its way folds into it (an edit of a queued
    create becomes part of the create), unless it is an edit tried already;
    a delete takes the place of the edits never tried, and cancels out with
    a create never tried (``seq`` None: nothing will be sent); a change tried
    already may be on the server, so it stays and the delete follows it. ``made``: when a
    create was made (RFC 3339), what the list shows until the server answers.
    """
    ops = record["ops"]
    last = _last_for(ops, todo_id)
    if kind == UPDATE and last >= 0 and _open(ops[last]):
        folded = _copy(ops[last])
        folded["body"] = merged(ops[last]["body"], body)
        changed = [folded if index == last else ops[index] for index in range(len(ops))]
        return [with_ops(record, changed), folded["seq"], False]
    if kind == DELETE:
        others = [op for op in ops if op["id"] != todo_id]
        mine = [op for op in ops if op["id"] == todo_id]
        kept = [op for op in mine if op["sending"] or op["tried"]]
        untried = [op for op in mine if op["kind"] == CREATE and not op["tried"] and not op["sending"]]
        if len(untried) > 0 and len(kept) == 0:
            return [with_ops(record, others), None, False]
        ops = [op for op in ops if op["id"] != todo_id or op["sending"] or op["tried"]]
    seq = record["seq"] + 1
    op = {"seq": seq, "kind": kind, "id": todo_id, "body": body, "tag": tag, "made": made}
    op["sending"] = False
    op["tried"] = False
    queued = [item for item in ops]
    queued.append(op)
    return [with_ops(record, queued, seq), seq, True]


def find(record, seq):
    """The change numbered ``seq``, or None when it is no longer waiting."""
    for op in record["ops"]:
        if op["seq"] == seq:
            return op
    return None


def waiting(record):
    """How many changes wait to be sent, and to be chosen between."""
    return len(record["ops"]) + len(record["conflicts"])


def created(op):
    """The todo a queued create shows until the server answers (no version yet: ``If-Match`` names 0)."""
    todo = {"id": op["id"], "title": "", "memo": "", "priority": 3, "completed": False}
    if op["made"] is not None:
        todo["createdAt"] = op["made"]
    return merged(todo, op["body"])


def view(todos, record):
    """The list the person sees: ``todos`` (the server's) with every waiting change laid over it, in order."""
    result = [todo for todo in todos]
    if len(record["ops"]) == 0:
        return result
    places = {}
    for index in range(len(result)):
        places[result[index].get("id")] = index
    gone = {}
    for op in record["ops"]:
        todo_id = op["id"]
        index = places.get(todo_id, -1)
        if op["kind"] == CREATE:
            if index >= 0:
                result[index] = merged(result[index], op["body"])
            else:
                places[todo_id] = len(result)
                result.append(created(op))
            gone[todo_id] = False
        elif op["kind"] == UPDATE and index >= 0:
            result[index] = merged(result[index], op["body"])
        elif op["kind"] == DELETE:
            gone[todo_id] = True
    return [todo for todo in result if not (todo.get("id") in gone and gone[todo.get("id")])]


def request_of(op, api_url):
    """``{"method", "url", "body", "tag", "noneMatch"}``: the request that replays ``op``."""
    url = remote.item_url(api_url, op["id"])
    if op["kind"] == CREATE:
        return {"method": "PUT", "url": url, "body": op["body"], "tag": None, "noneMatch": "*"}
    if op["kind"] == UPDATE:
        return {"method": "PUT", "url": url, "body": op["body"], "tag": op["tag"], "noneMatch": None}
    return {"method": "DELETE", "url": url, "body": None, "tag": op["tag"], "noneMatch": None}


def after_answer(op, status):
    """What the answer ``status`` (None: nothing answered) to the replayed ``op`` leads to."""
    if status is None or status == 429 or (status >= 500 and status <= 599):
        return WAIT
    if status >= 200 and status <= 299:
        return DONE
    if status == 401:
        return SIGN_IN
    if status == 412:
        return LANDED if op["kind"] == CREATE else CONFLICT
    if status == 404 and op["kind"] == DELETE:
        return GONE
    if status == 404 and op["kind"] == UPDATE:
        return CONFLICT  # deleted elsewhere: the person may still keep their version
    return REFUSED


def _replace(record, seq, change):
    return with_ops(record, [change(op) if op["seq"] == seq else op for op in record["ops"]])


def _flagged(op, sending):
    flagged = _copy(op)
    flagged["sending"] = sending
    flagged["tried"] = sending or op.get("tried") is True
    return flagged


def mark_sending(record, seq):
    """The outbox with ``seq`` on its way: nothing folds into it any more."""
    return _replace(record, seq, lambda op: _flagged(op, True))


def unmark(record, seq):
    """The outbox with ``seq`` back to waiting (its request got no answer that settles it)."""
    return _replace(record, seq, lambda op: _flagged(op, False))


def unmark_all(record):
    """Every change back to waiting: what was on its way when a tab closed is sent again (safely: see ``add``)."""
    return with_ops(record, [_flagged(op, False) for op in record["ops"]])


def settle(record, seq, answered):
    """The outbox once ``seq`` is done; ``answered``: the todo the server answered (None after a delete).

    Later changes to the same todo were made on the version this one
    replaced: their ``If-Match`` moves on to the answered version.
    """
    op = find(record, seq)
    rest = [item for item in record["ops"] if item["seq"] != seq]
    if op is None or answered is None:
        return with_ops(record, rest)
    before = remote.version_tag({}) if op["kind"] == CREATE else op["tag"]
    after = remote.version_tag(answered)
    moved = []
    for item in rest:
        if before is not None and item["id"] == op["id"] and item["tag"] == before:
            item = _copy(item)
            item["tag"] = after
        moved.append(item)
    return with_ops(record, moved)


def still_to_send(op, fetched):
    """After a create that was already there (``LANDED``): the fields it holds that ``fetched`` lacks, or None.

    An earlier try reached the server before later edits folded into the create.
    """
    changes = {}
    count = 0
    for key in op["body"].keys():  # noqa: SIM118
        if fetched.get(key) != op["body"][key]:
            changes[key] = op["body"][key]
            count += 1
    return changes if count > 0 else None


def take_next(record):
    """``[record, change]``: the oldest change marked as on its way, or None when nothing waits to be sent.

    The change handed back says whether a request for it was sent before (``tried``): then ``resend_step`` first.
    """
    for op in record["ops"]:
        if not op["sending"]:
            taken = _copy(op)
            taken["sending"] = True
            return [mark_sending(record, op["seq"]), taken]
    return [record, None]


def resend_step(op, status, fetched):
    """Before a change tried already is sent again: what the server's copy of its todo (read just now) leads to.

    The earlier try may have reached the server with its answer lost (the
    page closed, the network dropped): sent again, its ``If-Match`` or
    ``If-None-Match`` would be refused with 412. ``SEND`` when the server
    still holds the version the change was made on (no create yet); ``DONE``
    when it holds the edit already; else what that 412 would have led to,
    without the refused request.
    ``status``: the read's (None: nothing answered), ``fetched`` its todo.
    """
    if status is None or status == 401 or status == 429 or (status >= 500 and status <= 599):
        return after_answer(op, status)
    if op["kind"] == CREATE:
        return LANDED if status == 200 else SEND
    if status == 404:
        return GONE if op["kind"] == DELETE else CONFLICT
    if status != 200 or fetched is None or remote.version_tag(fetched) == op["tag"]:
        return SEND
    if op["kind"] == UPDATE and still_to_send(op, fetched) is None:
        return DONE  # the earlier try got there: later changes go on from the version it made
    return CONFLICT


def for_caller(outcome, status):
    """Whether a change that someone waits for (the dialog, a row's checkbox) is answered with the server's refusal.

    They show it as they always have, and the change leaves the outbox. A
    change that got no answer stays queued and shows as made.
    """
    if outcome in (DONE, LANDED):
        return False
    return not (outcome == WAIT and status is None)


def landed(record, seq, fetched):
    """``[record]`` after a create that the server already had: fields folded in after that try are sent as an edit.

    The edit takes the create's place (and number), before the later changes to the todo, which go on from it.
    """
    op = find(record, seq)
    settled = settle(record, seq, fetched)
    if op is None or fetched is None:
        return [settled]
    rest = still_to_send(op, fetched)
    if rest is None:
        return [settled]
    edit = {"seq": seq, "kind": UPDATE, "id": op["id"], "body": rest, "tag": remote.version_tag(fetched), "made": None}
    edit["sending"] = False
    edit["tried"] = False
    ops = []
    for item in record["ops"]:
        ops.append(edit if item["seq"] == seq else find(settled, item["seq"]))
    return [with_ops(settled, ops)]
