"""``hobopy run``: the whole local stack (engine, table, API, UI) in one command."""
import importlib.util
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from devtools import db, engine

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
HOST = "127.0.0.1"


def _env_port(name, default):
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise click.UsageError(f"{name}={value!r} is not a TCP port number.")
    return int(value)


class StackError(Exception):
    """A part of the stack could not start."""


class Stack:
    """The local engine, the Todos table, ``chalice local`` and the UI server, started and stopped together.

    Usable as a context manager by tests: ``with Stack(data_dir=tmp) as stack: ...`` runs on free ports.
    """

    def __init__(self, db_port=None, api_port=None, ui_port=None, data_dir=None, with_ui=True,
                 autoreload=False, log_dir=None, quiet=True):
        # A port left out is any free one: what tests and throwaway stacks want.
        self.db_port, self.api_port, self.ui_port = (
            port or engine.free_port(HOST) for port in (db_port, api_port, ui_port))
        self.data_dir = Path(data_dir) if data_dir else ROOT / ".data"
        self.with_ui = with_ui and importlib.util.find_spec("devtools.ui") is not None
        self.autoreload = autoreload
        self.log_dir = Path(log_dir) if log_dir else self.data_dir / "logs"
        self.quiet = quiet
        self.engine_kind = None
        self.seeded = False
        self._processes = []  # (name, Popen), in start order

    @property
    def db_endpoint(self):
        return f"http://{HOST}:{self.db_port}"

    @property
    def api_url(self):
        return f"http://{HOST}:{self.api_port}"

    @property
    def ui_url(self):
        return f"http://{HOST}:{self.ui_port}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _log(self, name):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / f"{name}.log"

    def _spawn(self, name, args, env=None, cwd=None, log=True):
        process = engine.spawn(args, log_path=self._log(name) if log else None, env=env, cwd=cwd)
        self._processes.append((name, process))
        return process

    def start(self):
        try:
            self._start_engine()
            self._prepare_table()
            self._start_api()
            if self.with_ui:
                self._start_ui()
        except BaseException:
            self.stop()
            raise

    def _start_engine(self):
        if engine.speaks_dynamodb(self.db_endpoint):
            # DynamoDB Local or another engine started by hand: use it as it is.
            self.engine_kind = "existing"
            return
        if engine.port_is_open(HOST, self.db_port):
            raise StackError(
                f"port {self.db_port} is taken by something that does not speak DynamoDB; "
                "stop it or choose another port with HOBOPY_DB_PORT."
            )
        if engine.node_available():
            self.engine_kind = "dynalite"
            process = engine.start_dynalite(self.db_port, self.data_dir / "dynalite", HOST, self._log("engine"))
        else:
            self.engine_kind = "moto"
            process = engine.start_moto(self.db_port, HOST, self._log("engine"))
        self._processes.append(("engine", process))
        try:
            engine.wait_until_serving(self.db_endpoint, process)
        except engine.EngineError as exc:
            raise StackError(f"{exc}; see {self._log('engine')}") from None

    def _prepare_table(self):
        client = db.client(self.db_endpoint)
        schema = db.load_schema()
        if db.ensure_table(client, schema):
            # Only a table created just now gets the seed, so edits survive restarts.
            for requests in db.read_requests(db.SEED_PATH).values():
                db.write_batches(client, schema["TableName"], db.to_boto(requests))
            self.seeded = True

    def _wait_for_http(self, name, process, url, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StackError(f"the {name} exited with status {process.returncode}; see {self._log(name)}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers HTTP: good enough
            except OSError:
                time.sleep(0.1)
        raise StackError(f"the {name} did not answer at {url} within {timeout:.0f} s; see {self._log(name)}")

    def _check_port_free(self, port, variable):
        if engine.port_is_open(HOST, port):
            raise StackError(f"port {port} is already in use (another `make run`?); "
                             f"stop it or choose another port with {variable}.")

    def _start_api(self):
        self._check_port_free(self.api_port, "HOBOPY_API_PORT")
        env = dict(os.environ)
        # These win over the dev stage's DB_ENDPOINT/CORS_ALLOW_ORIGINS when ports move.
        env["HOBOPY_DB_ENDPOINT"] = self.db_endpoint
        env["HOBOPY_CORS_ALLOW_ORIGINS"] = f"http://127.0.0.1:{self.ui_port},http://localhost:{self.ui_port}"
        env["PYTHONUNBUFFERED"] = "1"
        chalice = Path(sys.executable).with_name("chalice")
        args = [str(chalice), "local", "--stage", "dev", "--host", HOST, "--port", str(self.api_port)]
        if not self.autoreload:
            args.append("--no-autoreload")
        process = self._spawn("api", args, env=env, cwd=BACKEND, log=self.quiet)
        self._wait_for_http("api", process, f"{self.api_url}/todos?limit=1")

    def _start_ui(self):
        self._check_port_free(self.ui_port, "HOBOPY_UI_PORT")
        args = [sys.executable, "-m", "devtools.ui", "serve", "--host", HOST, "--port", str(self.ui_port),
                "--api-url", self.api_url + "/"]
        process = self._spawn("ui", args, cwd=ROOT, log=self.quiet)
        self._wait_for_http("ui", process, self.ui_url + "/", timeout=180.0)

    def poll(self):
        """The name of a child that has exited, or None while all run."""
        for name, process in self._processes:
            if process.poll() is not None:
                return name
        return None

    def stop(self):
        """Stop every child, newest first; safe to call more than once."""
        while self._processes:
            _, process = self._processes.pop()
            engine.stop(process)


@click.command()
@click.option("--no-ui", is_flag=True, help="Do not build and serve the UI.")
def run(no_ui):
    """Start the local engine, the API and the UI; Ctrl-C stops them all.

    Ports come from HOBOPY_DB_PORT (8001), HOBOPY_API_PORT (8000) and
    HOBOPY_UI_PORT (8002); data is kept in HOBOPY_DATA_DIR (.data/).

    Example: HOBOPY_API_PORT=9000 hobopy run
    """
    stack = Stack(
        db_port=_env_port("HOBOPY_DB_PORT", 8001),
        api_port=_env_port("HOBOPY_API_PORT", 8000),
        ui_port=_env_port("HOBOPY_UI_PORT", 8002),
        data_dir=os.environ.get("HOBOPY_DATA_DIR") or None,
        with_ui=not no_ui,
        autoreload=True,
        quiet=False,
    )
    try:
        with engine.stop_signals_raise():
            click.echo("Starting the local stack...")
            stack.start()
            _print_banner(stack)
            while True:
                exited = stack.poll()
                if exited:
                    raise StackError(f"the {exited} stopped unexpectedly; see {stack._log(exited)}")
                time.sleep(0.5)
    except engine.Stopped:
        click.echo("\nStopping...")
    except (StackError, db.DataFileError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        stack.stop()
    click.echo("Stopped: nothing started by hobopy is running.")


def _print_banner(stack):
    if stack.engine_kind == "dynalite":
        engine_line = f"dynalite at {stack.db_endpoint}, data in {stack.data_dir / 'dynalite'}"
    elif stack.engine_kind == "moto":
        engine_line = f"moto at {stack.db_endpoint}, IN MEMORY"
        click.secho("warning: Node.js was not found, so the engine is moto's server: "
                    "data will NOT survive a restart. Install Node.js 20+ and run `make run` again.",
                    fg="yellow", err=True)
    else:
        engine_line = f"the DynamoDB engine already running at {stack.db_endpoint}"
    click.echo("")
    click.secho("hobopy is running", bold=True)
    click.echo(f"  API     {stack.api_url}/todos")
    if stack.with_ui:
        click.echo(f"  UI      {stack.ui_url}/")
    click.echo(f"  engine  {engine_line}")
    click.echo(f"  table   Todos{' (created and seeded now)' if stack.seeded else ''}")
    click.echo(f"  logs    {stack.log_dir}")
    click.echo("Press Ctrl-C to stop everything.")
    click.echo("")
