"""Start, find and stop the local DynamoDB-compatible engine (dynalite, or moto's server)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DYNALITE_CLI = ROOT / "node_modules" / "dynalite" / "cli.js"


class EngineError(Exception):
    """The engine could not be started or did not answer."""


class Stopped(Exception):
    """A stop signal (SIGINT, SIGTERM or SIGHUP) arrived."""


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_stopped(signum, frame):
    raise Stopped(signal.Signals(signum).name)


@contextmanager
def stop_signals_raise():
    """Inside the block a stop signal raises ``Stopped``; after it they are ignored,
    so that the cleanup which follows is not cut short by a second Ctrl-C."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stopped)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def speaks_dynamodb(endpoint, timeout=1.0):
    """Whether something at ``endpoint`` answers a DynamoDB ListTables request."""
    request = urllib.request.Request(
        endpoint,
        data=b"{}",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            # Engines check that a request is signed, not the signature.
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, "
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


def port_is_open(host, port, timeout=0.2):
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port(host="127.0.0.1"):
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def node_available():
    """Whether Node.js and the installed dynalite package are there."""
    return shutil.which("node") is not None and DYNALITE_CLI.exists()


def _child_preexec():
    # Own session: Ctrl-C reaches the supervisor, which stops children in
    # order. On Linux, also die with the supervisor if it is killed outright.
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def spawn(args, log_path=None, env=None, cwd=None):
    """Start a child process in its own session, output to ``log_path`` (or inherited)."""
    stdout = open(log_path, "ab") if log_path else None
    try:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None,
            preexec_fn=_child_preexec if os.name == "posix" else None,
        )
    finally:
        if stdout:
            stdout.close()


def start_dynalite(port, data_dir=None, host="127.0.0.1", log_path=None):
    """Start dynalite on ``host:port``, persisting to ``data_dir`` (in memory when None)."""
    args = ["node", str(DYNALITE_CLI), "--host", host, "--port", str(port), "--createTableMs", "50",
            "--deleteTableMs", "50"]
    if data_dir is not None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        args += ["--path", str(data_dir)]
    return spawn(args, log_path=log_path)


def start_moto(port, host="127.0.0.1", log_path=None):
    """Start moto's server on ``host:port`` (in memory: data is lost when it stops)."""
    moto_server = Path(sys.executable).with_name("moto_server")
    return spawn([str(moto_server), "-H", host, "-p", str(port)], log_path=log_path)


def wait_until_serving(endpoint, process=None, timeout=30.0):
    """Wait until ``endpoint`` answers DynamoDB requests; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise EngineError(f"the engine exited with status {process.returncode} before it answered")
        if speaks_dynamodb(endpoint, timeout=0.5):
            return
        time.sleep(0.05)
    raise EngineError(f"nothing answered DynamoDB requests at {endpoint} within {timeout:.0f} s")


def stop(process, timeout=5.0):
    """Stop a child started by ``spawn`` and everything in its session."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
