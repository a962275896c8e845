"""The local DynamoDB-compatible engine: dynalite (Node.js), or moto's server without it."""

import json
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools import settings
from devtools.supervise import Process, free_port, spawn, stop, wait_until

DYNALITE_CLI = settings.ROOT / "node_modules" / "dynalite" / "cli.js"
# dynalite behind our door: same options as its cli, and it refuses foreign Hosts and browser requests.
DYNALITE_SERVER = settings.ROOT / "devtools" / "dynalite_server.js"


def speaks_dynamodb(endpoint: str, timeout: float = 1.0) -> bool:
    """Whether something at ``endpoint`` answers a DynamoDB ListTables request."""
    request = urllib.request.Request(
        endpoint,
        data=b"{}",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            # Engines check that a request is signed, not the signature.
            "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20000101/{settings.region()}/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0",
            "X-Amz-Date": "20000101T000000Z",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "TableNames" in json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        # An engine that dislikes the fake signature still answers like DynamoDB.
        return b"__type" in exc.read()
    except (OSError, ValueError):
        return False


def node_available() -> bool:
    """Whether Node.js and the installed dynalite package are there."""
    return shutil.which("node") is not None and DYNALITE_CLI.exists()


def start_dynalite(
    port: int, data_dir: Path | None = None, host: str = settings.HOST, log_path: Path | None = None
) -> Process:
    """Start dynalite on ``host:port``, persisting to ``data_dir`` (in memory when None)."""
    args = [
        "node",
        str(DYNALITE_SERVER),
        "--host",
        host,
        "--port",
        str(port),
        "--createTableMs",
        "50",
        "--deleteTableMs",
        "50",
    ]
    if data_dir is not None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        args += ["--path", str(data_dir)]
    return spawn(args, log_path=log_path)


def start_moto(port: int, host: str = settings.HOST, log_path: Path | None = None) -> Process:
    """Start moto's server on ``host:port`` (in memory: data is lost when it stops)."""
    moto_server = Path(sys.executable).with_name("moto_server")
    return spawn([str(moto_server), "-H", host, "-p", str(port)], log_path=log_path)


def wait_until_serving(endpoint: str, process: Process | None = None, timeout: float = 30.0) -> None:
    """Wait until ``endpoint`` answers DynamoDB requests; fail early if ``process`` exits."""
    wait_until(lambda: speaks_dynamodb(endpoint, timeout=0.5), process, f"engine at {endpoint}", timeout)


@contextmanager
def private_dynalite(log_path: Path | None = None) -> Iterator[str]:
    """A fresh in-memory dynalite on a free port for as long as the block runs; yields its endpoint."""
    port = free_port()
    process = start_dynalite(port, log_path=log_path)
    endpoint = settings.url(port)
    try:
        wait_until_serving(endpoint, process)
        yield endpoint
    finally:
        stop(process)
