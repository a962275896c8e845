"""Todo ids the page makes itself: UUIDv7s in the API's form, so that a create can be sent again safely.

The API takes ``PUT /todos/{id}`` with ``If-None-Match: *`` as a create under
that id when it is a UUIDv7 written as 32 lowercase hex digits whose time is
not more than 5 minutes ahead of the server's clock.
"""

HEX = "0123456789abcdef"
# A clock this far ahead of the server's (milliseconds) is corrected when ids are made; the API takes 5 minutes.
CLOCK_SLACK_MS = 60000


def id_time(local_ms, offset_ms):
    """The milliseconds an id records: this machine's clock, or the server's where this one runs well ahead.

    ``offset_ms``: the server's clock minus this machine's (from an answer's
    ``Date``), None when not yet known.
    """
    if offset_ms is not None and offset_ms < -CLOCK_SLACK_MS:
        return local_ms + offset_ms
    return local_ms


def uuid7(ms, nibbles):
    """A UUIDv7 in the API's form (32 lowercase hex digits) for time ``ms`` and 19 random values from 0 to 15.

    Arithmetic, not bit operations: the browser's are 32 bits wide.
    """
    stamp = ""
    rest = ms
    for _ in range(12):
        stamp = HEX[rest % 16] + stamp
        rest = rest // 16
    digits = [HEX[value % 16] for value in nibbles]
    variant = HEX[8 + nibbles[3] % 4]
    return stamp + "7" + "".join(digits[0:3]) + variant + "".join(digits[4:19])


def is_uuid7(text):
    """Whether ``text`` is a UUIDv7 in the API's form: 32 lowercase hex digits, version 7, variant 10."""
    if not isinstance(text, str) or len(text) != 32:
        return False
    for char in text:
        if HEX.find(char) < 0:
            return False
    return text[12] == "7" and "89ab".find(text[16]) >= 0
