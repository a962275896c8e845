"""Conflicts: a change that met a newer version on the server (or a todo deleted there), kept for the person to
choose between the two versions (``take_conflict``, ``needs_choice``), and what their choice queues (``resolve``).

Conflicts live in the outbox's record (``record["conflicts"]``) beside the changes that wait.
"""

from todoui import ids, outbox, remote


def take_conflict(record, seq, mine, theirs):
    """The outbox with ``seq`` and the later changes to its todo moved into one conflict for the person.

    ``mine``: the todo as the person last saw it (None when they deleted it);
    ``theirs``: the server's (None when it was deleted there). Later edits
    fold into the conflict; a later delete makes it a delete.
    """
    op = outbox.find(record, seq)
    kind = op["kind"]
    body = op["body"] if op["body"] is not None else {}
    rest = []
    for item in record["ops"]:
        if item["id"] != op["id"]:
            rest.append(item)
        elif item["seq"] != seq and item["kind"] == outbox.DELETE:
            kind = outbox.DELETE
        elif item["seq"] != seq:
            body = outbox.merged(body, item["body"])
    if kind == outbox.DELETE:
        mine = None
    elif mine is not None:
        mine = outbox.merged(mine, body)
    conflict = {"seq": seq, "id": op["id"], "kind": kind, "mine": mine, "theirs": theirs}
    conflicts = [item for item in record["conflicts"]]
    conflicts.append(conflict)
    return outbox.with_ops(record, rest, None, conflicts)


def needs_choice(conflict):
    """Whether the person must choose: not when both sides already agree (an earlier try landed unseen)."""
    theirs = conflict["theirs"]
    mine = conflict["mine"]
    if conflict["kind"] == outbox.DELETE:
        return theirs is not None
    if theirs is None:
        return True
    return len(differences(mine, theirs)) > 0


def differences(mine, theirs):
    """The writable fields whose values differ between two versions of a todo, in ``outbox.WRITABLE`` order."""
    return [name for name in outbox.WRITABLE if mine.get(name) != theirs.get(name)]


def find_conflict(record, seq):
    for conflict in record["conflicts"]:
        if conflict["seq"] == seq:
            return conflict
    return None


def resolve(record, seq, keep_mine, new_id):
    """``[record, seq, fresh]`` as ``add`` gives: the outbox once the person chose; keeping theirs queues nothing.

    Keeping one's own version sends it over theirs with theirs' ``If-Match``;
    one deleted elsewhere is created again, under its old id when the API
    takes that one, else under ``new_id``.
    """
    conflict = find_conflict(record, seq)
    rest = [item for item in record["conflicts"] if item["seq"] != seq]
    record = outbox.with_ops(record, record["ops"], None, rest)
    if conflict is None or not keep_mine:
        return [record, None, False]
    theirs = conflict["theirs"]
    if conflict["kind"] == outbox.DELETE:
        if theirs is None:
            return [record, None, False]
        return outbox.add(record, outbox.DELETE, conflict["id"], None, remote.version_tag(theirs))
    mine = conflict["mine"]
    if theirs is None:
        body = {}
        for name in outbox.WRITABLE:
            if mine.get(name) is not None:
                body[name] = mine.get(name)
        todo_id = conflict["id"] if ids.is_uuid7(conflict["id"]) else new_id
        return outbox.add(record, outbox.CREATE, todo_id, body, None, mine.get("createdAt"))
    body = {}
    for name in differences(mine, theirs):
        body[name] = mine.get(name)
    return outbox.add(record, outbox.UPDATE, conflict["id"], body, remote.version_tag(theirs))


def conflicted(record, seq, mine, theirs):
    """``[record]`` after an edit or delete met a newer version: a conflict for the person, unless both agree."""
    record = take_conflict(record, seq, mine, theirs)
    if needs_choice(find_conflict(record, seq)):
        return [record]
    return [resolve(record, seq, False, None)[0]]
