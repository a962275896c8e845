"""The API over HTTP beside the UI: the account the admin makes, and a client to set up and check what the page did."""

import requests

ADMIN_MADE = ("admin-made@example.com", "Temp-passw0rd")


class TodoApi:
    """The API over HTTP, to set up and check what the UI did: as ``user``, or as the demo owner (no token)."""

    def __init__(self, base, user=None):
        self.base = base
        self.http = requests.Session()
        if user is not None:
            self.http.headers.update(user.headers())

    def list(self):
        response = self.http.get(f"{self.base}/todos", timeout=10)
        response.raise_for_status()
        return response.json()

    def get(self, todo_id):
        return self.http.get(f"{self.base}/todos/{todo_id}", timeout=10)

    def create(self, **fields):
        body = {"memo": "", "priority": 3, **fields}
        response = self.http.post(f"{self.base}/todos", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def update(self, todo_id, **fields):
        response = self.http.put(f"{self.base}/todos/{todo_id}", json=fields, timeout=10)
        response.raise_for_status()
        return response.json()

    def titles(self):
        return [todo["title"] for todo in self.list()]
