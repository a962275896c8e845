"""Pages of a list: the opaque cursors, how much one request reads, and where a page is cut.

The DynamoDB repository and the in-memory one page alike through these, so
both answer the same pages for the same todos.
"""

import base64
import binascii
import json

from chalicelib.errors import ValidationError
from chalicelib.http import CURSOR_MAX_CHARS, LIMIT_MAX, MALFORMED_CURSOR, to_json
from chalicelib.todos import Todo, is_storable_id

# Lambda answers at most 6 MB, and the body travels JSON-escaped inside its
# answer; a page is cut before its body can grow past this there.
PAGE_MAX_BYTES = 5 * 1024 * 1024
# A filtered page reads at least this many items (and never more than a full
# page), so the items one request reads are bounded whatever the filter finds.
FILTERED_READ_MIN = 100


def page_size(limit: int | None) -> int:
    """How many todos a page holds at most: ``limit``, else as many as any page may."""
    return limit or LIMIT_MAX


def read_size(wanted: int, filtered: bool) -> int:
    """How many todos one request reads for a page of ``wanted``: one more tells whether another page exists.

    With a filter, the count is of todos read, not of those that match.
    """
    return min(max(wanted + 1, FILTERED_READ_MIN), LIMIT_MAX + 1) if filtered else wanted + 1


def encode_cursor(last_id: str) -> str:
    """An opaque page token: where the next page starts within the caller's todos."""
    raw = json.dumps({"after": last_id}, ensure_ascii=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> str:
    """The id a page token continues after, or ValidationError when it is not one of ours."""
    if len(token) > CURSOR_MAX_CHARS:
        raise ValidationError(MALFORMED_CURSOR)
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii"))
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise ValidationError(MALFORMED_CURSOR) from None
    if not isinstance(data, dict) or set(data) != {"after"} or not is_storable_id(data["after"]):
        raise ValidationError(MALFORMED_CURSOR)
    last_id: str = data["after"]
    return last_id


def count_fitting(items: list[Todo], budget: int | None = None) -> int:
    """How many of ``items``, from the first, fit a page whose Lambda answer stays within ``budget`` bytes."""
    budget = PAGE_MAX_BYTES if budget is None else budget
    # JSON-escaping the body once more can make a character at most 12 bytes
    # (a surrogate pair as two \\uXXXX), so most pages need no closer look.
    if len(to_json(items)) * 12 <= budget:
        return len(items)
    total = 2
    for index, item in enumerate(items):
        total += len(json.dumps(to_json(item))) - 1
        if total > budget:
            return max(index, 1)
    return len(items)


def cut_page(found: list[Todo], wanted: int, read_up_to: str | None) -> tuple[list[Todo], str | None]:
    """The page of ``found`` (read in id order) to answer, and its next cursor.

    ``read_up_to`` is the id reading stopped at when more remain unread. The
    page holds at most ``wanted`` todos and stops where its answer would grow
    past what Lambda can return; the cursor continues after its last todo.
    """
    next_after = read_up_to
    if len(found) > wanted:
        found = found[:wanted]
        next_after = found[-1]["id"]
    fitting = count_fitting(found)
    if fitting < len(found):
        found = found[:fitting]
        next_after = found[-1]["id"]
    return found, None if next_after is None else encode_cursor(next_after)
