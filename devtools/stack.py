"""``hobopy run``: the whole local stack (engine, table, identity provider, API, UI) in one command."""

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from chalicelib.storage import dynamodb_client
from devtools import accounts, datafiles, engine, settings, supervise, tables
from devtools.supervise import Child, Process

HOST = settings.HOST


class StackError(Exception):
    """A part of the stack could not start."""


class Stack:
    """The engine, the Todos table, the identity provider, the API and the UI server, started and stopped together.

    While ``watch()`` is called, a part that dies is restarted with backoff (see ``supervise.Supervisor``).
    Usable as a context manager by tests: ``with Stack(data_dir=tmp) as stack: ...`` runs on free ports.
    """

    def __init__(
        self,
        db_port: int | None = None,
        api_port: int | None = None,
        ui_port: int | None = None,
        idp_port: int | None = None,
        data_dir: Path | str | None = None,
        with_ui: bool = True,
        log_dir: Path | None = None,
        quiet: bool = True,
        say: Callable[[str], None] = print,
    ) -> None:
        # A port left out is any free one: what tests and throwaway stacks want.
        self.db_port, self.api_port, self.ui_port, self.idp_port = (
            port or supervise.free_port(HOST) for port in (db_port, api_port, ui_port, idp_port)
        )
        self.data_dir = Path(data_dir) if data_dir else settings.data_dir()
        self.with_ui = with_ui
        self.log_dir = Path(log_dir) if log_dir else self.data_dir / "logs"
        self.quiet = quiet
        self.origins = settings.stack_origins(self.ui_port)
        self.db_endpoint, self.api_url, self.ui_url, self.idp_url = (
            settings.url(port) for port in (self.db_port, self.api_port, self.ui_port, self.idp_port)
        )
        self.idp_dir = self.data_dir / "idp"
        self.engine_kind: str | None = None
        self.seeded = False
        self.auth: dict[str, str] = {}  # region, userPoolId, clientId: what the identity provider serves
        self.say = say
        self.supervisor = supervise.Supervisor(say)

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self, name: str) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / f"{name.lower().replace(' ', '-')}.log"

    def start(self) -> None:
        try:
            self._start_engine()
            self._prepare_table()
            self._start_idp()
            self._start_api()
            if self.with_ui:
                self._start_ui()
        except BaseException:
            self.stop()
            raise

    def watch(self) -> None:
        """Restart what has died (raises ``supervise.CrashLoop`` when one part keeps dying)."""
        self.supervisor.watch()

    def stop(self) -> None:
        """Stop every part started here, newest first; safe to call more than once."""
        self.supervisor.stop()

    def _serve(
        self,
        name: str,
        part: str,
        command: str,
        *more: str,
        ready: str = "/",
        env: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> None:
        """Start ``python -m <command> --host H --port P <more>`` as the ``part`` of the stack, and wait for it."""
        port = {"api": self.api_port, "ui": self.ui_port, "idp": self.idp_port}[part]
        if supervise.port_is_open(HOST, port):
            raise StackError(
                f"port {port} is already in use (another `make run`?); "
                f"stop it or choose another port with {settings.PORT_VARIABLES[part]}."
            )
        args = [sys.executable, "-m", *command.split(), "--host", HOST, "--port", str(port), *more]
        log = self.log(name) if self.quiet or part == "idp" else None
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        ready_url = settings.url(port) + ready
        self._run(
            Child(
                name,
                lambda: supervise.spawn(args, log, env, settings.ROOT),
                lambda process: supervise.wait_until(supervise.answers_http(ready_url), process, name, timeout),
            )
        )

    def _run(self, child: Child) -> None:
        try:
            self.supervisor.start(child)
        except supervise.StartError as exc:
            raise StackError(f"{exc}; see {self.log(child.name)}") from None

    def _start_engine(self) -> None:
        if engine.speaks_dynamodb(self.db_endpoint):
            # DynamoDB Local or another engine started by hand: use it as it is, unsupervised.
            self.engine_kind = "existing"
            return
        if supervise.port_is_open(HOST, self.db_port):
            raise StackError(
                f"port {self.db_port} is taken by something that does not speak DynamoDB; "
                "stop it or choose another port with HOBOPY_DB_PORT."
            )
        self.engine_kind = "dynalite" if engine.node_available() else "moto"

        def start() -> Process:
            if self.engine_kind == "dynalite":
                return engine.start_dynalite(self.db_port, self.data_dir / "dynalite", HOST, self.log("engine"))
            return engine.start_moto(self.db_port, HOST, self.log("engine"))

        # moto keeps the table in memory: after a restart it is created and seeded again.
        self._run(Child("engine", start, lambda p: engine.wait_until_serving(self.db_endpoint, p), self._prepare_table))

    def _prepare_table(self) -> None:
        client = dynamodb_client(self.db_endpoint)
        schema = datafiles.load_schema()
        if tables.ensure_table(client, schema):
            # Only a table created just now gets the seed, so edits survive restarts.
            for requests in datafiles.read_requests(datafiles.SEED_PATH).values():
                tables.write_batches(client, schema["TableName"], datafiles.to_boto(requests))
            self.seeded = True
            return
        backup = self.data_dir / f"{schema['TableName']}-before-accounts.json"
        moved = tables.upgrade_to_owner_key(
            client, schema, settings.demo_owner(), lambda items: self._keep(backup, items)
        )
        if moved is not None:
            self.say(
                f"the {schema['TableName']} table was from before accounts: its {moved} todos now belong to the "
                f"demo owner (requests without a token); a copy is in {backup}. "
                "`hobopy db move-todos --to SUB` gives them to a user."
            )

    @staticmethod
    def _keep(path: Path, items: list[datafiles.Item]) -> None:
        # The todos as a batch-write-item file of the old table: `hobopy db load` can put them back.
        name = datafiles.load_schema()["TableName"]
        datafiles.write_atomic(path, datafiles.dump_document(datafiles.to_document(name, items, ["id"])))

    def _start_idp(self) -> None:
        origins = [arg for origin in self.origins for arg in ("--allow-origin", origin)]
        (self.idp_dir / "pool.json").unlink(missing_ok=True)
        self._serve("identity provider", "idp", "devtools.idp", "--data-dir", str(self.idp_dir), *origins)
        self.auth = json.loads((self.idp_dir / "pool.json").read_text(encoding="utf-8"))

    def _start_api(self) -> None:
        env = {
            # These win over the dev stage's values when ports move.
            "HOBOPY_DB_ENDPOINT": self.db_endpoint,
            "HOBOPY_CORS_ALLOW_ORIGINS": ",".join(self.origins),
            **self.auth_env(),
        }
        self._serve("API", "api", "devtools.localapi --stage dev", ready="/openapi.json", env=env)

    def pool(self) -> accounts.Pool:
        """A client of this stack's identity provider: ``stack.pool().new_user()`` is a signed-in user."""
        return accounts.Pool(self.auth["clientId"], self.idp_url, self.auth["region"])

    def auth_env(self) -> dict[str, str]:
        """What tells the API and the UI which identity provider and pool to trust."""
        return {
            "HOBOPY_AUTH_ENDPOINT": self.idp_url,
            "HOBOPY_AUTH_USER_POOL_ID": self.auth["userPoolId"],
            "HOBOPY_AUTH_CLIENT_ID": self.auth["clientId"],
        }

    def _start_ui(self) -> None:
        api = self.api_url + "/"
        self._serve("UI", "ui", "devtools.ui serve", "--api-url", api, env=self.auth_env(), timeout=180.0)


@contextmanager
def throwaway_stack(db_port: int | None = None, **options: Any) -> Iterator[Stack]:
    """A running Stack (no UI) on free ports, its data in a temporary folder removed afterwards.

    With ``db_port``, an engine already serving there is used as it is.
    """
    with (
        tempfile.TemporaryDirectory(prefix="hobopy-stack-") as data_dir,
        Stack(db_port=db_port, data_dir=data_dir, with_ui=False, **options) as stack,
    ):
        yield stack


@click.command()
@click.option("--no-ui", is_flag=True, help="Do not build and serve the UI.")
def run(no_ui: bool) -> None:
    """Start the engine, the identity provider, the API and the UI; Ctrl-C stops them all.

    Ports come from HOBOPY_API_PORT (8000), HOBOPY_DB_PORT (8001),
    HOBOPY_UI_PORT (8002) and HOBOPY_IDP_PORT (8003); data is kept in
    HOBOPY_DATA_DIR (.data/). HOBOPY_EXTRA_ORIGINS allows more local origins
    (comma-separated) in the API's CORS and the identity provider.
    A part that dies is restarted; one that dies 5 times within 60 s stops the stack.

    Example: HOBOPY_API_PORT=9000 hobopy run
    """
    try:
        stack = Stack(
            db_port=settings.port("db"),
            api_port=settings.port("api"),
            ui_port=settings.port("ui"),
            idp_port=settings.port("idp"),
            data_dir=settings.data_dir(),
            with_ui=not no_ui,
            quiet=False,
            say=lambda line: click.secho(f"hobopy: {line}", fg="yellow"),
        )
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
    except (StackError, datafiles.DataFileError, supervise.CrashLoop) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        stack.stop()
    click.echo("Stopped: nothing started by hobopy is running.")


def _print_banner(stack: Stack) -> None:
    if stack.engine_kind == "dynalite":
        engine_line = f"dynalite at {stack.db_endpoint}, data in {stack.data_dir / 'dynalite'}"
    elif stack.engine_kind == "moto":
        engine_line = f"moto at {stack.db_endpoint}, IN MEMORY"
        click.secho(
            "warning: Node.js was not found, so the engine is moto's server: "
            "data will NOT survive a restart. Install Node.js 20+ and run `make run` again.",
            fg="yellow",
            err=True,
        )
    else:
        engine_line = f"the DynamoDB engine already running at {stack.db_endpoint}"
    lines = [
        ("API", f"{stack.api_url}/todos  (no token: you act as the demo owner, who holds the seed's todos)"),
        ("UI", f"{stack.ui_url}/" if stack.with_ui else ""),
        ("engine", engine_line),
        ("table", f"Todos{' (created and seeded now)' if stack.seeded else ''}"),
        ("accounts", f"{stack.idp_url} (Cognito API, moto), users in {stack.idp_dir / 'users.json'}"),
        ("", f"region {stack.auth['region']}, user pool {stack.auth['userPoolId']}, client {stack.auth['clientId']}"),
        ("origins", f"{', '.join(stack.origins)}  (add one: HOBOPY_EXTRA_ORIGINS=http://localhost:5173 make run)"),
        ("logs", str(stack.log_dir)),
    ]
    click.echo("")
    click.secho("hobopy is running", bold=True)
    for name, text in lines:
        if text:
            click.echo(f"  {name:<9} {text}")
    click.echo("A part that stops is restarted. Press Ctrl-C to stop everything.")
    click.echo("")
