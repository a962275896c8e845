"""``make bench``: the API measured the way it runs, against bare boto3 and against itself.

Everything runs on a private in-memory dynalite engine. Printed:

- warm: throughput of ``GET`` and ``PUT /todos/{id}`` through the handler
  (API Gateway proxy events into ``app``, a signed-in caller) divided by bare
  boto3 sending the very same DynamoDB request, call by call in turn (goal:
  at least 0.9); DynamoDB requests per API call; listing a large list by
  following ``Link`` headers;
- cold start: a fresh interpreter that imports the packaged handler
  (``deployment.zip`` as ``make package`` builds it) and answers one
  ``GET /todos/{id}``, against a fresh interpreter doing the bare boto3 work
  (import, client, the same ``GetItem``), paired runs in turn (goal: at most
  1.1 x);
- kept-alive: ``GET /todos/{id}`` on one kept-alive connection and on a new
  connection each time, against the stack's local API server and against
  plain ``chalice local`` (goal for ours: kept-alive at most 1.5 x new);
- owner isolation: one user's todos listed from a table that also holds many
  other owners' todos, and from a table holding only theirs (goal: at most
  1.2 x), with the DynamoDB requests per page (1).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import boto3
import click
from packaging.requirements import Requirement

from devtools import engine, localapi, localgateway, package, supervise, tables

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
SCHEMA = ROOT / "db" / "schema.json"
# The signed-in caller of the handler runs: the ``sub`` API Gateway's authorizer passes on.
CALLER = "0d5e7c1a-bench-4c1e-9a53-caller000001"
STAMP = "2026-01-01T00:00:00.000Z"
FUNCTION_NAME = "hobopy-prod"
# The distributions the Lambda Python runtime provides next to the function's code.
RUNTIME_DISTRIBUTIONS = ("boto3",)

Client = Any
Item = dict[str, Any]
Operation = Callable[[int], object]


# --------------------------------------------------------------------------- the engine and its tables


def create_table(client: Client, name: str) -> list[str]:
    """Create ``name`` with the key schema of db/schema.json; returns the key names, partition key first."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema["TableName"] = name
    client.create_table(**schema)
    for _ in range(200):
        if client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    hash_first = sorted(schema["KeySchema"], key=lambda element: element["KeyType"] != "HASH")
    return [element["AttributeName"] for element in hash_first]


def todo_item(owner: str, number: int) -> Item:
    """A stored todo of ``owner`` as big as a typical one."""
    return {
        "owner": {"S": owner},
        "id": {"S": uuid.uuid4().hex},
        "title": {"S": f"やること {number}"},
        "memo": {"S": "牛乳と卵を買って、帰りに郵便局へ寄る"},
        "priority": {"N": str(number % 5 + 1)},
        "completed": {"BOOL": number % 3 == 0},
        "createdAt": {"S": STAMP},
        "updatedAt": {"S": STAMP},
        "version": {"N": "1"},
    }


def _write_chunk(client: Client, table: str, items: list[Item]) -> None:
    tables.write_batches(client, table, [{"PutRequest": {"Item": item}} for item in items])


def load_items(client: Client, table: str, items: list[Item], workers: int = 8) -> None:
    """Write ``items`` with batch writes, several batches at a time."""
    chunk = 500
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(_write_chunk, client, table, items[i : i + chunk]) for i in range(0, len(items), chunk)]
        for future in futures:
            future.result()


@contextmanager
def private_engine() -> Iterator[str]:
    """A fresh in-memory dynalite for the run; yields its endpoint."""
    if not engine.node_available():
        raise click.ClickException("dynalite is not installed: run `make install`.")
    with engine.private_dynalite() as endpoint:
        yield endpoint


def engine_client(endpoint: str) -> Client:
    """A default boto3 client for the local engine (what a plain script would build)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


# --------------------------------------------------------------------------- the handler, as Lambda calls it


class Handler:
    """The app imported in this process and called with API Gateway proxy events, as in Lambda."""

    def __init__(self, endpoint: str, table: str) -> None:
        # Deployed, the caller comes from the authorizer's claims, which the
        # app trusts only inside Lambda; no local identity provider is named.
        for name in ("HOBOPY_DB_ENDPOINT", "HOBOPY_AUTH_ENDPOINT", "AUTH_LOCAL_ENDPOINT", "ANONYMOUS_OWNER"):
            os.environ.pop(name, None)
        os.environ.update(AWS_LAMBDA_FUNCTION_NAME=FUNCTION_NAME, DB_ENDPOINT=endpoint, DB_TABLE_NAME=table)
        if str(BACKEND) not in sys.path:
            sys.path.insert(0, str(BACKEND))
        from app import app
        from chalicelib import storage

        self.app, self.storage = app, storage
        self.context = localgateway.lambda_context(FUNCTION_NAME)
        self.requests = 0

    def use_table(self, table: str) -> None:
        os.environ["DB_TABLE_NAME"] = table

    def client(self) -> Client:
        """The DynamoDB client the app uses for the current table."""
        return self.storage.repository_from_environment().client

    def event(self, method: str, path: str, body: Any = None, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The event API Gateway hands the function for this request of the signed-in caller."""
        return localgateway.proxy_event(self.app, method, path, body=body, query=query, claims=claims(CALLER))

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.app(event, self.context)
        if response["statusCode"] >= 300:
            raise click.ClickException(
                f"{event['httpMethod']} {event['path']} answered {response['statusCode']}: {response['body']}"
            )
        return response

    def invoke(
        self, method: str, path: str, body: Any = None, query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return self.call(self.event(method, path, body=body, query=query))

    def _count(self, **_: object) -> None:
        self.requests += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count the DynamoDB requests the app sends inside the block (kept out of timed rounds)."""
        client = self.client()
        client.meta.events.register("before-call.dynamodb", self._count)
        try:
            yield
        finally:
            client.meta.events.unregister("before-call.dynamodb", self._count)

    def recorded_request(self, method: str, path: str, body: Any = None) -> tuple[str, dict[str, Any]]:
        """The DynamoDB operation and parameters the app sends for one call, as sent."""
        seen: list[tuple[str, dict[str, Any]]] = []

        def record(params: dict[str, Any], model: Any, **_: object) -> None:
            seen.append((model.name, json.loads(json.dumps(params))))

        client = self.client()
        client.meta.events.register("before-parameter-build.dynamodb", record)
        try:
            self.invoke(method, path, body=body)
        finally:
            client.meta.events.unregister("before-parameter-build.dynamodb", record)
        if len(seen) != 1:
            raise click.ClickException(f"{method} {path} sent {len(seen)} DynamoDB requests, not 1")
        return seen[0]

    def list_all(self, query: Mapping[str, str] | None = None) -> tuple[int, int]:
        """Follow ``Link`` headers from ``GET /todos`` to the end: (todos, pages)."""
        total = pages = 0
        current = dict(query or {})
        while True:
            response = self.invoke("GET", "/todos", query=current)
            total += len(json.loads(response["body"]))
            pages += 1
            link = (response.get("headers") or {}).get("Link") or (response.get("multiValueHeaders") or {}).get(
                "Link", [None]
            )[0]
            if not link:
                return total, pages
            target = link[1 : link.index(">")]
            current = dict(part.split("=", 1) for part in target.split("?", 1)[1].split("&"))


def claims(sub: str) -> dict[str, str]:
    """The verified ID token's claims, as API Gateway's Cognito authorizer passes them on."""
    return {"sub": sub, "token_use": "id", "email": "bench@example.com"}


def _client_call(client: Client, operation: str) -> Callable[..., Any]:
    method: Callable[..., Any] = getattr(client, _snake(operation))
    return method


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def paired_rates(first: Operation, second: Operation, calls: int) -> tuple[float, float]:
    """Throughput of two operations measured call by call in turn, so drift hits both alike."""
    spent = [0.0, 0.0]
    clock = time.perf_counter
    for index in range(calls):
        # Alternate which side goes first, so neither always follows the other's work.
        order = ((0, first), (1, second)) if index % 2 == 0 else ((1, second), (0, first))
        for side, operation in order:
            started = clock()
            operation(index)
            spent[side] += clock() - started
    return calls / spent[0], calls / spent[1]


def warm_figures(handler: Handler, bare: Client, ids: list[str], calls: int, rounds: int) -> None:
    n = len(ids)
    put_body = {"title": "更新"}
    results = {}
    for name, method, body in (("GET /todos/{id}", "GET", None), ("PUT /todos/{id}", "PUT", put_body)):
        operation, params = handler.recorded_request(method, f"/todos/{ids[0]}", body)
        bare_call = _client_call(bare, operation)

        # Lambda is handed its event ready-made, so building the events is left out of the timed calls.
        events = [handler.event(method, f"/todos/{todo_id}", body=body) for todo_id in ids]

        def through_handler(i: int, events: list[dict[str, Any]] = events) -> object:
            return handler.call(events[i % n])

        def bare_boto3(i: int, params: dict[str, Any] = params, call: Callable[..., Any] = bare_call) -> object:
            # The same request the handler sends, so the ratio is the handler's own overhead.
            return call(**{**params, "Key": {**params["Key"], "id": {"S": ids[i % n]}}})

        paired_rates(through_handler, bare_boto3, 50)  # warm connections and code paths
        ratios, handler_rates, bare_rates = [], [], []
        for _ in range(rounds):
            h, b = paired_rates(through_handler, bare_boto3, calls)
            handler_rates.append(h)
            bare_rates.append(b)
            ratios.append(h / b)
        results[name] = (statistics.median(handler_rates), statistics.median(bare_rates), statistics.median(ratios))
    click.echo(f"{'operation':<18}{'handler/s':>12}{'boto3/s':>12}{'ratio':>8}  goal >= 0.9")
    for name, (h, b, ratio) in results.items():
        verdict = "ok" if ratio >= 0.9 else "BELOW GOAL"
        click.echo(f"{name:<18}{h:>12.0f}{b:>12.0f}{ratio:>8.2f}  {verdict}")


def requests_per_call(handler: Handler, todo_id: str) -> None:
    counts = {}
    with handler.counting():
        new = {"title": "数える", "memo": "", "priority": 1}
        created = json.loads(handler.invoke("POST", "/todos", body=new)["body"])
        for label, method, path, body in (
            ("GET", "GET", f"/todos/{todo_id}", None),
            ("POST", "POST", "/todos", new),
            ("PUT", "PUT", f"/todos/{todo_id}", {"completed": True}),
            ("DELETE", "DELETE", f"/todos/{created['id']}", None),
        ):
            before = handler.requests
            handler.invoke(method, path, body=body)
            counts[label] = handler.requests - before
    click.echo("DynamoDB requests per API call: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# --------------------------------------------------------------------------- cold start


# Each side is one fresh interpreter; it prints one line and leaves at once,
# since a cold start ends with the first answer, not with the interpreter's teardown.
COLD_HANDLER = r"""
import json, os, sys
sys.path[:0] = sys.argv[1:3]
import app
class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    def get_remaining_time_in_millis(self):
        return 10000
response = app.app(json.loads(sys.argv[3]), Context())
print(response["statusCode"], json.loads(response["body"]).get("id"), flush=True)
os._exit(0)
"""
COLD_BARE = r"""
import json, os, sys
sys.path[:0] = sys.argv[1:3]
import boto3
client = boto3.client("dynamodb", endpoint_url=os.environ["DB_ENDPOINT"])
item = client.get_item(**json.loads(sys.argv[3])).get("Item")
print(200 if item else 404, item and item["id"]["S"], flush=True)
os._exit(0)
"""


def runtime_folder(target: Path) -> Path:
    """A folder holding only boto3 and what it needs, like the Lambda runtime's (links to the installed files)."""
    target.mkdir(parents=True, exist_ok=True)
    pending, seen = list(RUNTIME_DISTRIBUTIONS), set()
    while pending:
        dist = metadata.distribution(pending.pop())
        name = dist.metadata["Name"].lower()
        if name in seen:
            continue
        seen.add(name)
        for file in dist.files or ():
            top = file.parts[0]
            if top.endswith((".dist-info", ".data")) or top in ("..", "__pycache__") or (target / top).exists():
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists():
                (target / top).symlink_to(source)
        for requirement in map(Requirement, dist.requires or ()):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return target


def cold_start(app: Any, endpoint: str, pairs: int, echo: Callable[[str], None] = click.echo) -> float:
    """Median ratio of paired cold starts: the packaged handler over bare boto3."""
    client = engine_client(endpoint)
    table = f"cold-{uuid.uuid4().hex[:8]}"
    keys = create_table(client, table)
    item = todo_item(CALLER, 1)
    client.put_item(TableName=table, Item=item)
    with tempfile.TemporaryDirectory(prefix="hobopy-cold-") as scratch_name:
        scratch = Path(scratch_name)
        _, archive = package.package("prod", scratch / "dist", echo=lambda _message: None)
        task = scratch / "task"
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(task)
        runtime = runtime_folder(scratch / "runtime")
        # What Lambda gives the function: its settings, credentials, region and name.
        env = {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "DB_TABLE_NAME": table,
            "DB_ENDPOINT": endpoint,
            "LANG": "C.UTF-8",
        }
        todo_id = item["id"]["S"]
        event = localgateway.proxy_event(app, "GET", f"/todos/{todo_id}", claims=claims(CALLER))
        get_item = {"TableName": table, "Key": {name: item[name] for name in keys}, "ConsistentRead": True}

        def run(code: str, argument: dict[str, Any]) -> tuple[float, float]:
            # -I -S: no site-packages, no user environment; -B: /var/task is
            # read-only in Lambda, so no bytecode is written between runs.
            command = [sys.executable, "-I", "-S", "-B", "-c", code, str(task), str(runtime), json.dumps(argument)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            spent = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode != 0 or result.stdout.split() != ["200", todo_id]:
                raise click.ClickException(f"cold start run failed:\n{result.stdout}{result.stderr}")
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            return spent, cpu

        sides = (("handler", COLD_HANDLER, event), ("bare", COLD_BARE, get_item))
        for _name, code, argument in sides:
            run(code, argument)  # the first run pays for the file cache, on both sides
        times: dict[str, list[float]] = {"handler": [], "bare": []}
        cpu: dict[str, list[float]] = {"handler": [], "bare": []}
        for index in range(pairs):
            for name, code, argument in sides if index % 2 == 0 else sides[::-1]:
                wall, used = run(code, argument)
                times[name].append(wall)
                cpu[name].append(used)
    ratio = statistics.median(h / b for h, b in zip(times["handler"], times["bare"], strict=True))
    # CPU time is the steadier figure on a busy machine, where waiting for a core inflates the clock.
    cpu_ratio = statistics.median(h / b for h, b in zip(cpu["handler"], cpu["bare"], strict=True))
    verdict = "ok" if ratio <= 1.1 else "ABOVE GOAL"
    echo(
        f"cold start, GET /todos/{{id}} in a fresh interpreter ({pairs} pairs in turn): packaged handler "
        f"{statistics.median(times['handler']) * 1000:.0f} ms, "
        f"bare boto3 {statistics.median(times['bare']) * 1000:.0f} ms, "
        f"ratio {ratio:.2f} (median of pairs; goal <= 1.1) {verdict}; CPU time ratio {cpu_ratio:.2f}"
    )
    return ratio


# --------------------------------------------------------------------------- kept-alive connections


def _wait_for_http(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"{what} ended ({supervise.exit_reason(process)}) before it answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise click.ClickException(f"{what} did not answer within {timeout:.0f} s")


@contextmanager
def api_server(kind: str, endpoint: str, port: int) -> Iterator[str]:
    """The stack's local API server (``ours``) or plain ``chalice local`` on ``port``; yields its URL."""
    env = {
        **os.environ,
        "HOBOPY_DB_ENDPOINT": endpoint,
        # The dev stage's demo owner: a request without a token reads the demo list.
        "ANONYMOUS_OWNER": "demo",
    }
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "DB_ENDPOINT", "HOBOPY_AUTH_ENDPOINT"):
        env.pop(name, None)
    if kind == "ours":
        command = [sys.executable, "-m", "devtools.localapi", "--stage", "dev", "--host", "127.0.0.1"]
        command += ["--port", str(port)]
        cwd = ROOT
    else:
        command = [str(Path(sys.executable).with_name("chalice")), "local", "--stage", "dev", "--no-autoreload"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        cwd = BACKEND
    log = tempfile.NamedTemporaryFile(prefix=f"hobopy-bench-{kind}-", suffix=".log", delete=False)  # noqa: SIM115
    log.close()
    process = supervise.spawn(command, log_path=Path(log.name), env=env, cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(f"{url}/openapi.json", process, "the API server")
        yield url
    except click.ClickException as exc:
        raise click.ClickException(f"{exc.message}\n{Path(log.name).read_text(errors='replace')}") from None
    finally:
        supervise.stop(process)
        Path(log.name).unlink(missing_ok=True)


def kept_alive(endpoint: str, rounds: int) -> float:
    """Median ms of GET /todos/{id} kept-alive and new, for our server and plain chalice local; ours' ratio."""
    client = engine_client(endpoint)
    # The name the dev stage's configuration gives (the engine is this run's own).
    table = "Todos"
    create_table(client, table)
    item = todo_item("demo", 1)
    client.put_item(TableName=table, Item=item)
    path = f"/todos/{item['id']['S']}"
    click.echo(f"GET /todos/{{id}}, median of {rounds}:   kept-alive        new   ratio")
    ours = 0.0
    for kind, label in (("ours", "hobopy run's API server"), ("chalice", "plain chalice local")):
        with api_server(kind, endpoint, supervise.free_port()) as url:
            kept, fresh = localapi.keepalive_medians(url + path, rounds)
        ratio = kept / fresh
        verdict = ("ok" if ratio <= 1.5 else "ABOVE GOAL") + " (goal <= 1.5)" if kind == "ours" else "(for comparison)"
        click.echo(f"  {label:<30}{kept:>8.1f} ms{fresh:>8.1f} ms{ratio:>8.2f}  {verdict}")
        if kind == "ours":
            ours = ratio
    return ours


# --------------------------------------------------------------------------- owner isolation


def isolation(handler: Handler, endpoint: str, others: int, own: int, rounds: int) -> float:
    """List the caller's ``own`` todos beside ``others`` todos of other owners, and alone; the median ratio."""
    client = engine_client(endpoint)
    crowded, alone = f"crowded-{uuid.uuid4().hex[:8]}", f"alone-{uuid.uuid4().hex[:8]}"
    for table in (crowded, alone):
        create_table(client, table)
    mine = [todo_item(CALLER, n) for n in range(own)]
    per_owner = 100
    strangers = [todo_item(f"other-{n // per_owner:06d}", n) for n in range(others)]
    started = time.perf_counter()
    load_items(client, crowded, strangers + mine)
    load_items(client, alone, mine)
    click.echo(
        f"owner isolation: loaded {others:,} todos of {max(1, others // per_owner):,} other owners and "
        f"{own} of the caller's in {time.perf_counter() - started:.1f} s (batch writes, 8 at a time)"
    )
    for table in (crowded, alone):
        handler.use_table(table)
        total, _ = handler.list_all()
        if total != own:
            raise click.ClickException(f"the caller's list in {table} has {total} todos, not {own}")
    spent: dict[str, list[float]] = {crowded: [], alone: []}
    for index in range(rounds):
        for table in (crowded, alone) if index % 2 == 0 else (alone, crowded):
            handler.use_table(table)
            began = time.perf_counter()
            handler.list_all()
            spent[table].append(time.perf_counter() - began)
    handler.use_table(crowded)
    with handler.counting():
        before = handler.requests
        _, pages = handler.list_all()
        per_page = (handler.requests - before) / pages
    ratio = statistics.median(c / a for c, a in zip(spent[crowded], spent[alone], strict=True))
    verdict = "ok" if ratio <= 1.2 else "ABOVE GOAL"
    click.echo(
        f"listing the caller's {own} todos (median of {rounds} in turn): beside {others:,} others' "
        f"{statistics.median(spent[crowded]) * 1000:.1f} ms, alone {statistics.median(spent[alone]) * 1000:.1f} ms, "
        f"ratio {ratio:.2f} (goal <= 1.2) {verdict}; DynamoDB requests per page: {per_page:g}"
    )
    return ratio


# --------------------------------------------------------------------------- the command


@click.command()
@click.option("--calls", default=300, show_default=True, help="Warm calls per side per round.")
@click.option("--rounds", default=5, show_default=True, help="Warm rounds (the median is reported).")
@click.option("--list-size", default=10000, show_default=True, help="Todos for the listing figure.")
@click.option("--cold-pairs", default=21, show_default=True, help="Paired cold starts (0 skips them).")
@click.option("--keepalive-rounds", default=30, show_default=True, help="Requests per connection kind (0 skips).")
@click.option(
    "--other-owners-todos",
    "others",
    default=100_000,
    show_default=True,
    help="Other owners' todos in the crowded table of the isolation figure (0 skips it).",
)
@click.option("--own-todos", "own", default=100, show_default=True, help="The caller's todos in both tables.")
@click.option("--isolation-rounds", default=60, show_default=True, help="Paired listings for the isolation figure.")
def main(
    calls: int,
    rounds: int,
    list_size: int,
    cold_pairs: int,
    keepalive_rounds: int,
    others: int,
    own: int,
    isolation_rounds: int,
) -> None:
    """Measure the API against bare boto3, its cold start, kept-alive connections and owner isolation.

    Example: python -m devtools.bench --calls 500 --rounds 7 --other-owners-todos 20000
    """
    with private_engine() as endpoint:
        bare = engine_client(endpoint)
        table = f"bench-{uuid.uuid4().hex[:8]}"
        create_table(bare, table)
        handler = Handler(endpoint, table)
        seeded = [todo_item(CALLER, n) for n in range(200)]
        load_items(bare, table, seeded)
        ids = [item["id"]["S"] for item in seeded]
        click.echo(f"engine: dynalite (in memory) at {endpoint}; the caller signed in through the authorizer's claims")
        click.echo(f"warm: {calls} calls per side, interleaved, x {rounds} rounds; bare boto3 sends the same request")
        warm_figures(handler, bare, ids, calls, rounds)
        requests_per_call(handler, ids[0])
        load_items(bare, table, [todo_item(CALLER, n) for n in range(max(0, list_size - 200 - 1))])
        started = time.perf_counter()
        total, pages = handler.list_all()
        seconds = time.perf_counter() - started
        click.echo(
            f"listing {total} todos through pagination: {seconds:.2f} s in {pages} pages "
            f"({total / seconds:.0f} todos/s)"
        )
        if cold_pairs:
            cold_start(handler.app, endpoint, cold_pairs)
        if keepalive_rounds:
            kept_alive(endpoint, keepalive_rounds)
        if others:
            isolation(handler, endpoint, others, own, isolation_rounds)


if __name__ == "__main__":
    main()
