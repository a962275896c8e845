"""``make bench``: the API measured the way it runs, against bare boto3 and against itself, on a private dynalite.

Each figure is printed with its goal: warm calls through the handler (API Gateway proxy events into ``app``) against
bare boto3 sending the same DynamoDB request; a warm call writing its record and metrics against the same call
without them; the DynamoDB requests per call and per page; the packaged handler's cold start (Powertools on the path
as its layer puts it) against bare boto3's; kept-alive against new connections, on our API server and on plain
``chalice local``; one owner's list beside many other owners' todos, and alone; the nesting check on hostile
bodies, the former pattern beside it. docs/performance.md tells what each one means.
"""

import importlib.util
import itertools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import click
from botocore import xform_name
from packaging.requirements import Requirement

from chalicelib import settings as function_settings
from chalicelib.http import nesting_depth
from chalicelib.settings import DB_ENDPOINT, LOCAL_STAGE_VARIABLES, RUNTIME_API, STACK_DB_ENDPOINT
from devtools import settings
from devtools.db import datafiles, tables
from devtools.deploy import package
from devtools.local import api, engine, gateway, supervise

# The signed-in caller of the handler runs: the claims API Gateway's authorizer passes on.
CALLER = "0d5e7c1a-bench-4c1e-9a53-caller000001"
CLAIMS = {"sub": CALLER, "token_use": "id", "email": "bench@example.com"}
FUNCTION_NAME = "hobopy-prod"
# What Lambda sets for every function besides its own variables: its region, its name, where its Runtime API
# answers, and the X-Ray trace header of the invocation being served (one stands for each here).
LAMBDA_ENVIRONMENT = {
    RUNTIME_API: "127.0.0.1:9001",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
    "_X_AMZN_TRACE_ID": "Root=1-67a0c1d2-5f3e9b2a7c4d8e1f0a6b3c5d;Parent=3f9a1c7e5b2d4a60;Sampled=0",
}

Item = dict[str, Any]


def todo_item(owner: str, number: int) -> Item:
    """A stored todo of ``owner`` as big as a typical one."""
    stamp = {"S": "2026-01-01T00:00:00.000Z"}
    return {
        "owner": {"S": owner},
        "id": {"S": uuid.uuid4().hex},
        "title": {"S": f"やること {number}"},
        "memo": {"S": "牛乳と卵を買って、帰りに郵便局へ寄る"},
        "priority": {"N": str(number % 5 + 1)},
        "completed": {"BOOL": number % 3 == 0},
        "createdAt": stamp,
        "updatedAt": stamp,
        "version": {"N": "1"},
    }


def fill_table(client: Any, table: str, items: list[Item]) -> None:
    """Create ``table`` (db/schema.json's key) unless it exists; write ``items`` in batch writes, 8 chunks at a time."""
    tables.ensure_table(client, datafiles.load_schema(table_name=table))
    puts = [{"PutRequest": {"Item": item}} for item in items]
    chunks = [puts[n : n + 500] for n in range(0, len(puts), 500)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(partial(tables.write_batches, client, table), chunks))


def in_turn(first: Callable[[], object], second: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Seconds of each of ``count`` calls of two operations in turn, so drift on the machine hits both alike."""
    spent: tuple[list[float], list[float]] = ([], [])
    for index in range(count):
        # Alternate which side goes first, so neither always follows the other's work.
        for side in (0, 1) if index % 2 == 0 else (1, 0):
            started = time.perf_counter()
            (first, second)[side]()
            spent[side].append(time.perf_counter() - started)
    return spent


def median_ratio(numerators: list[float], denominators: list[float]) -> float:
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def verdict(met: bool) -> str:
    return "ok" if met else "ABOVE GOAL"


class Handler:
    """The app imported in this process and called with API Gateway proxy events, as in Lambda."""

    def __init__(self, endpoint: str, table: str, log: IO[str]) -> None:
        # Deployed, the caller comes from the authorizer's claims, which the
        # app trusts only inside Lambda; no local identity provider is named.
        for name in LOCAL_STAGE_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(LAMBDA_ENVIRONMENT, DB_ENDPOINT=endpoint, DB_TABLE_NAME=table)
        # As in Lambda, the app keeps what it reads of its environment from now on.
        function_settings.forget()
        sys.path.insert(0, str(settings.BACKEND))
        from app import app, observed
        from chalicelib import observability, storage

        # The records and metrics Lambda would send to CloudWatch Logs go to a file, not among the figures.
        observability.output.target = log
        self.app, self.observed = app, observed
        self.context = gateway.lambda_context(FUNCTION_NAME)
        # The app's own client: one per engine, whichever the table.
        self.client = storage.repository_from_environment().client

    def event(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
        return gateway.proxy_event(self.app, method, path, body=body, query=query, claims=CLAIMS)

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.app(event, self.context)
        if response["statusCode"] >= 300:
            status, body = response["statusCode"], response["body"]
            raise click.ClickException(f"{event['httpMethod']} {event['path']} answered {status}: {body}")
        return response

    def invoke(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
        return self.call(self.event(method, path, body, query))

    @contextmanager
    def recording(self) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        """The DynamoDB requests (operation, parameters) the app sends inside the block (kept out of timed calls)."""
        sent: list[tuple[str, dict[str, Any]]] = []

        def record(params: dict[str, Any], model: Any, **_: object) -> None:
            sent.append((model.name, json.loads(json.dumps(params))))

        self.client.meta.events.register("before-parameter-build.dynamodb", record)
        try:
            yield sent
        finally:
            self.client.meta.events.unregister("before-parameter-build.dynamodb", record)

    def list_all(self, table: str | None = None) -> tuple[int, int]:
        """Follow ``Link`` headers from ``GET /todos`` to the end, in ``table`` if named: (todos, pages)."""
        if table:
            # A function's table never changes in Lambda; the app is told to read it again.
            os.environ["DB_TABLE_NAME"] = table
            function_settings.forget()
        total = pages = 0
        query: dict[str, str] | None = {}
        while query is not None:
            response = self.invoke("GET", "/todos", query=query)
            total, pages = total + len(json.loads(response["body"])), pages + 1
            link = response["headers"].get("Link")
            query = dict(parse_qsl(urlsplit(link[1 : link.index(">")]).query)) if link else None
        return total, pages


def warm_row(handler: Handler, bare: Any, ids: list[str], method: str, body: Any, calls: int, rounds: int) -> None:
    with handler.recording() as sent:
        handler.invoke(method, f"/todos/{ids[0]}", body)
    if len(sent) != 1:
        raise click.ClickException(f"{method} /todos/{{id}} sent {len(sent)} DynamoDB requests, not 1")
    operation, params = sent[0]
    bare_call = getattr(bare, xform_name(operation))
    # Lambda is handed its event ready-made, so building the events (and keys) is left out of the timed calls.
    events = itertools.cycle([handler.event(method, f"/todos/{todo_id}", body) for todo_id in ids])
    keys = itertools.cycle([{**params["Key"], "id": {"S": todo_id}} for todo_id in ids])
    # Bare boto3 sends the same request the handler sends, so the ratio is the handler's own overhead.
    sides = (lambda: handler.call(next(events)), lambda: bare_call(**{**params, "Key": next(keys)}))
    in_turn(*sides, 50)  # warm connections and code paths
    rounds_spent = [in_turn(*sides, calls) for _ in range(rounds)]
    ratios = [sum(b) / sum(h) for h, b in rounds_spent]
    ratio = statistics.median(ratios)
    h, b = (statistics.median(calls / sum(spent) for spent in side) for side in zip(*rounds_spent, strict=True))
    met = "ok" if ratio >= 0.9 else "BELOW GOAL"
    # The rounds' own ratios show how far the machine moves the figure within this run.
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    click.echo(f"{method + ' /todos/{id}':<18}{h:>12.0f}{b:>12.0f}{ratio:>8.3f}{spread:>12}  {met}")


def observability_cost(handler: Handler, ids: list[str], calls: int, rounds: int) -> None:
    """A warm GET /todos/{id} writing its record and metrics against the same call without them, in turn.

    The figure is the median of the paired calls' ratios: one call stalled by the busy machine moves it little.
    The same call paired with itself shows how far from 1 the machine alone moves that figure in this run.
    """
    observed = list(handler.app.middleware_handlers)
    unobserved = [entry for entry in observed if entry[0] is not handler.observed]
    events = itertools.cycle([handler.event("GET", f"/todos/{todo_id}") for todo_id in ids])

    def call(middleware: list[Any]) -> None:
        handler.app.middleware_handlers = middleware
        handler.call(next(events))

    sides = (partial(call, observed), partial(call, unobserved))
    try:
        in_turn(*sides, 50)  # warm both paths
        with_them, without = in_turn(*sides, calls * rounds)
        itself = median_ratio(*in_turn(sides[1], sides[1], calls * rounds))
    finally:
        handler.app.middleware_handlers = observed
    ratio = median_ratio(with_them, without)
    extra_us = statistics.median(w - o for w, o in zip(with_them, without, strict=True)) * 1e6
    click.echo(
        f"record and metrics of a warm GET /todos/{{id}} ({calls * rounds} pairs in turn): "
        f"{statistics.median(with_them) * 1000:.2f} ms with, {statistics.median(without) * 1000:.2f} ms without, "
        f"{extra_us:+.0f} us a call, ratio {ratio:.3f} (median of pairs; goal <= 1.05) {verdict(ratio <= 1.05)}; "
        f"the call without them against itself: {itself:.3f}"
    )


def requests_per_call(handler: Handler, todo_id: str) -> None:
    """Counts the DynamoDB requests of each kind of call; the todo it creates takes the place of ``todo_id``."""
    new = {"title": "数える", "memo": "", "priority": 1}
    counts = []
    for method, body in (("GET", None), ("POST", new), ("PUT", {"completed": True}), ("DELETE", None)):
        with handler.recording() as sent:
            handler.invoke(method, "/todos" if method == "POST" else f"/todos/{todo_id}", body)
        counts.append(f"{method} {len(sent)}")
    click.echo("DynamoDB requests per API call: " + ", ".join(counts))


# One fresh interpreter per run, the packaged handler or bare boto3 doing the same GetItem; it prints one line and
# leaves at once, since a cold start ends with the first answer, not with the interpreter's teardown.
COLD_START = r"""
import json, os, sys, types
sys.path[:0] = sys.argv[1:4]
argument = json.loads(sys.argv[5])
if sys.argv[4] == "handler":
    import app
    context = types.SimpleNamespace(
        function_name=os.environ["AWS_LAMBDA_FUNCTION_NAME"], memory_limit_in_mb=256,
        aws_request_id="00000000-0000-0000-0000-000000000000", get_remaining_time_in_millis=lambda: 10000)
    response = app.app(argument, context)
    print(response["statusCode"], json.loads(response["body"]).get("id"), flush=True)
else:
    import boto3
    item = boto3.client("dynamodb", endpoint_url=os.environ["DB_ENDPOINT"]).get_item(**argument).get("Item")
    print(200 if item else 404, item and item["id"]["S"], flush=True)
os._exit(0)
"""


def runtime_folder(target: Path, *distributions: str) -> Path:
    """A folder holding only ``distributions`` (boto3 if none) and what they need, like the Lambda runtime's or a
    layer's (links to the installed files)."""
    target.mkdir(parents=True, exist_ok=True)
    pending, seen = list(distributions or ["boto3"]), set()
    while pending:
        dist = metadata.distribution(pending.pop())
        if dist.name.lower() in seen:
            continue
        seen.add(dist.name.lower())
        for top in {file.parts[0] for file in dist.files or ()}:
            source = Path(str(dist.locate_file(top)))
            skipped = top.endswith((".dist-info", ".data")) or top in ("..", "__pycache__")
            if not skipped and source.exists() and not (target / top).exists():
                (target / top).symlink_to(source)
                if top.endswith(".py"):
                    _link_bytecode(source, target)
        for requirement in map(Requirement, dist.requires or ()):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return target


def _link_bytecode(module: Path, target: Path) -> None:
    # A single-module distribution (six, typing_extensions) keeps its bytecode in the folder's shared __pycache__.
    cached = Path(importlib.util.cache_from_source(str(module)))
    if cached.exists():
        (target / "__pycache__").mkdir(exist_ok=True)
        (target / "__pycache__" / cached.name).symlink_to(cached)


def layer_folder(target: Path) -> Path:
    """What AWS's Powertools layer puts on the function's path (/opt/python): Powertools and what it needs."""
    return runtime_folder(target, "aws-lambda-powertools")


def cold_start(app: Any, bare: Any, table: str, item: Item, pairs: int, scratch: Path) -> None:
    """Paired cold starts reading ``item``, the packaged handler against bare boto3, in wall-clock and CPU time."""
    todo_id = item["id"]["S"]
    arguments = {
        "handler": gateway.proxy_event(app, "GET", f"/todos/{todo_id}", claims=CLAIMS),
        "bare": {"TableName": table, "Key": {"owner": item["owner"], "id": item["id"]}, "ConsistentRead": True},
    }
    # What Lambda gives the function: its settings, credentials, region, name and trace.
    env = {**LAMBDA_ENVIRONMENT, "LANG": "C.UTF-8", "DB_TABLE_NAME": table, "DB_ENDPOINT": bare.meta.endpoint_url}
    env |= {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}
    _, archive = package.package("prod", scratch / "dist", echo=lambda _message: None)
    shutil.unpack_archive(archive, scratch / "task")
    # Lambda's order: the function's code, then its layers, then the runtime's own packages.
    folders = [str(scratch / "task"), str(layer_folder(scratch / "layer")), str(runtime_folder(scratch / "runtime"))]
    cpu: dict[str, list[float]] = {"handler": [], "bare": []}

    def run(side: str) -> None:
        # -I -S: no site-packages, no user environment; -B: /var/task is
        # read-only in Lambda, so no bytecode is written between runs.
        command = [sys.executable, "-I", "-S", "-B", "-c", COLD_START, *folders, side, json.dumps(arguments[side])]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # The handler's record and metrics come first; the run's answer is the last line.
        if result.returncode != 0 or result.stdout.splitlines()[-1:] != [f"200 {todo_id}"]:
            raise click.ClickException(f"cold start run failed:\n{result.stdout}{result.stderr}")
        cpu[side].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)

    in_turn(partial(run, "handler"), partial(run, "bare"), 1)  # the first run pays for the file cache, on both sides
    handler, bare_side = in_turn(partial(run, "handler"), partial(run, "bare"), pairs)
    ratio = median_ratio(handler, bare_side)
    # CPU time is the steadier figure on a busy machine, where waiting for a core inflates the clock.
    cpu_ratio = median_ratio(cpu["handler"][1:], cpu["bare"][1:])
    click.echo(
        f"cold start, GET /todos/{{id}} in a fresh interpreter ({pairs} pairs in turn): packaged handler "
        f"{statistics.median(handler) * 1000:.0f} ms, bare boto3 {statistics.median(bare_side) * 1000:.0f} ms, "
        f"ratio {ratio:.2f} (median of pairs; goal <= 1.1) {verdict(ratio <= 1.1)}; CPU time ratio {cpu_ratio:.2f}"
    )


def kept_alive(bare: Any, rounds: int, scratch: Path) -> None:
    """Median ms of GET /todos/{id} kept-alive and new, for our server and plain chalice local (dev stage)."""
    # The dev stage's demo owner, whose list a request without a token reads, in the dev stage's table.
    item = todo_item(settings.demo_owner(), 1)
    fill_table(bare, "Todos", [item])
    # Not in Lambda: the servers name the engine as the local stack does.
    env = {name: value for name, value in os.environ.items() if name not in (*LAMBDA_ENVIRONMENT, DB_ENDPOINT)}
    env[STACK_DB_ENDPOINT] = bare.meta.endpoint_url
    chalice = str(Path(sys.executable).with_name("chalice"))
    servers = (
        ("hobopy run's API server", [sys.executable, "-m", "devtools.local.api", "--stage", "dev"], settings.ROOT, 1.5),
        ("plain chalice local", [chalice, "local", "--stage", "dev", "--no-autoreload"], settings.BACKEND, None),
    )
    click.echo(f"GET /todos/{{id}}, median of {rounds}:   kept-alive        new   ratio")
    for label, command, cwd, limit in servers:
        port = supervise.free_port()
        log, url = scratch / f"server-{port}.log", settings.url(port)
        process = supervise.spawn([*command, "--host", settings.HOST, "--port", str(port)], log, env, cwd)
        try:
            supervise.wait_until(supervise.answers_http(f"{url}/openapi.json"), process, "API server")
            kept, fresh = api.keepalive_medians(f"{url}/todos/{item['id']['S']}", rounds)
        except supervise.StartError as exc:
            raise click.ClickException(f"{exc}\n{log.read_text(errors='replace')}") from None
        finally:
            supervise.stop(process)
        goal = "(for comparison)" if limit is None else f"{verdict(kept / fresh <= limit)} (goal <= {limit})"
        click.echo(f"  {label:<30}{kept:>8.1f} ms{fresh:>8.1f} ms{kept / fresh:>8.2f}  {goal}")


def owner_isolation(handler: Handler, bare: Any, others: int, own: int, rounds: int) -> None:
    """The caller's ``own`` todos listed beside ``others`` todos of other owners (100 each), and alone."""
    crowded, alone = f"crowded-{uuid.uuid4().hex[:8]}", f"alone-{uuid.uuid4().hex[:8]}"
    mine = [todo_item(CALLER, n) for n in range(own)]
    started = time.perf_counter()
    fill_table(bare, crowded, [todo_item(f"other-{n // 100:06d}", n) for n in range(others)] + mine)
    fill_table(bare, alone, mine)
    click.echo(
        f"owner isolation: loaded {others:,} todos of {max(1, others // 100):,} other owners and "
        f"{own} of the caller's in {time.perf_counter() - started:.1f} s (batch writes, 8 at a time)"
    )
    for table in (alone, crowded):  # both lists checked, the requests for the crowded one counted
        with handler.recording() as sent:
            total, pages = handler.list_all(table)
        if total != own:
            raise click.ClickException(f"the caller's list in {table} has {total} todos, not {own}")
    beside, apart = in_turn(partial(handler.list_all, crowded), partial(handler.list_all, alone), rounds)
    ratio = median_ratio(beside, apart)
    click.echo(
        f"listing the caller's {own} todos (median of {rounds} in turn): beside {others:,} others' "
        f"{statistics.median(beside) * 1000:.1f} ms, alone {statistics.median(apart) * 1000:.1f} ms, "
        f"ratio {ratio:.2f} (goal <= 1.2) {verdict(ratio <= 1.2)}; DynamoDB requests per page: {len(sent) / pages:g}"
    )


def hostile_bodies(size: int) -> dict[str, bytes]:
    """Request bodies of ``size`` bytes shaped to make a body check work hard, by what they hold."""

    def filled(head: str, unit: str, tail: str = "") -> bytes:
        return (head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail).encode("utf-8")

    return {
        'an unterminated string of \\" escapes': filled('{"title":"', '\\"'),
        "an unterminated string of \\\\ escapes": filled('{"title":"', "\\\\"),
        "an unterminated string of brackets": filled('{"title":"', "["),
        "escaped quotes and brackets, unterminated": filled('{"title":"', '\\"[{'),
        "quotes only": filled("", '"'),
        "nested brackets": filled("", "["),
        "nested objects": filled("", '{"a":'),
        "brackets opened and closed": filled("[", "[]", "]"),
        "many short strings": filled("[", '"",', '""]'),
        "a long string of \\u escapes": filled('{"title":"', "\\u0041", '"}'),
        "strings, escapes and brackets mixed": filled("", '[{"a":"\\"[', '"'),
    }


# How the nesting of a body was measured before: a string needed its closing
# quote to match, so an unterminated one was rescanned from every quote in it.
_QUADRATIC_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def quadratic_nesting_depth(text: str) -> int:
    """The nesting depth as the former check found it, kept only to show what it cost."""
    depth = deepest = 0
    for match in _QUADRATIC_STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def seconds_of(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def hostile_body_times(size: int) -> None:
    """Seconds the nesting check takes on each hostile body of ``size`` bytes, the former pattern beside it."""
    click.echo(f"{f'nesting check on hostile {size // 1024} KB bodies':<46}{'former pattern':>15}{'now':>12}")
    worst = {"former": 0.0, "now": 0.0}
    for shape, body in hostile_bodies(size).items():
        text = body.decode("utf-8")
        former = seconds_of(partial(quadratic_nesting_depth, text))
        # Best of three for the check in use: its time is small enough for a scheduler's hiccup to show.
        now = min(seconds_of(partial(nesting_depth, text)) for _ in range(3))
        worst = {"former": max(worst["former"], former), "now": max(worst["now"], now)}
        click.echo(f"  {shape:<44}{former * 1000:>12.1f} ms{now * 1000:>9.2f} ms")
    click.echo(
        f"worst case for a hostile {size // 1024} KB body: former pattern {worst['former']:.2f} s, "
        f"now {worst['now'] * 1000:.2f} ms"
    )


@click.command(context_settings={"show_default": True})
@click.option("--calls", default=300, help="Warm calls per side per round.")
@click.option("--rounds", default=5, help="Warm rounds (the median is reported).")
@click.option("--list-size", default=10000, help="Todos for the listing figure.")
@click.option("--cold-pairs", default=21, help="Paired cold starts (0 skips them).")
@click.option("--keepalive-rounds", "keepalive", default=30, help="Requests per connection kind (0 skips).")
@click.option("--other-owners-todos", "others", default=100_000, help="Other owners' todos (0 skips isolation).")
@click.option("--own-todos", "own", default=100, help="The caller's todos in both tables.")
@click.option("--isolation-rounds", "listings", default=60, help="Paired listings for the isolation figure.")
@click.option("--hostile-kib", "hostile", default=64, help="Size of the hostile bodies in KiB (0 skips them).")
def main(
    calls: int,
    rounds: int,
    list_size: int,
    cold_pairs: int,
    keepalive: int,
    others: int,
    own: int,
    listings: int,
    hostile: int,
) -> None:
    """Measure the API against bare boto3, its cold start, kept-alive connections and owner isolation.

    Example: python -m devtools.quality.bench --calls 500 --rounds 7 --other-owners-todos 20000
    """
    if not engine.node_available():
        raise click.ClickException("dynalite is not installed: run `make install`.")
    with (
        engine.private_dynalite() as endpoint,
        tempfile.TemporaryDirectory(prefix="hobopy-bench-") as scratch,
        open(Path(scratch, "handler.log"), "w", encoding="utf-8") as log,
    ):
        # A default boto3 client, what a plain script would build.
        bare = boto3.Session("local", "local", region_name="us-east-1").client("dynamodb", endpoint_url=endpoint)
        table, seeded = f"bench-{uuid.uuid4().hex[:8]}", [todo_item(CALLER, n) for n in range(200)]
        fill_table(bare, table, seeded)
        handler = Handler(endpoint, table, log)
        click.echo(f"engine: dynalite (in memory) at {endpoint}; the caller signed in through the authorizer's claims")
        click.echo(f"warm: {calls} calls per side, interleaved, x {rounds} rounds; bare boto3 sends the same request")
        click.echo(f"{'operation':<18}{'handler/s':>12}{'boto3/s':>12}{'ratio':>8}{'rounds':>12}  goal >= 0.9")
        ids = [item["id"]["S"] for item in seeded]
        for method, body in (("GET", None), ("PUT", {"title": "更新"})):
            warm_row(handler, bare, ids, method, body, calls, rounds)
        observability_cost(handler, ids, calls, rounds)
        requests_per_call(handler, ids[0])
        fill_table(bare, table, [todo_item(CALLER, n) for n in range(max(0, list_size - len(ids)))])
        started = time.perf_counter()
        total, pages = handler.list_all()
        seconds = time.perf_counter() - started
        rate = total / seconds
        click.echo(f"listing {total} todos through pagination: {seconds:.2f} s in {pages} pages ({rate:.0f} todos/s)")
        if cold_pairs:
            cold_start(handler.app, bare, table, seeded[-1], cold_pairs, Path(scratch))
        if keepalive:
            kept_alive(bare, keepalive, Path(scratch))
        if others:
            owner_isolation(handler, bare, others, own, listings)
        if hostile:
            hostile_body_times(hostile * 1024)


if __name__ == "__main__":
    main()
