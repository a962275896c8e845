"""A bounded load test: concurrent clients doing mixed operations against a running API, then an audit of the data.

Each client creates, reads, updates (with If-Match) and deletes todos of its
own, lists pages, and increments one shared counter todo with
read-modify-write guarded by If-Match. Afterwards every todo a client was
told it created and did not delete must be there exactly as last
acknowledged, every acknowledged delete must be gone, and the counter must
equal the number of acknowledged increments: optimistic concurrency loses no
update. Any 5xx fails the run.
"""
import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import click
import requests

from devtools import contract_audit, fuzz

DEV_SERVER_NOTE = (
    "note: `chalice local` is a single-process development server; on a kept-alive connection it answers\n"
    "      after ~40 ms (Nagle's algorithm meeting delayed ACKs), so these figures measure the dev server,\n"
    "      not Lambda. By default every request opens its own connection to keep that stall out.")
WEIGHTS = {"create": 25, "read": 20, "update": 20, "list": 10, "delete": 10, "increment": 15}
MAX_INCREMENT_ATTEMPTS = 50


@dataclass
class Report:
    """What a load run did and found."""

    clients: int
    seconds: float
    latencies: dict = field(default_factory=lambda: defaultdict(list))  # operation -> [seconds]
    statuses: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)
    increments: int = 0
    conflicts: int = 0
    verified: int = 0
    deleted: int = 0
    elapsed: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def requests(self):
        return sum(len(v) for v in self.latencies.values())

    @property
    def throughput(self):
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentiles(self, operation=None):
        """(p50, p90, p99, max) in milliseconds, over one operation or all of them."""
        values = sorted(self.latencies[operation] if operation else
                        [v for vs in self.latencies.values() for v in vs])
        if not values:
            return (0.0, 0.0, 0.0, 0.0)

        def rank(p):
            return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values))) - 1))] * 1000

        return rank(50), rank(90), rank(99), values[-1] * 1000

    @property
    def server_errors(self):
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def problem(self, text):
        with self._lock:
            self.problems.append(text)

    def lines(self, url, keep_alive):
        """The report as printable lines."""
        p50, p90, p99, worst = self.percentiles()
        out = [
            f"load: {self.clients} clients for {self.seconds:.0f} s against {url} "
            f"({'kept-alive connections' if keep_alive else 'a new connection per request'})",
            f"requests: {self.requests} in {self.elapsed:.1f} s = {self.throughput:.1f} requests/s",
            f"latency ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {worst:.1f}",
        ]
        for operation in sorted(self.latencies):
            p50, p90, p99, _ = self.percentiles(operation)
            out.append(f"  {operation:<9} {len(self.latencies[operation]):>6}  p50 {p50:7.1f}  p90 {p90:7.1f}  "
                       f"p99 {p99:7.1f}")
        out.append("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())))
        out.append(f"5xx answers: {self.server_errors}")
        out.append(f"shared counter: {self.increments} increments acknowledged, {self.conflicts} stale writes "
                   f"refused with 412 and retried")
        out.append(f"afterwards: {self.verified} todos present as last acknowledged, {self.deleted} deletes "
                   f"confirmed gone")
        out.append("problems: " + ("none" if not self.problems else f"{len(self.problems)}"))
        out += [f"  - {p}" for p in self.problems[:20]]
        out.append(DEV_SERVER_NOTE)
        return out


class _Client:
    """One simulated user: its own todos, kept as the API last acknowledged them."""

    def __init__(self, index, url, report, counter_id, run_id, keep_alive, seed):
        self.url = url.rstrip("/")
        self.report = report
        self.counter_id = counter_id
        self.prefix = f"load {run_id} client {index} #"
        self.random = random.Random(seed)
        self.session = requests.Session() if keep_alive else None
        self.mine = {}  # id -> todo as last acknowledged
        self.deleted = set()
        self.increments = self.conflicts = 0
        self.serial = 0

    def request(self, operation, method, path, expected, payload=None, if_match=None):
        """One timed request; answers (status, parsed body, headers) or None when it failed outright."""
        headers = {"Content-Type": "application/json"}
        if if_match is not None:
            headers["If-Match"] = if_match
        if self.session is None:
            headers["Connection"] = "close"
        data = json.dumps(payload) if payload is not None else None
        started = time.perf_counter()
        try:
            response = (self.session or requests).request(method, self.url + path, data=data, headers=headers,
                                                          timeout=30)
        except requests.RequestException as exc:
            self.report.problem(f"{method} {path}: no answer ({type(exc).__name__})")
            return None
        elapsed = time.perf_counter() - started
        with self.report._lock:
            self.report.latencies[operation].append(elapsed)
            self.report.statuses[response.status_code] += 1
        if response.status_code >= 400:
            for problem in contract_audit.answer_problems(response.status_code, response.headers,
                                                          response.content, [path]):
                self.report.problem(f"{method} {path}: {problem}")
        if response.status_code not in expected:
            self.report.problem(f"{method} {path}: {response.status_code}, expected {sorted(expected)}: "
                                f"{response.text[:200]}")
            return None
        return response.status_code, response.json(), response.headers

    def _own(self):
        return self.random.choice(sorted(self.mine)) if self.mine else None

    def create(self):
        self.serial += 1
        fields = {"title": f"{self.prefix}{self.serial}", "memo": self.random.choice(["", "milk", "𩸽 ✓"]),
                  "priority": self.random.randint(1, 5), "completed": self.random.random() < 0.3}
        answer = self.request("create", "POST", "/todos", {201}, fields)
        if answer:
            todo = answer[1]
            if {k: todo[k] for k in fields} != fields or todo["version"] != 1:
                self.report.problem(f"create answered {todo} for {fields}")
            self.mine[todo["id"]] = todo

    def read(self):
        todo_id = self._own()
        if todo_id is None:
            return self.create()
        answer = self.request("read", "GET", f"/todos/{todo_id}", {200})
        if answer and answer[1] != self.mine[todo_id]:
            self.report.problem(f"read {todo_id}: {answer[1]} is not what was acknowledged: {self.mine[todo_id]}")

    def update(self):
        todo_id = self._own()
        if todo_id is None:
            return self.create()
        before = self.mine[todo_id]
        changes = self.random.choice([{"completed": not before["completed"]}, {"priority": self.random.randint(1, 5)},
                                      {"memo": f"edited {self.serial}"}])
        answer = self.request("update", self.random.choice(["PUT", "PATCH"]), f"/todos/{todo_id}", {200}, changes,
                              if_match=f'"{before["version"]}"')
        if answer:
            after = answer[1]
            expected = {**before, **changes, "version": before["version"] + 1, "updatedAt": after["updatedAt"]}
            if after != expected:
                self.report.problem(f"update of {todo_id} answered {after}, expected {expected}")
            self.mine[todo_id] = after

    def delete(self):
        todo_id = self._own()
        if todo_id is None:
            return self.create()
        answer = self.request("delete", "DELETE", f"/todos/{todo_id}", {200},
                              if_match=f'"{self.mine[todo_id]["version"]}"')
        if answer:
            if answer[1] != self.mine[todo_id]:
                self.report.problem(f"delete of {todo_id} answered {answer[1]}, not {self.mine[todo_id]}")
            del self.mine[todo_id]
            self.deleted.add(todo_id)

    def list(self):
        self.request("list", "GET", f"/todos?limit={self.random.choice([10, 50])}", {200})

    def increment(self):
        for _ in range(MAX_INCREMENT_ATTEMPTS):
            answer = self.request("increment", "GET", f"/todos/{self.counter_id}", {200})
            if answer is None:
                return
            _, counter, headers = answer
            answer = self.request("increment", "PUT", f"/todos/{self.counter_id}", {200, 412},
                                  {"memo": str(int(counter["memo"]) + 1)}, if_match=headers["ETag"])
            if answer is None:
                return
            if answer[0] == 200:
                self.increments += 1
                return
            self.conflicts += 1
        self.report.problem(f"no increment got through in {MAX_INCREMENT_ATTEMPTS} attempts")

    def run(self, deadline):
        operations, weights = zip(*WEIGHTS.items())
        while time.monotonic() < deadline:
            getattr(self, self.random.choices(operations, weights)[0])()


def _all_todos(url, report):
    """Every todo, following the Link headers."""
    todos, path = {}, "/todos?limit=1000"
    with requests.Session() as session:
        while path:
            response = session.get(url.rstrip("/") + path, timeout=30)
            if response.status_code != 200:
                report.problem(f"listing for the audit answered {response.status_code}")
                return todos
            todos.update((t["id"], t) for t in response.json())
            link = response.headers.get("Link")
            path = link[link.index("<") + 1:link.index(">")] if link else None
            if path and path.startswith("http"):
                path = "/" + path.split("/", 3)[3]
    return todos


def run_load(url, clients=4, seconds=5.0, keep_alive=False, seed=None):
    """Run the load against ``url`` and audit the data afterwards; answers a Report."""
    report = Report(clients=clients, seconds=seconds)
    run_id = uuid.uuid4().hex[:8]
    created = requests.post(url.rstrip("/") + "/todos", timeout=30,
                            json={"title": f"load {run_id} counter", "memo": "0", "priority": 1})
    if created.status_code != 201:
        report.problem(f"could not create the shared counter: {created.status_code} {created.text[:200]}")
        return report
    counter_id = created.json()["id"]
    seed = random.randrange(2 ** 32) if seed is None else seed
    users = [_Client(i, url, report, counter_id, run_id, keep_alive, seed + i) for i in range(clients)]
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=user.run, args=(deadline,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.elapsed = time.monotonic() - started

    stored = _all_todos(url, report)
    ours = {todo_id for todo_id, todo in stored.items() if todo["title"].startswith(f"load {run_id} client ")}
    acknowledged = {}
    for user in users:
        acknowledged.update(user.mine)
        report.increments += user.increments
        report.conflicts += user.conflicts
        for todo_id in user.deleted:
            if todo_id in stored:
                report.problem(f"{todo_id} was deleted (200) but is still there")
            else:
                report.deleted += 1
    for todo_id, todo in acknowledged.items():
        if stored.get(todo_id) != todo:
            report.problem(f"{todo_id}: stored {stored.get(todo_id)}, last acknowledged {todo}")
        else:
            report.verified += 1
    if not report.problems and ours != set(acknowledged):
        report.problem(f"todos nobody was told were created: {sorted(ours - set(acknowledged))[:5]}")
    counter = stored.get(counter_id, {})
    if counter.get("memo") != str(report.increments) or counter.get("version") != report.increments + 1:
        report.problem(f"the shared counter reads {counter.get('memo')} (version {counter.get('version')}) after "
                       f"{report.increments} acknowledged increments: an update was lost")
    if report.server_errors:
        report.problem(f"{report.server_errors} answers were 5xx")
    return report


@click.command("loadtest")
@click.option("--url", help="Load the API at this URL instead of starting a throwaway stack.")
@click.option("--clients", default=8, show_default=True, help="Concurrent clients.")
@click.option("--seconds", default=30.0, show_default=True, help="How long the clients keep going.")
@click.option("--keep-alive", is_flag=True, help="Reuse connections (the dev server then stalls ~40 ms each).")
@click.option("--seed", type=int, help="Repeat an earlier run's choices.")
def loadtest_command(url, clients, seconds, keep_alive, seed):
    """Load the API with concurrent clients for a fixed time, then check that no todo was lost or corrupted.

    Example: hobopy loadtest --clients 8 --seconds 30
    """
    if url:
        report = run_load(url, clients, seconds, keep_alive, seed)
    else:
        with fuzz.throwaway_stack() as stack:
            url = stack.api_url
            report = run_load(url, clients, seconds, keep_alive, seed)
    for line in report.lines(url, keep_alive):
        click.echo(line)
    raise SystemExit(1 if report.problems else 0)


if __name__ == "__main__":
    loadtest_command()
