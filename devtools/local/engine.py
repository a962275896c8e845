"""The local DynamoDB-compatible engine: dynalite (Node.js), or moto's server without it.

    python -m devtools.local.engine --host 127.0.0.1 --port 8001      # moto's server, for this machine's programs only

Both answer behind the same guard (see devtools/dynalite_server.js): a foreign ``Host`` (DNS rebinding), any
``Origin`` and any CORS preflight are refused, so no web page can read or change the tables.
"""

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.storage import dynamodb_client
from devtools import settings
from devtools.local.http import GuardedRequestHandler, LocalServer, serve_until_stopped, wsgi_answer
from devtools.local.supervise import Process, free_port, spawn, stop, wait_until

DYNALITE_CLI = settings.ROOT / "node_modules" / "dynalite" / "cli.js"
# dynalite behind our door: same options as its cli, and it refuses foreign Hosts and browser requests.
DYNALITE_SERVER = settings.ROOT / "devtools" / "local" / "dynalite_server.js"


def speaks_dynamodb(endpoint: str) -> bool:
    """Whether something at ``endpoint`` answers a DynamoDB ListTables request."""
    try:
        return "TableNames" in dynamodb_client(endpoint).list_tables(Limit=1)
    except ClientError as exc:
        # An engine refusing the request still answers like DynamoDB; another HTTP server's error is its status.
        return not exc.response["Error"]["Code"].isdigit()
    except BotoCoreError:
        return False


def node_available() -> bool:
    """Whether Node.js and the installed dynalite package are there."""
    return shutil.which("node") is not None and DYNALITE_CLI.exists()


def start_dynalite(port: int, data_dir: Path | None = None, log_path: Path | None = None) -> Process:
    """Start dynalite on ``port``, persisting to ``data_dir`` (in memory when None)."""
    args = ["node", str(DYNALITE_SERVER), "--host", settings.HOST, "--port", str(port)]
    if data_dir is not None:
        args += ["--path", str(settings.private_dir(Path(data_dir)))]
    return spawn([*args, "--createTableMs", "50", "--deleteTableMs", "50"], log_path)


def start_moto(port: int, log_path: Path | None = None) -> Process:
    """Start moto's server on ``port`` behind the guard (in memory: data is lost when it stops)."""
    command = [sys.executable, "-m", "devtools.local.engine", "--host", settings.HOST, "--port", str(port)]
    return spawn(command, log_path)


def wait_until_serving(endpoint: str, process: Process | None = None, timeout: float = 30.0) -> None:
    """Wait until ``endpoint`` answers DynamoDB requests; fail early if ``process`` exits."""
    wait_until(lambda: speaks_dynamodb(endpoint), process, f"engine at {endpoint}", timeout)


@contextmanager
def private_dynalite(log_path: Path | None = None) -> Iterator[str]:
    """A fresh in-memory dynalite on a free port for as long as the block runs; yields its endpoint."""
    process = start_dynalite(port := free_port(), log_path=log_path)
    try:
        wait_until_serving(settings.url(port), process)
        yield settings.url(port)
    finally:
        stop(process)


# DynamoDB's largest request (a BatchWriteItem of 25 items of 400 KB, with its JSON).
MAX_REQUEST = 16 * 1024 * 1024
# Headers of moto's answer that the door writes itself.
_OWN_HEADERS = {"content-length", "date", "server", "connection", "keep-alive", "transfer-encoding"}
log = logging.getLogger(__name__)


class EngineRequestHandler(GuardedRequestHandler):
    """moto's server behind the local servers' door (this machine's ``Host``, sizes, time); no web page."""

    server: "EngineServer"
    max_body = MAX_REQUEST

    def allowed_methods(self) -> list[str]:
        return ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]

    def dispatch(self) -> None:
        # SDKs and the aws CLI send neither an Origin nor a preflight: refusing both costs them nothing.
        if self.headers.get("Origin") is not None or self.command == "OPTIONS":
            self.deny("this engine does not answer web pages (Origin or CORS preflight).")
            return
        try:
            status, headers, body = wsgi_answer(
                self.server.app, self.command, self.path, self.headers.items(), self.body
            )
        except Exception:
            log.exception("moto failed on %s %s", self.command, self.path)
            self.refuse(500, "the engine failed on this request.")
            return
        self.send_answer(status, [(name, value) for name, value in headers if name.lower() not in _OWN_HEADERS], body)

    def deny(self, message: str) -> None:
        """403 in DynamoDB's shape, as dynalite's guard answers."""
        body = {"__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException", "message": message}
        self.send_answer(403, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(body).encode())


class EngineServer(LocalServer):
    """A threaded server for moto's whole app (not started)."""

    def __init__(self, address: tuple[str, int]) -> None:
        # Read when moto is imported: none of its own CORS answers, which would let every origin in.
        os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.app = DomainDispatcherApplication(create_backend_app)
        # moto builds each service's app at its first request: DynamoDB's now, so that one is answered in time.
        self.app.app_instances["dynamodb"] = create_backend_app("dynamodb")
        super().__init__(address, EngineRequestHandler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.local.engine", description="moto's server, guarded.")
    parser.add_argument("--host", default=settings.HOST)
    parser.add_argument("--port", type=int, default=settings.DB_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    try:
        server = EngineServer((args.host, args.port))
    except OSError as exc:
        parser.exit(1, f"engine: cannot listen on {args.host}:{args.port}: {exc.strerror}\n")
    print(f"moto's server at http://{args.host}:{server.server_port} (this machine's programs only)", flush=True)
    serve_until_stopped(server)


if __name__ == "__main__":
    main()
