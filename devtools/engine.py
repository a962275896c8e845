"""The local DynamoDB-compatible engine: dynalite (Node.js), or moto's server without it."""

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.storage import dynamodb_client
from devtools import settings
from devtools.supervise import Process, free_port, spawn, stop, wait_until

DYNALITE_CLI = settings.ROOT / "node_modules" / "dynalite" / "cli.js"
# dynalite behind our door: same options as its cli, and it refuses foreign Hosts and browser requests.
DYNALITE_SERVER = settings.ROOT / "devtools" / "dynalite_server.js"


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
    """Start moto's server on ``port`` (in memory: data is lost when it stops)."""
    return spawn([str(Path(sys.executable).with_name("moto_server")), "-H", settings.HOST, "-p", str(port)], log_path)


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
