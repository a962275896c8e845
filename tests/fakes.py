"""An in-memory repository that passes the same contract tests as the DynamoDB one."""
import copy
import threading

from chalicelib import storage, todos


class InMemoryTodoRepository:
    """Todos in a dict, ordered by id for paging; the same answers and errors as DynamoTodoRepository."""

    def __init__(self, items=()):
        self._items = {item["id"]: copy.deepcopy(item) for item in items}
        self._lock = threading.Lock()
        self.requests = 0  # the DynamoDB repository's equivalent: one request per single-item call

    def _find(self, todo_id):
        if not todos.is_storable_id(todo_id) or todo_id not in self._items:
            raise todos.not_found(todo_id)
        return self._items[todo_id]

    @staticmethod
    def _check_version(item, if_match):
        if if_match is None or if_match == "*":
            return
        if item.get("version", 0) not in if_match:
            raise todos.PreconditionFailed(f"todo {item['id']!r} has changed since the version If-Match names.")

    def get(self, todo_id):
        with self._lock:
            self.requests += 1
            return copy.deepcopy(self._find(todo_id))

    def create(self, fields):
        stamp = todos.now()
        todo = {"id": todos.new_id(), **fields, "createdAt": stamp, "updatedAt": stamp, "version": 1}
        with self._lock:
            self.requests += 1
            self._items[todo["id"]] = todo
            return copy.deepcopy(todo)

    def update(self, todo_id, fields, if_match=None):
        with self._lock:
            self.requests += 1
            item = self._find(todo_id)
            self._check_version(item, if_match)
            item.update(fields, updatedAt=todos.now(), version=item.get("version", 0) + 1)
            return copy.deepcopy(item)

    def delete(self, todo_id, if_match=None):
        with self._lock:
            self.requests += 1
            item = self._find(todo_id)
            self._check_version(item, if_match)
            return self._items.pop(todo_id)

    def list(self, completed=None, limit=None, cursor=None):
        wanted = limit or todos.LIMIT_MAX
        after = storage.decode_cursor(cursor) if cursor is not None else None
        with self._lock:
            self.requests += 1
            ids = sorted(i for i in self._items if after is None or i > after)
            matching = [copy.deepcopy(self._items[i]) for i in ids
                        if completed is None or self._items[i].get("completed") == completed]
        page = matching[:wanted]
        more = len(matching) > wanted
        return page, storage.encode_cursor(page[-1]["id"]) if more else None
