"""A bounded load test: signed-in users' concurrent clients doing mixed operations, then an audit of each one's data.

Each client works on todos of its own, increments its user's shared counter (read-modify-write with If-Match) and now
and then reaches for another user's todo, which must be 404 and stay untouched. Afterwards, for each user: every
acknowledged todo is stored as last acknowledged, acknowledged deletes are gone, the counter equals the acknowledged
increments, and no other user's todo was shown. Every answer passes the contract audit; any 5xx fails the run.
"""

import contextlib
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import click
import requests

from devtools.local.stack import throwaway_stack
from devtools.quality import contract_audit, fuzz

WEIGHTS = {"create": 25, "read": 20, "update": 20, "list": 10, "delete": 10, "increment": 15, "trespass": 5}
MAX_INCREMENT_ATTEMPTS = 50
Todo = dict[str, Any]


@dataclass
class Report:
    """What a load run did and found, and what its clients share while it runs."""

    clients: int
    seconds: float
    users: int = 1
    url: str = ""
    keep_alive: bool = True
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    counters: list[str] = field(default_factory=list)  # each user's shared counter
    owners: dict[str, int] = field(default_factory=dict)  # todo id -> the user who created it, to reach for
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # operation -> [seconds]
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    increments: int = 0
    conflicts: int = 0
    verified: int = 0
    deleted: int = 0
    trespasses: int = 0
    elapsed: float = 0.0

    @property
    def requests(self) -> int:
        return sum(map(len, self.latencies.values()))

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def percentiles(self, operation: str | None = None) -> tuple[float, float, float, float]:
        """(p50, p90, p99, max) in milliseconds, over one operation or all of them (nearest rank)."""
        values = sorted(self.latencies[operation] if operation else [v for vs in self.latencies.values() for v in vs])
        if not values:
            return (0.0, 0.0, 0.0, 0.0)
        p50, p90, p99 = (values[max(0, round(p / 100 * len(values)) - 1)] * 1000 for p in (50, 90, 99))
        return p50, p90, p99, values[-1] * 1000

    def lines(self) -> list[str]:
        p50, p90, p99, worst = self.percentiles()
        connections = "kept-alive connections" if self.keep_alive else "a new connection per request"
        out = [
            f"load: {self.clients} clients of {self.users} signed-in users for {self.seconds:.0f} s against {self.url} "
            f"({connections})",
            f"requests: {self.requests} in {self.elapsed:.1f} s = {self.throughput:.1f} requests/s",
            f"latency ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {worst:.1f}",
        ]
        for operation, values in sorted(self.latencies.items()):
            p50, p90, p99, _ = self.percentiles(operation)
            out.append(f"  {operation:<9} {len(values):>6}  p50 {p50:7.1f}  p90 {p90:7.1f}  p99 {p99:7.1f}")
        out += [
            "statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())),
            f"5xx answers: {self.server_errors}",
            f"shared counters: {self.increments} increments acknowledged, {self.conflicts} stale writes "
            "refused with 412 and retried",
            f"another user's todos: {self.trespasses} reads and writes, each 404 and nothing changed",
            f"afterwards: {self.verified} todos present as last acknowledged, {self.deleted} deletes confirmed gone, "
            "each user's list audited separately",
            "problems: " + (f"{len(self.problems)}" if self.problems else "none"),
            *(f"  - {p}" for p in self.problems[:20]),
        ]
        return out


class _Client:
    """One simulated client of one user: its own todos, kept as the API last acknowledged them."""

    def __init__(self, report: Report, index: int, user: int, headers: Mapping[str, str], seed: int) -> None:
        self.report, self.index, self.user = report, index, user
        self.session = requests.Session()
        # Without keep-alive, the server closes each connection after its answer.
        self.session.headers.update({**headers, **({} if report.keep_alive else {"Connection": "close"})})
        self.random = random.Random(seed)
        self.mine: dict[str, Todo] = {}  # id -> todo as last acknowledged
        self.deleted: set[str] = set()
        self.listed: set[str] = set()  # every id this client's lists showed
        self.increments = self.conflicts = self.trespasses = self.serial = 0

    def problem(self, text: str) -> None:
        with self.report.lock:
            self.report.problems.append(text)

    def request(
        self, operation: str, method: str, path: str, expected: set[int], payload: Any = None, if_match: str = ""
    ) -> requests.Response | None:
        """One timed, audited request; the answer, or None when it went wrong."""
        headers = {"Content-Type": "application/json"} | ({"If-Match": if_match} if if_match else {})
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.report.url + path, json=payload, headers=headers, timeout=30)
        except requests.RequestException as exc:
            self.problem(f"{method} {path}: no answer ({type(exc).__name__})")
            return None
        with self.report.lock:
            self.report.latencies[operation].append(time.perf_counter() - started)
            self.report.statuses[response.status_code] += 1
        # Only the whole path counts as quoted: its pieces (the "10" of limit=10) would be taken out of any message.
        status = response.status_code
        for problem in contract_audit.answer_problems(status, response.headers, response.content, [path], method):
            self.problem(f"{method} {path}: {problem}")
        if status not in expected:
            self.problem(f"{method} {path}: {status}, expected {sorted(expected)}: {response.text[:200]}")
            return None
        return response

    def _own(self) -> str:
        return self.random.choice(sorted(self.mine))

    def create(self) -> None:
        self.serial += 1
        fields: Todo = {
            "title": f"load {self.report.run_id} client {self.index} #{self.serial}",
            "memo": self.random.choice(["", "milk", "𩸽 ✓"]),
            # The book's form sends the priority as the string its <select> gives.
            "priority": self.random.choice([self.random.randint(1, 5), str(self.random.randint(1, 5))]),
            "completed": self.random.random() < 0.3,
        }
        if answer := self.request("create", "POST", "/todos", {201}, fields):
            todo = answer.json()
            if {k: todo[k] for k in fields} != fields | {"priority": int(fields["priority"])} or todo["version"] != 1:
                self.problem(f"create answered {todo} for {fields}")
            self.mine[todo["id"]] = todo
            with self.report.lock:
                self.report.owners[todo["id"]] = self.user

    def read(self) -> None:
        todo_id = self._own()
        answer = self.request("read", "GET", f"/todos/{todo_id}", {200})
        if answer and answer.json() != self.mine[todo_id]:
            self.problem(f"read {todo_id}: {answer.json()} is not what was acknowledged: {self.mine[todo_id]}")

    def update(self) -> None:
        todo_id = self._own()
        before = self.mine[todo_id]
        changes: Todo = self.random.choice(
            [
                {"completed": not before["completed"]},
                {"priority": self.random.randint(1, 5)},
                {"memo": f"edited {self.serial}"},
            ]
        )
        method = self.random.choice(["PUT", "PATCH"])
        if answer := self.request("update", method, f"/todos/{todo_id}", {200}, changes, f'"{before["version"]}"'):
            after = answer.json()
            expected = before | changes | {"version": before["version"] + 1, "updatedAt": after["updatedAt"]}
            if after != expected:
                self.problem(f"update of {todo_id} answered {after}, expected {expected}")
            self.mine[todo_id] = after

    def delete(self) -> None:
        todo_id = self._own()
        todo = self.mine[todo_id]
        if answer := self.request("delete", "DELETE", f"/todos/{todo_id}", {200}, if_match=f'"{todo["version"]}"'):
            if answer.json() != todo:
                self.problem(f"delete of {todo_id} answered {answer.json()}, not {todo}")
            del self.mine[todo_id]
            self.deleted.add(todo_id)

    def list(self) -> None:
        if answer := self.request("list", "GET", f"/todos?limit={self.random.choice([10, 50])}", {200}):
            self.listed.update(todo["id"] for todo in answer.json())

    def increment(self) -> None:
        path = f"/todos/{self.report.counters[self.user]}"
        for _ in range(MAX_INCREMENT_ATTEMPTS):
            if (read := self.request("increment", "GET", path, {200})) is None:
                return
            memo = {"memo": str(int(read.json()["memo"]) + 1)}
            # A 412 answer is falsy (requests' Response.ok), hence "is None".
            if (written := self.request("increment", "PUT", path, {200, 412}, memo, read.headers["ETag"])) is None:
                return
            if written.status_code == 200:
                self.increments += 1
                return
            self.conflicts += 1
        self.problem(f"no increment got through in {MAX_INCREMENT_ATTEMPTS} attempts")

    def trespass(self) -> None:
        """Read, change or delete another user's todo: always 404, as if it did not exist."""
        with self.report.lock:
            others = [todo_id for todo_id, owner in self.report.owners.items() if owner != self.user]
        if not others:
            return self.list()
        method, payload = self.random.choice([("GET", None), ("PATCH", {"title": "not yours"}), ("DELETE", None)])
        self.trespasses += 1
        self.request("trespass", method, f"/todos/{self.random.choice(others)}", {404}, payload, "*" if payload else "")

    def work(self, deadline: float) -> None:
        operations, weights = zip(*WEIGHTS.items(), strict=True)
        while time.monotonic() < deadline:
            operation = self.random.choices(operations, weights)[0]
            # Reading, changing or deleting a todo of its own needs one first.
            getattr(self, "create" if operation in ("read", "update", "delete") and not self.mine else operation)()


def _audit_user(user: int, headers: Mapping[str, str], clients: list[_Client], report: Report) -> None:
    """One user's data after the run (every todo, following the Link headers) against what its clients were told."""
    stored: dict[str, Todo] = {}
    next_url: str | None = f"{report.url}/todos?limit=1000"
    with requests.Session() as session:
        while next_url:
            response = session.get(next_url, headers=headers, timeout=30)
            if response.status_code != 200:
                report.problems.append(f"listing for the audit answered {response.status_code}")
                break
            stored.update((todo["id"], todo) for todo in response.json())
            next_url = urljoin(report.url, response.links["next"]["url"]) if "next" in response.links else None
    acknowledged = {todo_id: todo for client in clients for todo_id, todo in client.mine.items()}
    for todo_id in set().union(*(client.deleted for client in clients)):
        if todo_id in stored:
            report.problems.append(f"user {user}: {todo_id} was deleted (200) but is still there")
        else:
            report.deleted += 1
    for todo_id, todo in acknowledged.items():
        if stored.get(todo_id) != todo:
            report.problems.append(f"user {user}: {todo_id}: stored {stored.get(todo_id)}, last acknowledged {todo}")
        else:
            report.verified += 1
    ours = {todo_id for todo_id, todo in stored.items() if todo["title"].startswith(f"load {report.run_id} client ")}
    if ours != set(acknowledged):
        unexplained = sorted(ours ^ set(acknowledged))[:5]
        report.problems.append(f"user {user}: todos nobody was told were created or kept: {unexplained}")
    counter, increments = stored.get(report.counters[user], {}), sum(client.increments for client in clients)
    if counter.get("memo") != str(increments) or counter.get("version") != increments + 1:
        report.problems.append(
            f"user {user}: the shared counter reads {counter.get('memo')} (version {counter.get('version')}) "
            f"after {increments} acknowledged increments: an update was lost"
        )
    seen = set(stored).union(*(client.listed for client in clients))
    if foreign := sorted(todo_id for todo_id in seen if report.owners.get(todo_id, user) != user):
        report.problems.append(f"user {user} was shown other users' todos: {foreign[:5]}")


def run_load(
    url: str,
    users: Sequence[Mapping[str, str]],
    clients: int = 4,
    seconds: float = 5.0,
    keep_alive: bool = True,
    seed: int | None = None,
) -> Report:
    """Run the load against ``url`` as ``users`` (each one's request headers) and audit each one's data after."""
    report = Report(clients=clients, seconds=seconds, users=len(users), url=url.rstrip("/"), keep_alive=keep_alive)
    for user, headers in enumerate(users):
        counter: Todo = {"title": f"load {report.run_id} counter of user {user}", "memo": "0", "priority": 1}
        answer = requests.post(f"{report.url}/todos", json=counter, headers=headers, timeout=30)
        if answer.status_code != 201:
            report.problems.append(f"could not create user {user}'s counter: {answer.status_code} {answer.text[:200]}")
            return report
        report.counters.append(answer.json()["id"])
        report.owners[answer.json()["id"]] = user
    seed = random.randrange(2**32) if seed is None else seed
    workers = [_Client(report, i, i % len(users), users[i % len(users)], seed + i) for i in range(clients)]
    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda worker: worker.work(started + seconds), workers))
    report.elapsed = time.monotonic() - started
    for user, headers in enumerate(users):
        _audit_user(user, headers, [worker for worker in workers if worker.user == user], report)
    report.increments = sum(worker.increments for worker in workers)
    report.conflicts = sum(worker.conflicts for worker in workers)
    report.trespasses = sum(worker.trespasses for worker in workers)
    if report.server_errors:
        report.problems.append(f"{report.server_errors} answers were 5xx")
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
    with contextlib.ExitStack() as running:
        if not url:
            stack = running.enter_context(throwaway_stack())
            url, pool = stack.api_url, stack.pool()
        else:
            pool = fuzz.local_pool()
        users = [pool.new_user().headers() for _ in range(user_count)]
        report = run_load(url, users, clients, seconds, not new_connections, seed)
    click.echo("\n".join(report.lines()))
    raise SystemExit(1 if report.problems else 0)


if __name__ == "__main__":
    loadtest_command()
