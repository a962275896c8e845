"""An in-memory repository that passes the same contract tests as the DynamoDB one."""

import copy
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib import errors, paging, todos


class InMemoryTodoRepository:
    """Todos in a dict keyed by (owner, id); the same answers and errors as DynamoTodoRepository."""

    def __init__(self, items: Iterable[Mapping[str, Any]] = (), owner: str = "demo") -> None:
        self._items = {(owner, item["id"]): copy.deepcopy(dict(item)) for item in items}
        self._lock = threading.Lock()
        self.requests = 0  # the DynamoDB repository's equivalent: one request per call

    def _find(self, owner: str, todo_id: str) -> todos.Todo:
        if not todos.is_storable_id(todo_id) or (owner, todo_id) not in self._items:
            raise errors.not_found(todo_id)
        return self._items[(owner, todo_id)]

    @staticmethod
    def _check_version(item: todos.Todo, if_match: todos.IfMatch) -> None:
        if not todos.if_match_accepts(if_match, item):
            raise errors.precondition_failed(item["id"])

    def get(self, owner: str, todo_id: str) -> todos.Todo:
        with self._lock:
            self.requests += 1
            return copy.deepcopy(self._find(owner, todo_id))

    def create(self, owner: str, fields: Mapping[str, Any]) -> todos.Todo:
        todo = todos.new_todo(fields)
        with self._lock:
            self.requests += 1
            self._items[(owner, todo["id"])] = todo
            return copy.deepcopy(todo)

    def create_with_id(self, owner: str, todo_id: str, fields: Mapping[str, Any]) -> todos.Todo:
        todo = todos.new_todo(fields, todo_id)
        with self._lock:
            self.requests += 1
            if (owner, todo_id) in self._items:
                raise errors.already_exists(todo_id)
            self._items[(owner, todo_id)] = todo
            return copy.deepcopy(todo)

    def update(self, owner: str, todo_id: str, fields: Mapping[str, Any], if_match: todos.IfMatch = None) -> todos.Todo:
        with self._lock:
            self.requests += 1
            item = self._find(owner, todo_id)
            self._check_version(item, if_match)
            for name, value in fields.items():
                if value is None:
                    item.pop(name, None)
                else:
                    item[name] = value
            item.update(updatedAt=todos.now(), version=todos.version_of(item) + 1)
            return copy.deepcopy(item)

    def delete(self, owner: str, todo_id: str, if_match: todos.IfMatch = None) -> todos.Todo:
        with self._lock:
            self.requests += 1
            item = self._find(owner, todo_id)
            self._check_version(item, if_match)
            return self._items.pop((owner, todo_id))

    def list(
        self, owner: str, completed: bool | None = None, limit: int | None = None, cursor: str | None = None
    ) -> tuple[list[todos.Todo], str | None]:
        wanted = paging.page_size(limit)
        after = paging.decode_cursor(cursor) if cursor is not None else None
        with self._lock:
            self.requests += 1
            ids = sorted(i for o, i in self._items if o == owner and (after is None or i > after))
            read = ids[: paging.read_size(wanted, filtered=completed is not None)]
            found = [
                copy.deepcopy(self._items[(owner, i)])
                for i in read
                if completed is None or self._items[(owner, i)].get("completed") == completed
            ]
        return paging.cut_page(found, wanted, read[-1] if len(read) < len(ids) else None)
