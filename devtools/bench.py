"""``make bench``: the API handler, invoked the way Lambda invokes it, against bare boto3.

Both sides run in this one process against the same local engine, call by
call in turn, so the machine's noise falls on both alike. Printed:
throughput of ``GET /todos/{id}`` and ``PUT /todos/{id}`` through the handler
divided by bare ``get_item``/``update_item`` throughput (goal: at least 0.9),
DynamoDB requests per API call, and the time to list 10,000 todos by
following ``Link`` headers.
"""
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import boto3
import click

from devtools import apigw, db, engine

ROOT = Path(__file__).resolve().parent.parent


def _rates(first, second, calls):
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


class Bench:
    def __init__(self, endpoint, table):
        self.endpoint, self.table = endpoint, table
        os.environ["DB_ENDPOINT"] = endpoint
        os.environ["DB_TABLE_NAME"] = table
        os.environ.pop("HOBOPY_DB_ENDPOINT", None)
        sys.path.insert(0, str(ROOT / "backend"))
        from app import app
        from chalicelib import storage

        self.app = app
        self.context = apigw.LambdaContext()
        self.api_requests = 0
        self.api_client = storage.dynamodb_client(endpoint)
        self.bare = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                                 aws_access_key_id="local", aws_secret_access_key="local")

    def _count(self, **_):
        self.api_requests += 1

    def invoke(self, method, path, body=None, query=None):
        response = self.app(apigw.proxy_event(method, path, body=body, query=query), self.context)
        if response["statusCode"] >= 300:
            raise RuntimeError(f"{method} {path} answered {response['statusCode']}: {response['body']}")
        return response

    def seed(self, count):
        stamp = "2026-01-01T00:00:00.000Z"
        requests = [{"PutRequest": {"Item": {
            "id": {"S": uuid.uuid4().hex}, "title": {"S": f"やること {n}"}, "memo": {"S": "メモ"},
            "priority": {"N": str(n % 5 + 1)}, "completed": {"BOOL": n % 3 == 0},
            "createdAt": {"S": stamp}, "updatedAt": {"S": stamp}, "version": {"N": "1"}}}}
            for n in range(count)]
        db.write_batches(self.bare, self.table, requests)
        return [r["PutRequest"]["Item"]["id"]["S"] for r in requests]

    def compare(self, ids, calls, rounds):
        n = len(ids)
        handler_get = lambda i: self.invoke("GET", f"/todos/{ids[i % n]}")  # noqa: E731
        bare_get = lambda i: self.bare.get_item(  # noqa: E731
            TableName=self.table, Key={"id": {"S": ids[i % n]}}, ConsistentRead=True)
        handler_put = lambda i: self.invoke("PUT", f"/todos/{ids[i % n]}", body={"title": f"更新 {i}"})  # noqa: E731

        def bare_put(i):
            # The same request the handler sends, so the ratio is the handler's own overhead.
            self.bare.update_item(
                TableName=self.table, Key={"id": {"S": ids[i % n]}},
                UpdateExpression="SET #f0 = :v0, #f1 = :v1 ADD #version :one",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#f0": "title", "#f1": "updatedAt", "#version": "version"},
                ExpressionAttributeValues={":v0": {"S": f"更新 {i}"}, ":v1": {"S": "2026-01-01T00:00:00.000Z"},
                                           ":one": {"N": "1"}},
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")

        results = {}
        for name, handler, bare in (("GET /todos/{id}", handler_get, bare_get),
                                    ("PUT /todos/{id}", handler_put, bare_put)):
            _rates(handler, bare, 50)  # warm connections and code paths
            ratios, handler_rates, bare_rates = [], [], []
            for _ in range(rounds):
                h, b = _rates(handler, bare, calls)
                handler_rates.append(h)
                bare_rates.append(b)
                ratios.append(h / b)
            results[name] = (statistics.median(handler_rates), statistics.median(bare_rates),
                             statistics.median(ratios))
        return results

    def requests_per_call(self, ids):
        counts = {}
        # Counted only here, so the counting hook does not slow the timed rounds.
        self.api_client.meta.events.register("before-call.dynamodb", self._count)
        created = json.loads(self.invoke("POST", "/todos", body={"title": "数える", "memo": "", "priority": 1})["body"])
        for label, method, path, body in (
            ("GET", "GET", f"/todos/{ids[0]}", None),
            ("POST", "POST", "/todos", {"title": "数える", "memo": "", "priority": 1}),
            ("PUT", "PUT", f"/todos/{ids[0]}", {"completed": True}),
            ("DELETE", "DELETE", f"/todos/{created['id']}", None),
        ):
            before = self.api_requests
            self.invoke(method, path, body=body)
            counts[label] = self.api_requests - before
        self.api_client.meta.events.unregister("before-call.dynamodb", self._count)
        return counts

    def list_all(self):
        """Follow Link headers from GET /todos to the end: (seconds, todos, pages)."""
        started = time.perf_counter()
        query, total, pages = None, 0, 0
        while True:
            response = self.invoke("GET", "/todos", query=query)
            total += len(json.loads(response["body"]))
            pages += 1
            link = response["headers"].get("Link")
            if not link:
                return time.perf_counter() - started, total, pages
            target = link[1:link.index(">")]
            query = dict(part.split("=", 1) for part in target.split("?", 1)[1].split("&"))


@click.command()
@click.option("--calls", default=300, show_default=True, help="Calls per side per round.")
@click.option("--rounds", default=5, show_default=True, help="Rounds (the median is reported).")
@click.option("--list-size", default=10000, show_default=True, help="Todos for the listing figure.")
def main(calls, rounds, list_size):
    """Measure the handler against bare boto3 on a private dynalite engine.

    Example: python -m devtools.bench --calls 500 --rounds 7
    """
    if not engine.node_available():
        raise click.ClickException("dynalite is not installed: run `make install`.")
    port = engine.free_port()
    process = engine.start_dynalite(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        engine.wait_until_serving(endpoint, process)
        table = f"bench-{uuid.uuid4().hex[:8]}"
        db.ensure_table(db.client(endpoint), db.load_schema(table_name=table))
        bench = Bench(endpoint, table)
        ids = bench.seed(200)
        click.echo(f"engine: dynalite (in memory) at {endpoint}; {calls} calls per side, interleaved, x {rounds} rounds")
        click.echo("bare boto3 sends the same DynamoDB request as the handler, on a default client")
        click.echo(f"{'operation':<18}{'handler/s':>12}{'boto3/s':>12}{'ratio':>8}  goal >= 0.9")
        for name, (handler, bare, ratio) in bench.compare(ids, calls, rounds).items():
            verdict = "ok" if ratio >= 0.9 else "BELOW GOAL"
            click.echo(f"{name:<18}{handler:>12.0f}{bare:>12.0f}{ratio:>8.2f}  {verdict}")
        counts = bench.requests_per_call(ids)
        click.echo("DynamoDB requests per API call: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        bench.seed(list_size - 200 - 1)  # 200 seeded + 1 left by requests_per_call
        seconds, total, pages = bench.list_all()
        click.echo(f"listing {total} todos through pagination: {seconds:.2f} s in {pages} pages "
                   f"({total / seconds:.0f} todos/s)")
    finally:
        engine.stop(process)


if __name__ == "__main__":
    main()
