"""A bounded load test: signed-in users' concurrent clients doing mixed operations, then an audit of each one's data.

Clients take turns being one of the users (two by default). Each client
creates, reads, updates (with If-Match) and deletes todos of its own, lists
pages, increments its user's shared counter todo with read-modify-write guarded
by If-Match, and now and then reaches for a todo of another user, which must
be 404 and stay untouched. Afterwards, for each user separately: every todo a
client was told it created and did not delete is there exactly as last
acknowledged, every acknowledged delete is gone, the counter equals the number
of acknowledged increments (optimistic concurrency loses no update), and
nothing of another user's shows up in the list. Every answer passes the
contract audit; any 5xx fails the run.
"""

import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
import requests

from devtools import contract_audit, fuzz
from devtools.stack import throwaway_stack

WEIGHTS = {"create": 25, "read": 20, "update": 20, "list": 10, "delete": 10, "increment": 15, "trespass": 5}
MAX_INCREMENT_ATTEMPTS = 50
Answer = tuple[int, Any, Mapping[str, str]]


@dataclass
class Report:
    """What a load run did and found."""

    clients: int
    seconds: float
    users: int = 1
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # operation -> [seconds]
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    increments: int = 0
    conflicts: int = 0
    verified: int = 0
    deleted: int = 0
    trespasses: int = 0
    elapsed: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentiles(self, operation: str | None = None) -> tuple[float, float, float, float]:
        """(p50, p90, p99, max) in milliseconds, over one operation or all of them (nearest rank)."""
        values = sorted(self.latencies[operation] if operation else [v for vs in self.latencies.values() for v in vs])
        if not values:
            return (0.0, 0.0, 0.0, 0.0)

        def rank(p: float) -> float:
            return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))] * 1000

        return rank(50), rank(90), rank(99), values[-1] * 1000

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def lines(self, url: str, keep_alive: bool) -> list[str]:
        """The report as printable lines."""
        p50, p90, p99, worst = self.percentiles()
        connections = "kept-alive connections" if keep_alive else "a new connection per request"
        out = [
            f"load: {self.clients} clients of {self.users} signed-in users for {self.seconds:.0f} s against {url} "
            f"({connections})",
            f"requests: {self.requests} in {self.elapsed:.1f} s = {self.throughput:.1f} requests/s",
            f"latency ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {worst:.1f}",
        ]
        for operation in sorted(self.latencies):
            p50, p90, p99, _ = self.percentiles(operation)
            count = len(self.latencies[operation])
            out.append(f"  {operation:<9} {count:>6}  p50 {p50:7.1f}  p90 {p90:7.1f}  p99 {p99:7.1f}")
        out.append("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())))
        out.append(f"5xx answers: {self.server_errors}")
        out.append(
            f"shared counters: {self.increments} increments acknowledged, {self.conflicts} stale writes "
            f"refused with 412 and retried"
        )
        out.append(f"another user's todos: {self.trespasses} reads and writes, each 404 and nothing changed")
        out.append(
            f"afterwards: {self.verified} todos present as last acknowledged, {self.deleted} deletes confirmed gone, "
            f"each user's list audited separately"
        )
        out.append("problems: " + ("none" if not self.problems else f"{len(self.problems)}"))
        out += [f"  - {p}" for p in self.problems[:20]]
        return out


class _Registry:
    """Which user created which todo, shared by the clients so they can reach for another user's."""

    def __init__(self) -> None:
        self.owner: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, todo_id: str, user: int) -> None:
        with self._lock:
            self.owner[todo_id] = user

    def someone_elses(self, user: int, rng: random.Random) -> str | None:
        with self._lock:
            others = [todo_id for todo_id, owner in self.owner.items() if owner != user]
        return rng.choice(others) if others else None


class _Client:
    """One simulated client of one user: its own todos, kept as the API last acknowledged them."""

    def __init__(
        self,
        index: int,
        user: int,
        url: str,
        headers: Mapping[str, str],
        report: Report,
        counter_id: str,
        registry: _Registry,
        run_id: str,
        keep_alive: bool,
        seed: int,
    ) -> None:
        self.url = url.rstrip("/")
        self.user = user
        self.auth = dict(headers)
        self.report = report
        self.counter_id = counter_id
        self.registry = registry
        self.prefix = f"load {run_id} client {index} #"
        self.random = random.Random(seed)
        self.session = requests.Session() if keep_alive else None
        self.mine: dict[str, dict[str, Any]] = {}  # id -> todo as last acknowledged
        self.deleted: set[str] = set()
        self.listed: set[str] = set()  # every id this client's lists showed
        self.increments = self.conflicts = self.trespasses = 0
        self.serial = 0

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        expected: set[int],
        payload: object = None,
        if_match: str | None = None,
    ) -> Answer | None:
        """One timed, audited request; answers (status, parsed body, headers) or None when it went wrong."""
        headers = {"Content-Type": "application/json", **self.auth}
        if if_match is not None:
            headers["If-Match"] = if_match
        if self.session is None:
            headers["Connection"] = "close"
        data = json.dumps(payload) if payload is not None else None
        started = time.perf_counter()
        try:
            response = (self.session or requests).request(
                method, self.url + path, data=data, headers=headers, timeout=30
            )
        except requests.RequestException as exc:
            self.report.problem(f"{method} {path}: no answer ({type(exc).__name__})")
            return None
        elapsed = time.perf_counter() - started
        with self.report._lock:
            self.report.latencies[operation].append(elapsed)
            self.report.statuses[response.status_code] += 1
        for problem in contract_audit.answer_problems(
            response.status_code, response.headers, response.content, contract_audit.echoes(path), method
        ):
            self.report.problem(f"{method} {path}: {problem}")
        if response.status_code not in expected:
            self.report.problem(
                f"{method} {path}: {response.status_code}, expected {sorted(expected)}: {response.text[:200]}"
            )
            return None
        return response.status_code, response.json(), response.headers

    def _own(self) -> str | None:
        return self.random.choice(sorted(self.mine)) if self.mine else None

    def create(self) -> None:
        self.serial += 1
        fields: dict[str, Any] = {
            "title": f"{self.prefix}{self.serial}",
            "memo": self.random.choice(["", "milk", "𩸽 ✓"]),
            # The book's form sends the priority as the string its <select> gives.
            "priority": self.random.choice([self.random.randint(1, 5), str(self.random.randint(1, 5))]),
            "completed": self.random.random() < 0.3,
        }
        answer = self.request("create", "POST", "/todos", {201}, fields)
        if answer:
            todo = answer[1]
            expected = {**fields, "priority": int(fields["priority"])}
            if {k: todo[k] for k in fields} != expected or todo["version"] != 1:
                self.report.problem(f"create answered {todo} for {fields}")
            self.mine[todo["id"]] = todo
            self.registry.add(todo["id"], self.user)

    def read(self) -> None:
        todo_id = self._own()
        if todo_id is None:
            return self.create()
        answer = self.request("read", "GET", f"/todos/{todo_id}", {200})
        if answer and answer[1] != self.mine[todo_id]:
            self.report.problem(f"read {todo_id}: {answer[1]} is not what was acknowledged: {self.mine[todo_id]}")

    def update(self) -> None:
        todo_id = self._own()
        if todo_id is None:
            return self.create()
        before = self.mine[todo_id]
        changes: dict[str, Any] = self.random.choice(
            [
                {"completed": not before["completed"]},
                {"priority": self.random.randint(1, 5)},
                {"memo": f"edited {self.serial}"},
            ]
        )
        answer = self.request(
            "update",
            self.random.choice(["PUT", "PATCH"]),
            f"/todos/{todo_id}",
            {200},
            changes,
            if_match=f'"{before["version"]}"',
        )
        if answer:
            after = answer[1]
            expected = {**before, **changes, "version": before["version"] + 1, "updatedAt": after["updatedAt"]}
            if after != expected:
                self.report.problem(f"update of {todo_id} answered {after}, expected {expected}")
            self.mine[todo_id] = after

    def delete(self) -> None:
        todo_id = self._own()
        if todo_id is None:
            return self.create()
        answer = self.request(
            "delete", "DELETE", f"/todos/{todo_id}", {200}, if_match=f'"{self.mine[todo_id]["version"]}"'
        )
        if answer:
            if answer[1] != self.mine[todo_id]:
                self.report.problem(f"delete of {todo_id} answered {answer[1]}, not {self.mine[todo_id]}")
            del self.mine[todo_id]
            self.deleted.add(todo_id)

    def list(self) -> None:
        answer = self.request("list", "GET", f"/todos?limit={self.random.choice([10, 50])}", {200})
        if answer:
            self.listed.update(todo["id"] for todo in answer[1])

    def increment(self) -> None:
        for _ in range(MAX_INCREMENT_ATTEMPTS):
            answer = self.request("increment", "GET", f"/todos/{self.counter_id}", {200})
            if answer is None:
                return
            _, counter, headers = answer
            answer = self.request(
                "increment",
                "PUT",
                f"/todos/{self.counter_id}",
                {200, 412},
                {"memo": str(int(counter["memo"]) + 1)},
                if_match=headers["ETag"],
            )
            if answer is None:
                return
            if answer[0] == 200:
                self.increments += 1
                return
            self.conflicts += 1
        self.report.problem(f"no increment got through in {MAX_INCREMENT_ATTEMPTS} attempts")

    def trespass(self) -> None:
        """Read, change or delete another user's todo: always 404, as if it did not exist."""
        todo_id = self.registry.someone_elses(self.user, self.random)
        if todo_id is None:
            return self.list()
        method, payload = self.random.choice([("GET", None), ("PATCH", {"title": "not yours"}), ("DELETE", None)])
        self.trespasses += 1
        self.request("trespass", method, f"/todos/{todo_id}", {404}, payload, if_match="*" if payload else None)

    def run(self, deadline: float) -> None:
        operations, weights = zip(*WEIGHTS.items(), strict=True)
        while time.monotonic() < deadline:
            getattr(self, self.random.choices(operations, weights)[0])()


def _all_todos(url: str, headers: Mapping[str, str], report: Report) -> dict[str, dict[str, Any]]:
    """Every todo of the holder of ``headers``, following the Link headers."""
    todos: dict[str, dict[str, Any]] = {}
    path: str | None = "/todos?limit=1000"
    with requests.Session() as session:
        while path:
            response = session.get(url.rstrip("/") + path, headers=dict(headers), timeout=30)
            if response.status_code != 200:
                report.problem(f"listing for the audit answered {response.status_code}")
                return todos
            todos.update((t["id"], t) for t in response.json())
            link = response.headers.get("Link")
            path = link[link.index("<") + 1 : link.index(">")] if link else None
            if path and path.startswith("http"):
                path = "/" + path.split("/", 3)[3]
    return todos


def _audit_user(
    user: int, clients: list[_Client], stored: dict[str, dict[str, Any]], counter_id: str, run_id: str, report: Report
) -> None:
    """One user's data after the run, against what that user's clients were told."""
    acknowledged: dict[str, dict[str, Any]] = {}
    increments = 0
    for client in clients:
        acknowledged.update(client.mine)
        increments += client.increments
        for todo_id in client.deleted:
            if todo_id in stored:
                report.problem(f"user {user}: {todo_id} was deleted (200) but is still there")
            else:
                report.deleted += 1
    for todo_id, todo in acknowledged.items():
        if stored.get(todo_id) != todo:
            report.problem(f"user {user}: {todo_id}: stored {stored.get(todo_id)}, last acknowledged {todo}")
        else:
            report.verified += 1
    ours = {todo_id for todo_id, todo in stored.items() if todo["title"].startswith(f"load {run_id} client ")}
    if ours != set(acknowledged):
        report.problem(
            f"user {user}: todos nobody was told were created or kept: {sorted(ours ^ set(acknowledged))[:5]}"
        )
    counter = stored.get(counter_id, {})
    if counter.get("memo") != str(increments) or counter.get("version") != increments + 1:
        report.problem(
            f"user {user}: the shared counter reads {counter.get('memo')} (version {counter.get('version')}) "
            f"after {increments} acknowledged increments: an update was lost"
        )


def run_load(
    url: str,
    users: Sequence[Mapping[str, str]],
    clients: int = 4,
    seconds: float = 5.0,
    keep_alive: bool = True,
    seed: int | None = None,
) -> Report:
    """Run the load against ``url`` as ``users`` (each one's request headers) and audit each one's data after."""
    report = Report(clients=clients, seconds=seconds, users=len(users))
    run_id = uuid.uuid4().hex[:8]
    counters = []
    for user, headers in enumerate(users):
        created = requests.post(
            url.rstrip("/") + "/todos",
            timeout=30,
            headers=dict(headers),
            json={"title": f"load {run_id} counter of user {user}", "memo": "0", "priority": 1},
        )
        if created.status_code != 201:
            report.problem(f"could not create user {user}'s counter: {created.status_code} {created.text[:200]}")
            return report
        counters.append(created.json()["id"])
    registry = _Registry()
    for user, counter_id in enumerate(counters):
        registry.add(counter_id, user)
    seed = random.randrange(2**32) if seed is None else seed
    workers = [
        _Client(
            i,
            i % len(users),
            url,
            users[i % len(users)],
            report,
            counters[i % len(users)],
            registry,
            run_id,
            keep_alive,
            seed + i,
        )
        for i in range(clients)
    ]
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=worker.run, args=(deadline,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.elapsed = time.monotonic() - started

    for user, headers in enumerate(users):
        stored = _all_todos(url, headers, report)
        mine = [worker for worker in workers if worker.user == user]
        _audit_user(user, mine, stored, counters[user], run_id, report)
        seen = set(stored).union(*(worker.listed for worker in mine))
        foreign = sorted(todo_id for todo_id in seen if registry.owner.get(todo_id, user) != user)
        if foreign:
            report.problem(f"user {user} was shown other users' todos: {foreign[:5]}")
    for worker in workers:
        report.increments += worker.increments
        report.conflicts += worker.conflicts
        report.trespasses += worker.trespasses
    if report.server_errors:
        report.problem(f"{report.server_errors} answers were 5xx")
    return report


@click.command("loadtest")
@click.option("--url", help="Load the API at this URL (e.g. `make run`'s) instead of starting a throwaway stack.")
@click.option("--clients", default=8, show_default=True, help="Concurrent clients, shared out among the users.")
@click.option("--users", "user_count", default=2, show_default=True, help="Signed-in users the clients act for.")
@click.option("--seconds", default=30.0, show_default=True, help="How long the clients keep going.")
@click.option("--new-connections", is_flag=True, help="Open a new connection for every request.")
@click.option("--seed", type=int, help="Repeat an earlier run's choices.")
def loadtest_command(
    url: str | None, clients: int, user_count: int, seconds: float, new_connections: bool, seed: int | None
) -> None:
    """Load the API with concurrent clients of signed-in users, then check that no todo was lost, corrupted or shown
    to another user.

    Example: hobopy loadtest --clients 8 --seconds 30
    """
    keep_alive = not new_connections
    if url:
        pool = fuzz.local_pool()
        report = run_load(
            url, [pool.new_user().headers() for _ in range(user_count)], clients, seconds, keep_alive, seed
        )
    else:
        with throwaway_stack() as stack:
            url = stack.api_url
            pool = stack.pool()
            users = [pool.new_user().headers() for _ in range(user_count)]
            report = run_load(url, users, clients, seconds, keep_alive, seed)
    for line in report.lines(url, keep_alive):
        click.echo(line)
    raise SystemExit(1 if report.problems else 0)


if __name__ == "__main__":
    loadtest_command()
