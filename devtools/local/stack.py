"""``hobopy run``: the whole local stack (engine, table, identity provider, API, UI) in one command."""

import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from chalicelib.settings import (
    STACK_AUTH_CLIENT_ID,
    STACK_AUTH_ENDPOINT,
    STACK_AUTH_USER_POOL_ID,
    STACK_CORS_ALLOW_ORIGINS,
    STACK_DB_ENDPOINT,
)
from chalicelib.storage import dynamodb_client
from devtools import files, settings
from devtools.db.prepare import prepare_table
from devtools.local import accounts, engine, supervise
from devtools.local.idp import ProviderDataError, read_users
from devtools.local.supervise import Child, StartError


class Stack(supervise.Supervisor):
    """The engine, the Todos table, the identity provider, the API and the UI server, started and stopped together,
    a part that dies restarted by ``watch()``. ``with Stack(data_dir=tmp) as stack: ...`` runs on free ports."""

    def __init__(
        self,
        db_port: int | None = None,
        api_port: int | None = None,
        ui_port: int | None = None,
        idp_port: int | None = None,
        data_dir: Path | str | None = None,
        with_ui: bool = True,
        quiet: bool = True,
        say: Callable[[str], None] = lambda line: click.secho(f"hobopy: {line}", fg="yellow"),
    ) -> None:
        super().__init__(say)
        # A port left out is any free one: what tests and throwaway stacks want.
        given = {"db": db_port, "api": api_port, "ui": ui_port, "idp": idp_port}
        self.ports = {part: port or supervise.free_port() for part, port in given.items()}
        self.db_endpoint, self.api_url, self.ui_url, self.idp_url = map(settings.url, self.ports.values())
        self.data_dir = Path(data_dir) if data_dir else settings.data_dir()
        self.log_dir, self.idp_dir = self.data_dir / "logs", self.data_dir / "idp"
        self.with_ui, self.quiet = with_ui, quiet
        self.origins = settings.stack_origins(self.ports["ui"])
        self.engine_kind = "existing"  # or "dynalite", "moto": the one this stack starts
        self.seeded = False
        self.auth: dict[str, str] = {}  # region, userPoolId, clientId: what the identity provider serves
        # The Python parts' environment; these win over the dev stage's values when ports move.
        self.env = {
            "PYTHONUNBUFFERED": "1",
            STACK_DB_ENDPOINT: self.db_endpoint,
            STACK_CORS_ALLOW_ORIGINS: ",".join(self.origins),
        }

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        # Users, todos and logs: the folder and all in it are its owner's alone.
        settings.private_dir(self.data_dir)
        settings.private_dir(self.log_dir)
        try:
            read_users(self.idp_dir / "users.json")  # a file the provider would refuse, told before anything starts
            self._start_engine()
            (self.idp_dir / "pool.json").unlink(missing_ok=True)
            # Pages of this machine at any port, as the dev stage's API allows them, and the extra origins.
            origins = [
                "--allow-loopback-origins",
                *(arg for origin in self.origins for arg in ("--allow-origin", origin)),
            ]
            self._serve("identity provider", "idp", "devtools.local.idp", "--data-dir", str(self.idp_dir), *origins)
            self.auth = json.loads((self.idp_dir / "pool.json").read_text(encoding="utf-8"))
            self.env.update(  # what tells the API and the UI which identity provider and pool to trust
                {
                    STACK_AUTH_ENDPOINT: self.idp_url,
                    STACK_AUTH_USER_POOL_ID: self.auth["userPoolId"],
                    STACK_AUTH_CLIENT_ID: self.auth["clientId"],
                }
            )
            # The API's records, JSON as in CloudWatch Logs, go to its log file; its console stays readable.
            records = ("--log-file", str(self.log_dir / "api.log"))
            self._serve("API", "api", "devtools.local.api", "--stage", "dev", *records, ready="/openapi.json")
            if self.with_ui:
                self._serve("UI", "ui", "devtools.ui", "serve", "--api-server", self.api_url, timeout=180)
        except BaseException:
            self.stop()
            raise

    def _port(self, part: str, taken: str = "is already in use (another `make run`?)") -> int:
        if supervise.port_is_open(settings.HOST, port := self.ports[part]):
            raise StartError(
                f"port {port} {taken}; stop it or choose another port with {settings.PORT_VARIABLES[part]}."
            )
        return port

    def _add(self, child: Child, log: Path) -> None:
        try:
            self.add(child)
        except StartError as exc:
            raise StartError(f"{exc}; see {log}") from None

    def _serve(self, name: str, part: str, *args: str, ready: str = "/", timeout: float = 60) -> None:
        """Start ``python -m <args> --host H --port P`` as the ``part`` of the stack, and wait until it answers."""
        command = [sys.executable, "-m", *args, "--host", settings.HOST, "--port", str(port := self._port(part))]
        log = self.log_dir / f"{part}.log"
        answers = supervise.answers_http(settings.url(port) + ready)
        output = log if self.quiet or part == "idp" else None
        start = functools.partial(supervise.spawn, command, output, {**os.environ, **self.env}, settings.ROOT)
        self._add(Child(name, start, lambda process: supervise.wait_until(answers, process, name, timeout)), log)

    def _start_engine(self) -> None:
        if engine.speaks_dynamodb(self.db_endpoint):
            # DynamoDB Local or another engine started by hand: used as it is, unsupervised.
            self._prepare_table()
            return
        port = self._port("db", "is taken by something that does not speak DynamoDB")
        log = self.log_dir / "engine.log"
        if engine.node_available():
            self.engine_kind = "dynalite"
            start = functools.partial(engine.start_dynalite, port, self.data_dir / "dynalite", log)
        else:
            self.engine_kind = "moto"
            start = functools.partial(engine.start_moto, port, log)

        def ready(process: supervise.Process) -> None:
            # Also after a restart: moto's table was in memory, so it is created and seeded again.
            engine.wait_until_serving(self.db_endpoint, process)
            self._prepare_table()

        self._add(Child("engine", start, ready), log)

    def _prepare_table(self) -> None:
        if prepare_table(dynamodb_client(self.db_endpoint), self.data_dir, self.say):
            self.seeded = True

    def pool(self) -> accounts.Pool:
        """A client of this stack's identity provider: ``stack.pool().new_user()`` is a signed-in user."""
        return accounts.Pool(self.auth["clientId"], self.idp_url, self.auth["region"])


@contextmanager
def throwaway_stack(db_port: int | None = None) -> Iterator[Stack]:
    """A running Stack (no UI) on free ports, or on an engine already serving at ``db_port``, its data in a
    temporary folder removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="hobopy-stack-") as data_dir,
        Stack(db_port, data_dir=data_dir, with_ui=False) as stack,
    ):
        yield stack


@click.command()
@click.option("--no-ui", is_flag=True, help="Do not build and serve the UI.")
def run(no_ui: bool) -> None:
    """Start the engine, the identity provider, the API and the UI; Ctrl-C stops them all.

    Ports come from HOBOPY_API_PORT (8000), HOBOPY_DB_PORT (8001),
    HOBOPY_UI_PORT (8002) and HOBOPY_IDP_PORT (8003); data is kept in
    HOBOPY_DATA_DIR (.data/). Pages of this machine at any port may call the API
    and the identity provider; HOBOPY_EXTRA_ORIGINS allows other origins
    (comma-separated).
    A part that dies is restarted; one that dies 5 times within 60 s stops the stack.

    Example: HOBOPY_API_PORT=9000 hobopy run
    """
    try:
        db, api, ui, idp = (settings.port(part) for part in ("db", "api", "ui", "idp"))
        stack = Stack(db, api, ui, idp, with_ui=not no_ui, quiet=False)
    except settings.SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        with supervise.stop_signals_raise():
            click.echo("Starting the local stack...")
            stack.start()
            _print_banner(stack)
            while True:
                stack.watch()
                time.sleep(0.5)
    except supervise.Stopped:
        click.echo("\nStopping...")
    except (StartError, files.DataFileError, ProviderDataError, supervise.CrashLoop) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        stack.stop()
    click.echo("Stopped: nothing started by hobopy is running.")


def _print_banner(stack: Stack) -> None:
    if stack.engine_kind == "moto":
        warning = "Node.js was not found, so the engine is moto's server: data will NOT survive a restart."
        click.secho(f"warning: {warning} Install Node.js 20+ and run `make run` again.", fg="yellow", err=True)
    engine_line = {
        "dynalite": f"dynalite at {stack.db_endpoint}, data in {stack.data_dir / 'dynalite'}",
        "moto": f"moto at {stack.db_endpoint}, IN MEMORY",
        "existing": f"the DynamoDB engine already running at {stack.db_endpoint}",
    }[stack.engine_kind]
    auth = stack.auth
    listed = [origin for origin in stack.origins if not settings.is_loopback_origin(origin)]
    extra = f", {', '.join(listed)}" if listed else "  (another: HOBOPY_EXTRA_ORIGINS=https://dev.example make run)"
    lines = [
        ("API", f"{stack.api_url}/todos  (no token: you act as the demo owner, who holds the seed's todos)"),
        ("", f"{stack.ui_url}/api/todos too: the same API on the UI's origin" if stack.with_ui else ""),
        ("UI", f"{stack.ui_url}/" if stack.with_ui else ""),
        ("engine", engine_line),
        ("table", f"Todos{' (created and seeded now)' if stack.seeded else ''}"),
        ("accounts", f"{stack.idp_url} (Cognito API, moto), users in {stack.idp_dir / 'users.json'}"),
        ("", f"region {auth['region']}, user pool {auth['userPoolId']}, client {auth['clientId']}"),
        ("origins", f"http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT (any port){extra}"),
        ("logs", str(stack.log_dir)),
    ]
    click.echo("\n" + click.style("hobopy is running", bold=True))
    for name, text in lines:
        if text:
            click.echo(f"  {name:<9} {text}")
    click.echo("A part that stops is restarted. Press Ctrl-C to stop everything.\n")
