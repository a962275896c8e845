"""``hobopy db ...``: create, load, list, export, reset the table and move todos, like the aws CLI but kinder.

Every command talks to the local engine unless told otherwise, reads files as
UTF-8 whatever the locale, and reports a problem as one line on stderr with
exit status 1.
"""

import codecs
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click
import wcwidth
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from chalicelib.storage import dynamodb_client
from devtools import settings, tables
from devtools.datafiles import (
    SCHEMA_PATH,
    SEED_PATH,
    TABLE_NAME,
    DataFileError,
    Item,
    Requests,
    check_keys,
    columns,
    display_path,
    dump_document,
    load_schema,
    plain,
    read_requests,
    sorted_items,
    to_boto,
    to_document,
    write_atomic,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

CELL_WIDTH = 40  # display columns; --json shows values whole
display_width = wcwidth.width


class Failure(click.ClickException):
    """One line on stderr, exit status 1: file errors start with the file's position."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(" ".join(self.message.split("\n")), err=True)


class Target:
    """Where the commands send their requests: a local engine, or AWS when ``endpoint`` is None."""

    def __init__(self, endpoint: str | None, region: str | None) -> None:
        self.endpoint = endpoint
        self.region = region

    @functools.cached_property
    def client(self) -> "DynamoDBClient":
        return dynamodb_client(self.endpoint, region=self.region)

    def describe(self) -> str:
        if self.endpoint:
            return f"at {self.endpoint}"
        return f"on AWS ({self.region})" if self.region else "on AWS"

    def missing(self, name: str, then: str = "") -> Failure:
        return Failure(
            f"error: table {name} does not exist {self.describe()}; "
            f"create it with `hobopy db create-table --table {name}`.{then}"
        )


def _explain(exc: Exception, target: Target) -> str:
    """One line for an error from boto3/botocore, with the fix when there is an obvious one."""
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ConnectionClosedError):
        if target.endpoint:
            return (
                f"error: cannot reach a DynamoDB engine at {target.endpoint}: is it running? "
                "Start it with `hobopy run`, or pass --endpoint-url."
            )
        return f"error: cannot reach DynamoDB {target.describe()}: {exc}"
    if isinstance(exc, ReadTimeoutError):
        return f"error: the database {target.describe()} did not answer in time."
    if isinstance(exc, NoCredentialsError):
        return (
            "error: no AWS credentials found: configure them (`aws configure`), "
            "or leave out --aws to use the local engine."
        )
    if isinstance(exc, NoRegionError):
        return "error: no AWS region given: pass --region or set AWS_DEFAULT_REGION."
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", "")
        if code.isdigit():
            # botocore uses the HTTP status as the code when the answer has no DynamoDB error type.
            return (
                f"error: something answered HTTP {code} {target.describe()}, but not as DynamoDB does; "
                f"is --endpoint-url the engine's address (the engine is on :{settings.DB_PORT}, "
                f"the API on :{settings.API_PORT})?"
            )
        return f"error: {exc.operation_name} {target.describe()} failed: {code}: {message}"
    return f"error: {exc}"


def _command(function: Callable[..., None]) -> Callable[..., None]:
    """Turn the expected failures of a command into one line and exit status 1."""

    @functools.wraps(function)
    def wrapper(target: Target, *args: Any, **kwargs: Any) -> None:
        try:
            function(target, *args, **kwargs)
        except DataFileError as exc:
            raise Failure(str(exc)) from None
        except (BotoCoreError, ClientError) as exc:
            raise Failure(_explain(exc, target)) from None
        except BrokenPipeError:
            # The reader (e.g. `| head`) has gone: stop quietly, as cat does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    return wrapper


def _target_options(function: Callable[..., None]) -> Callable[..., None]:
    """--endpoint-url/--aws/--region, handed to the command as a ``Target``."""

    @click.option(
        "--endpoint-url",
        metavar="URL",
        help=f"DynamoDB endpoint [default: $HOBOPY_DB_ENDPOINT, else {settings.url(settings.DB_PORT)} "
        "(port from $HOBOPY_DB_PORT)]. An empty value means AWS itself.",
    )
    @click.option(
        "--aws", is_flag=True, help="Use DynamoDB on AWS with your AWS credentials (same as --endpoint-url '')."
    )
    @click.option("--region", metavar="REGION", help="AWS region [default: $AWS_DEFAULT_REGION, else us-east-1].")
    @functools.wraps(function)
    def wrapper(*args: Any, endpoint_url: str | None, aws: bool, region: str | None, **kwargs: Any) -> None:
        if aws and endpoint_url:
            raise click.UsageError("--aws and --endpoint-url name different databases; give one.")
        if aws:
            endpoint_url = ""
        elif endpoint_url is None:
            try:
                endpoint_url = settings.db_endpoint()
            except settings.SettingsError as exc:
                raise Failure(f"error: {exc}") from None
        if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
            raise click.BadParameter(
                f"{endpoint_url!r} is not a URL; write it like {settings.url(settings.DB_PORT)}.",
                param_hint="--endpoint-url",
            )
        function(Target(endpoint_url or None, region), *args, **kwargs)

    return wrapper


TABLE_OPTION = click.option("--table", metavar="NAME", default=TABLE_NAME, show_default=True, help="Table name.")
SCHEMA_OPTION = click.option(
    "--schema",
    type=click.Path(path_type=Path),
    default=SCHEMA_PATH,
    show_default="db/schema.json",
    help="A create-table --cli-input-json file.",
)
# Files are checked by the commands themselves, so that problems read the same everywhere.
DATA_PATH = click.Path(path_type=Path)


@click.group("db", context_settings={"help_option_names": ["-h", "--help"]})
def db_group() -> None:
    """Manage the DynamoDB table: create it, load data files, list, export, reset, move todos.

    By default every command talks to the local engine at
    http://127.0.0.1:8001 (port from $HOBOPY_DB_PORT, or the whole URL from
    $HOBOPY_DB_ENDPOINT). --endpoint-url picks another engine; --aws (or
    --endpoint-url '') uses DynamoDB on AWS with your usual AWS credentials.
    Files are read and written as UTF-8 whatever the locale.

    \b
    Example:
      hobopy db reset --yes && hobopy db scan
    """


@db_group.command("create-table")
@SCHEMA_OPTION
@click.option("--table", metavar="NAME", help="Table name  [default: the schema's TableName]")
@_target_options
@_command
def create_table(target: Target, schema: Path, table: str | None) -> None:
    """Create the table from db/schema.json.

    Waits until the table is ACTIVE. A table that already exists is left as it is (exit status 0).

    \b
    Example:
      hobopy db create-table
      hobopy db create-table --table Todos-try --endpoint-url http://127.0.0.1:8101
    """
    spec = load_schema(schema, table_name=table)
    name = spec["TableName"]
    if tables.ensure_table(target.client, spec):
        click.echo(f"Created table {name} {target.describe()} from {display_path(schema)}.")
    else:
        click.echo(f"Table {name} already exists {target.describe()}; left unchanged.")


RequestsByTable = dict[str, tuple[str, Requests]]


def _requests_for(path: Path, table: str | None) -> RequestsByTable:
    """The file's requests by table (with the name they have in the file), moved to ``table`` when given."""
    document = read_requests(path)
    if table is None:
        return {name: (name, requests) for name, requests in document.items()}
    if len(document) != 1:
        raise Failure(
            f"{display_path(path)}: the file writes to {len(document)} tables "
            f"({', '.join(document)}); --table needs a file with one."
        )
    ((at, requests),) = document.items()
    return {table: (at, requests)}


def _write(target: Target, path: Path, requests_by_table: RequestsByTable) -> None:
    for name, (_, requests) in requests_by_table.items():
        tables.write_batches(target.client, name, to_boto(requests))
        puts = sum(1 for r in requests if "PutRequest" in r)
        deletes = f" and deleted {len(requests) - puts}" if len(requests) > puts else ""
        click.echo(
            f"Wrote {puts} item{'s' * (puts != 1)}{deletes} in table {name} {target.describe()} "
            f"from {display_path(path)}."
        )


@db_group.command("load")
@click.argument("file", type=DATA_PATH, default=SEED_PATH, required=False)
@click.option("--table", metavar="NAME", help="Write the file's requests to this table instead of the one it names.")
@_target_options
@_command
def load(target: Target, file: Path, table: str | None) -> None:
    """Load a batch-write-item file of any size (default db/initial-data.json).

    The whole file is checked first (JSON, UTF-8, shape, DynamoDB JSON values,
    the table's key), so a mistake anywhere writes nothing. Then it is sent
    in batches of 25, resending what the database leaves unprocessed.

    \b
    Example:
      hobopy db load
      hobopy db load backup.json --table Todos-copy
    """
    requests_by_table = _requests_for(file, table)
    for name, (at, requests) in requests_by_table.items():
        try:
            description = target.client.describe_table(TableName=name)["Table"]
        except target.client.exceptions.ResourceNotFoundException:
            raise target.missing(name, " Nothing was written.") from None
        check_keys(requests, name, description["KeySchema"], description["AttributeDefinitions"], path=file, at=at)
    _write(target, file, requests_by_table)


def _read_table(target: Target, name: str) -> tuple[list[Item], list[str]]:
    """(items, key names) of the whole table."""
    try:
        keys = tables.key_names(target.client, name)
        return list(tables.scan_items(target.client, name)), keys
    except target.client.exceptions.ResourceNotFoundException:
        raise target.missing(name) from None


def _output_encoding(stream: IO[str]) -> str:
    # A locale that claims ASCII is taken to be a misconfigured UTF-8 one, as
    # Python's UTF-8 mode and click do; other encodings are respected.
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return "utf-8" if codecs.lookup(encoding).name == "ascii" else encoding


def _emit(text: str, encoding: str) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode(encoding, "backslashreplace"))
    sys.stdout.buffer.flush()


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def clip(text: str, width: int, encoding: str = "utf-8") -> str:
    """``text`` as ``encoding`` can show it, cut to at most ``width`` display columns.

    Characters the encoding lacks become backslash escapes, never cut in half.
    """
    pieces = [c.encode(encoding, "backslashreplace").decode(encoding) for c in text]
    if display_width("".join(pieces)) <= width:
        return "".join(pieces)
    ellipsis = "…" if _can_encode("…", encoding) else "..."
    out, room = "", width - display_width(ellipsis)
    for piece in pieces:
        room -= display_width(piece)
        if room < 0:
            break
        out += piece
    return out + ellipsis


def _cell(value: dict[str, Any]) -> str:
    """One line of text for a value: control characters such as newlines become escapes."""
    ((kind, inner),) = value.items()
    if kind in ("S", "N"):
        text = inner
    elif kind == "BOOL":
        text = "true" if inner else "false"
    else:
        text = json.dumps(plain(value), ensure_ascii=False)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def render_table(items: list[Item], keys: list[str], encoding: str) -> str:
    """Items as aligned text columns; what ``encoding`` cannot show becomes a backslash escape."""
    names = columns(items, keys)
    rows = [[clip(name, CELL_WIDTH, encoding) for name in names]]
    rows += [
        [clip(_cell(item[name]), CELL_WIDTH, encoding) if name in item else "" for name in names] for item in items
    ]
    numeric = [all("N" in item[name] for item in items if name in item) for name in names]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(names))]
    lines = []
    for number, row in enumerate(rows):
        just = [wcwidth.rjust if numeric[i] and number else wcwidth.ljust for i in range(len(row))]
        lines.append("  ".join(just[i](text, widths[i]) for i, text in enumerate(row)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


@db_group.command("scan")
@TABLE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the items as a JSON list instead.")
@_target_options
@_command
def scan(target: Target, table: str, as_json: bool) -> None:
    """List the table's items, as aligned columns or --json.

    Long values are cut to fit; --json shows them whole. Characters the
    terminal's encoding cannot show appear as \\u escapes (JSON stays exact).

    \b
    Example:
      hobopy db scan
      hobopy db scan --table Todos --json > todos.json
    """
    items, keys = _read_table(target, table)
    items = sorted_items(items, keys)
    encoding = _output_encoding(sys.stdout)
    if as_json:
        values = [{name: plain(item[name]) for name in columns([item], keys)} for item in items]
        text = json.dumps(values, indent=2, ensure_ascii=False) + "\n"
        _emit(text if _can_encode(text, encoding) else json.dumps(values, indent=2) + "\n", encoding)
    elif not items:
        click.echo(f"Table {table} is empty.")
    else:
        _emit(render_table(items, keys, encoding), encoding)
        click.echo(f"{len(items)} item{'s' * (len(items) != 1)} in table {table} {target.describe()}.")


@db_group.command("export")
@TABLE_OPTION
@click.option("-o", "--output", type=DATA_PATH, help="File to write  [default: standard output]")
@_target_options
@_command
def export(target: Target, table: str, output: Path | None) -> None:
    """Export the table as a batch-write-item file.

    The file is UTF-8 JSON shaped like db/initial-data.json.
    `hobopy db load` reads it back at any size; the aws CLI's batch-write-item
    takes files of up to 25 items.

    \b
    Example:
      hobopy db export -o backup.json
      hobopy db load backup.json --table Todos-copy
    """
    items, keys = _read_table(target, table)
    text = dump_document(to_document(table, items, keys))
    if output is None:
        _emit(text, "utf-8")
    else:
        try:
            write_atomic(output, text)
        except OSError as exc:
            raise DataFileError(output, f"cannot write the file: {exc.strerror or exc}.") from None
    destination = "standard output" if output is None else display_path(output)
    click.echo(f"Exported {len(items)} item{'s' * (len(items) != 1)} of table {table} to {destination}.", err=True)


@db_group.command("reset")
@TABLE_OPTION
@SCHEMA_OPTION
@click.option(
    "--seed",
    type=DATA_PATH,
    default=SEED_PATH,
    show_default="db/initial-data.json",
    help="The batch-write-item file to load.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_target_options
@_command
def reset(target: Target, table: str, schema: Path, seed: Path, yes: bool) -> None:
    """Recreate the table and load the seed.

    Deletes the table, creates it from the schema and loads the seed file.
    Both files are checked before anything is deleted.

    \b
    Example:
      hobopy db reset --yes
    """
    spec = load_schema(schema, table_name=table)
    requests_by_table = _requests_for(seed, table)
    at, requests = requests_by_table[table]
    check_keys(requests, table, spec["KeySchema"], spec["AttributeDefinitions"], path=seed, at=at)
    if not yes:
        click.confirm(
            f"Delete table {table} {target.describe()} with everything in it, "
            f"and load {display_path(seed)} into a new one?",
            abort=True,
            err=True,
        )
    deleted = tables.delete_table(target.client, table)
    tables.ensure_table(target.client, spec)
    done = "Deleted and recreated" if deleted else "Created"
    click.echo(f"{done} table {table} {target.describe()} from {display_path(schema)}.")
    _write(target, seed, requests_by_table)


def _refuse(message: str) -> NoReturn:
    raise Failure(f"error: {message} Nothing was moved.")


@db_group.command("move-todos")
@click.option("--to", "owner", required=True, metavar="OWNER", help="The owner who gets the todos (a user's sub).")
@click.option(
    "--from",
    "source",
    default=settings.demo_owner,
    show_default="the demo owner",
    metavar="OWNER",
    help="The owner who gives them.",
)
@click.option("--from-table", metavar="NAME", help="Take every todo of this older table (keyed by id alone) instead.")
@TABLE_OPTION
@_target_options
@_command
def move_todos(target: Target, owner: str, source: str, from_table: str | None, table: str) -> None:
    """Give todos to an owner: another owner's, or every todo of a table from before accounts.

    The table's partition key is the owner (the `sub` of the user's ID token)
    and its sort key the todo's id. Without --from-table, the todos of --from
    (by default `demo`, who holds the seed locally) move to --to in --table.

    A table from before accounts is keyed by id alone, and DynamoDB cannot
    change a table's key: create a table from db/schema.json (a deploy does
    that, keeping the old table) and name the old one with --from-table.
    Its todos are copied into --table under --to; the old table stays as it was.

    Todos are written to the new owner before they leave the old one, so an
    interruption never loses one; if the new owner already has a todo with one
    of the ids, nothing is moved.

    \b
    Example:
      hobopy db move-todos --to 3b1c9a70-5d2e-4c11-9f0e-0c1d2e3f4a5b
      hobopy db move-todos --aws --from-table OLD-TABLE --table NEW-TABLE --to SUB
    """
    if not owner.strip():
        raise click.BadParameter("the owner cannot be empty.", param_hint="--to")
    try:
        keys = tables.key_names(target.client, table)
    except target.client.exceptions.ResourceNotFoundException:
        raise target.missing(table) from None
    if len(keys) != 2:
        _refuse(
            f"table {table} is keyed by {keys[0]} alone, from before accounts; create a table with the owner "
            f"key (`hobopy db create-table --table NEW`) and run `hobopy db move-todos --from-table {table} "
            "--table NEW --to OWNER`."
        )
    partition, sort = keys
    if from_table == table or (from_table is None and source == owner):
        _refuse(f"the todos are already where --to puts them ({table}, owner {owner}).")
    try:
        items = list(
            tables.scan_items(target.client, from_table)
            if from_table
            else tables.partition_items(target.client, table, partition, source)
        )
    except target.client.exceptions.ResourceNotFoundException:
        raise target.missing(str(from_table)) from None
    taken = {item[sort]["S"] for item in tables.partition_items(target.client, table, partition, owner)}
    clashes = sorted(taken & {item[sort]["S"] for item in items})
    if clashes:
        _refuse(f"owner {owner} already has {len(clashes)} of these ids in table {table} (e.g. {clashes[0]}).")
    tables.write_batches(
        target.client, table, [{"PutRequest": {"Item": {**i, partition: {"S": owner}}}} for i in items]
    )
    if not from_table:
        keys_of = [{"DeleteRequest": {"Key": {partition: i[partition], sort: i[sort]}}} for i in items]
        tables.write_batches(target.client, table, keys_of)
    origin = f"table {from_table}" if from_table else f"owner {source}"
    click.echo(
        f"Moved {len(items)} todo{'s' * (len(items) != 1)} of {origin} to owner {owner} "
        f"in table {table} {target.describe()}."
    )
