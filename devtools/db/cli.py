"""``hobopy db ...``: create, load, list, export, reset the table and move todos, like the aws CLI but kinder.

Every command talks to the local engine unless told otherwise, reads files as UTF-8 whatever the locale,
and reports a problem as one line on stderr with exit status 1.
"""

import codecs
import dataclasses
import functools
import itertools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
import wcwidth
from botocore import exceptions as boto

from chalicelib.storage import dynamodb_client
from devtools import settings
from devtools.db import datafiles, tables
from devtools.files import DataFileError, display_path, write_atomic

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

CELL_WIDTH = 40  # display columns; --json shows values whole


class Failure(click.ClickException):
    """One line on stderr, exit status 1: file errors start with the file's position."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message.replace("\n", " "), err=True)


@dataclasses.dataclass
class Target:
    """Where the commands send their requests: a local engine, or AWS when ``endpoint`` is None."""

    endpoint: str | None
    region: str | None

    @functools.cached_property
    def client(self) -> "DynamoDBClient":
        return dynamodb_client(self.endpoint, region=self.region)

    def __str__(self) -> str:
        return f"at {self.endpoint}" if self.endpoint else f"on AWS in {self.region or settings.region()}"

    def describe_table(self, name: str, then: str = "") -> Any:
        """The table's description; its absence is a failure that says how to create it."""
        try:
            return self.client.describe_table(TableName=name)["Table"]
        except self.client.exceptions.ResourceNotFoundException:
            raise Failure(
                f"error: table {name} does not exist {self}; "
                f"create it with `hobopy db create-table --table {name}`.{then}"
            ) from None


def _explain(exc: Exception, target: Target) -> str:
    """One line for an error from boto3/botocore, with the fix when there is an obvious one."""
    if isinstance(exc, boto.ConnectionError | boto.ConnectionClosedError) and target.endpoint:
        return (
            f"error: cannot reach a DynamoDB engine at {target.endpoint}: is it running? "
            "Start it with `hobopy run`, or pass --endpoint-url."
        )
    if isinstance(exc, boto.NoCredentialsError):
        return "error: no AWS credentials found: run `aws configure`, or leave out --aws to use the local engine."
    # botocore uses the HTTP status as the code when the answer has no DynamoDB error type.
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, boto.ClientError) else ""
    if code.isdigit():
        return (
            f"error: something answered HTTP {code} {target}, but not as DynamoDB does; is --endpoint-url the "
            f"engine's address (the engine is on :{settings.DB_PORT}, the API on :{settings.API_PORT})?"
        )
    return f"error: {exc} ({target})"


def _on_target(function: Callable[..., None]) -> Callable[..., None]:
    """Add --endpoint-url/--aws/--region, handed to the command as a ``Target``; failures become one line."""

    @click.option(
        "--endpoint-url",
        metavar="URL",
        help=f"DynamoDB endpoint [default: $HOBOPY_DB_ENDPOINT, else {settings.url(settings.DB_PORT)} "
        "(port from $HOBOPY_DB_PORT)]. An empty value means AWS itself.",
    )
    @click.option("--aws", is_flag=True, help="DynamoDB on AWS, with your AWS credentials (same as --endpoint-url '').")
    @click.option("--region", metavar="REGION", help="AWS region [default: $AWS_DEFAULT_REGION, else us-east-1].")
    @functools.wraps(function)
    def command(*args: Any, endpoint_url: str | None, aws: bool, region: str | None, **kwargs: Any) -> None:
        if aws and endpoint_url:
            raise click.UsageError("--aws and --endpoint-url name different databases; give one.")
        try:
            endpoint = "" if aws else settings.db_endpoint() if endpoint_url is None else endpoint_url
        except settings.SettingsError as exc:
            raise Failure(f"error: {exc}") from None
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise click.BadParameter(
                f"{endpoint!r} is not a URL; write it like {settings.url(settings.DB_PORT)}.",
                param_hint="--endpoint-url",
            )
        target = Target(endpoint or None, region)
        try:
            function(target, *args, **kwargs)
        except DataFileError as exc:
            raise Failure(str(exc)) from None
        except (boto.BotoCoreError, boto.ClientError) as exc:
            raise Failure(_explain(exc, target)) from None
        except BrokenPipeError:
            # The reader (e.g. `| head`) has gone: stop quietly, as cat does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    return command


TABLE_OPTION = click.option(
    "--table", metavar="NAME", default=datafiles.TABLE_NAME, show_default=True, help="Table name."
)
SCHEMA_OPTION = click.option(
    "--schema", type=Path, default=datafiles.SCHEMA_PATH, show_default="db/schema.json", help="A create-table file."
)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


@click.group("db", context_settings={"help_option_names": ["-h", "--help"]})
def db_group() -> None:
    """Manage the DynamoDB table: create it, load data files, list, export, reset, move todos.

    Every command talks to the local engine at http://127.0.0.1:8001 (port from $HOBOPY_DB_PORT, the whole
    URL from $HOBOPY_DB_ENDPOINT) unless --endpoint-url names another; --aws (or --endpoint-url '') uses
    DynamoDB on AWS with your usual AWS credentials. Files are read and written as UTF-8 whatever the locale.

    \b
    Example:
      hobopy db reset --yes && hobopy db scan
    """


@db_group.command("create-table")
@SCHEMA_OPTION
@click.option("--table", metavar="NAME", help="Table name  [default: the schema's TableName]")
@_on_target
def create_table(target: Target, schema: Path, table: str | None) -> None:
    """Create the table from db/schema.json and wait until it is ACTIVE; an existing one is left as it is.

    \b
    Example:
      hobopy db create-table
      hobopy db create-table --table Todos-try --endpoint-url http://127.0.0.1:8101
    """
    spec = datafiles.load_schema(schema, table_name=table)
    if tables.ensure_table(target.client, spec):
        click.echo(f"Created table {spec['TableName']} {target} from {display_path(schema)}.")
    else:
        click.echo(f"Table {spec['TableName']} already exists {target}; left unchanged.")


def _checked_requests(
    path: Path, table: str | None, describe: Callable[[str], Any], owner: str | None = None
) -> dict[str, datafiles.Requests]:
    """The file's requests by table (all of them moved to ``table`` when given), checked against each table's key.

    Items without an owner (a file written for a table keyed by id alone) go to ``owner``, by default the demo
    owner, and the command says so.
    """
    document = datafiles.read_requests(path)
    if table and len(document) != 1:
        raise Failure(
            f"{display_path(path)}: the file writes to {len(document)} tables "
            f"({', '.join(document)}); --table needs a file with one."
        )
    checked, given = {}, 0
    for at, requests in document.items():
        name = table or at
        found = describe(name)
        keys, definitions = found["KeySchema"], found["AttributeDefinitions"]
        requests, count = datafiles.with_owner(requests, keys, definitions, owner or settings.demo_owner())
        datafiles.check_keys(requests, name, keys, definitions, path=path, at=at)
        checked[name], given = requests, given + count
    if given:
        click.echo(_owner_note(path, given, owner))
    elif owner:
        click.echo(f"note: every item names its owner; --owner was not used for {display_path(path)}.", err=True)
    return checked


def _owner_note(path: Path, count: int, owner: str | None) -> str:
    note = f"{display_path(path)} keys its todos by id alone, as a table from before accounts did: "
    if owner:
        return note + f"{_count(count, 'todo')} go to owner {owner}."
    return note + (
        f"{_count(count, 'todo')} go to owner {settings.demo_owner()} (the demo owner: requests without a token); "
        "`--owner SUB` gives them to a user instead."
    )


def _write(target: Target, path: Path, requests_by_table: dict[str, datafiles.Requests]) -> None:
    for name, requests in requests_by_table.items():
        tables.write_batches(target.client, name, datafiles.to_boto(requests))
        puts = sum(1 for r in requests if "PutRequest" in r)
        deletes = f" and deleted {len(requests) - puts}" if len(requests) > puts else ""
        click.echo(f"Wrote {_count(puts, 'item')}{deletes} in table {name} {target} from {display_path(path)}.")


@db_group.command("load")
@click.argument("file", type=Path, default=datafiles.SEED_PATH, required=False)
@click.option("--table", metavar="NAME", help="Write the file's requests to this table instead of the one it names.")
@click.option(
    "--owner",
    metavar="SUB",
    help="Who gets the file's todos that name no owner (a user's sub)  [default: the demo owner]",
)
@_on_target
def load(target: Target, file: Path, table: str | None, owner: str | None) -> None:
    """Load a batch-write-item file of any size (default db/initial-data.json).

    The whole file is checked first (JSON, UTF-8, shape, DynamoDB JSON values, the table's key), so a
    mistake anywhere writes nothing. Then it is sent in batches of 25, resending what is left unprocessed.

    A file written for a table keyed by id alone (like the original walk-through's initial-data.json)
    names no owner: its todos go to the demo owner, or to --owner.

    \b
    Example:
      hobopy db load
      hobopy db load backup.json --table Todos-copy
      hobopy db load old/initial-data.json --owner 3b1c9a70-5d2e-4c11-9f0e-0c1d2e3f4a5b
    """
    if owner is not None and not owner.strip():
        raise click.BadParameter("the owner cannot be empty.", param_hint="--owner")
    describe = functools.partial(target.describe_table, then=" Nothing was written.")
    _write(target, file, _checked_requests(file, table, describe, owner))


def _read_table(target: Target, name: str) -> tuple[list[datafiles.Item], list[str]]:
    """(items in key order, key names) of the whole table."""
    keys = datafiles.key_order(target.describe_table(name)["KeySchema"])
    return datafiles.sorted_items(tables.scan_items(target.client, name), keys), keys


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def clip(text: str, width: int, encoding: str = "utf-8") -> str:
    """``text`` on one line as ``encoding`` can show it, cut to at most ``width`` display columns.

    Control characters and characters the encoding lacks become backslash escapes, never cut in half.
    """
    pieces = [c if c.isprintable() and _can_encode(c, encoding) else c.encode("unicode_escape").decode() for c in text]
    if wcwidth.width("".join(pieces)) <= width:
        return "".join(pieces)
    ellipsis = "…" if _can_encode("…", encoding) else "..."
    room = width - wcwidth.width(ellipsis)
    kept = itertools.takewhile(lambda used: used <= room, itertools.accumulate(map(wcwidth.width, pieces)))
    return "".join(pieces[: len(list(kept))]) + ellipsis


def render_table(items: list[datafiles.Item], keys: list[str], encoding: str) -> str:
    """Items as aligned text columns, numbers on the right; each value on one line, cut to ``CELL_WIDTH``."""
    columns = []
    for name in datafiles.columns(items, keys):
        head = clip(name, CELL_WIDTH, encoding)
        cells = [clip(_text(item[name]) if name in item else "", CELL_WIDTH, encoding) for item in items]
        width = max(map(wcwidth.width, [head, *cells]))
        just = wcwidth.rjust if all("N" in item[name] for item in items if name in item) else wcwidth.ljust
        columns.append([wcwidth.ljust(head, width), "-" * width, *(just(cell, width) for cell in cells)])
    return "".join("  ".join(row).rstrip() + "\n" for row in zip(*columns, strict=True))


def _text(value: dict[str, Any]) -> str:
    ((kind, inner),) = value.items()
    return inner if kind in ("S", "N") else json.dumps(datafiles.plain(value), ensure_ascii=False)


@db_group.command("scan")
@TABLE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the items as a JSON list instead.")
@_on_target
def scan(target: Target, table: str, as_json: bool) -> None:
    """List the table's items, as aligned columns or --json.

    Long values are cut to fit; --json shows them whole. Characters the terminal's encoding cannot
    show appear as \\u escapes (JSON stays exact).

    \b
    Example:
      hobopy db scan
      hobopy db scan --table Todos --json > todos.json
    """
    items, keys = _read_table(target, table)
    # A locale that claims ASCII is taken to be a misconfigured UTF-8 one, as Python's UTF-8 mode and click do.
    encoding = sys.stdout.encoding or "utf-8"
    encoding = "utf-8" if codecs.lookup(encoding).name == "ascii" else encoding
    if as_json:
        values = [{name: datafiles.plain(item[name]) for name in datafiles.columns([item], keys)} for item in items]
        text = json.dumps(values, indent=2, ensure_ascii=False)
        click.echo((text if _can_encode(text, encoding) else json.dumps(values, indent=2)).encode(encoding))
    elif not items:
        click.echo(f"Table {table} is empty.")
    else:
        click.echo(render_table(items, keys, encoding).encode(encoding), nl=False)
        click.echo(f"{_count(len(items), 'item')} in table {table} {target}.")


@db_group.command("export")
@TABLE_OPTION
@click.option("-o", "--output", type=Path, help="File to write  [default: standard output]")
@_on_target
def export(target: Target, table: str, output: Path | None) -> None:
    """Export the table as a batch-write-item file: UTF-8 JSON shaped like db/initial-data.json.

    `hobopy db load` reads it back at any size; the aws CLI's batch-write-item takes files of up to 25 items.

    \b
    Example:
      hobopy db export -o backup.json
      hobopy db load backup.json --table Todos-copy
    """
    items, keys = _read_table(target, table)
    text = datafiles.dump_document(datafiles.to_document(table, items, keys))
    if output is None:
        click.echo(text.encode("utf-8"), nl=False)
    else:
        try:
            write_atomic(output, text)
        except OSError as exc:
            raise DataFileError(output, f"cannot write the file: {exc.strerror or exc}.") from None
    destination = "standard output" if output is None else display_path(output)
    click.echo(f"Exported {_count(len(items), 'item')} of table {table} to {destination}.", err=True)


@db_group.command("reset")
@TABLE_OPTION
@SCHEMA_OPTION
@click.option(
    "--seed", type=Path, default=datafiles.SEED_PATH, show_default="db/initial-data.json", help="The file to load."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_on_target
def reset(target: Target, table: str, schema: Path, seed: Path, yes: bool) -> None:
    """Recreate the table from the schema and load the seed (a batch-write-item file).

    Both files are checked before anything is deleted.

    \b
    Example:
      hobopy db reset --yes
    """
    spec = datafiles.load_schema(schema, table_name=table)
    requests = _checked_requests(seed, table, lambda _: spec)
    if not yes:
        question = f"Delete table {table} {target} with everything in it, and load {display_path(seed)} into a new one?"
        click.confirm(question, abort=True, err=True)
    done = "Deleted and recreated" if tables.delete_table(target.client, table) else "Created"
    tables.ensure_table(target.client, spec)
    click.echo(f"{done} table {table} {target} from {display_path(schema)}.")
    _write(target, seed, requests)


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
@_on_target
def move_todos(target: Target, owner: str, source: str, from_table: str | None, table: str) -> None:
    """Give todos to an owner: another owner's, or every todo of a table from before accounts.

    The table's partition key is the owner (the `sub` of the user's ID token), its sort key the todo's id.
    Without --from-table, the todos of --from (by default `demo`, who holds the seed locally) move to --to.

    A table from before accounts is keyed by id alone, which DynamoDB cannot change: create a table from
    db/schema.json (a deploy does, keeping the old table) and name the old one with --from-table. Its todos
    are copied into --table under --to; the old table stays as it was.

    Todos reach the new owner before they leave the old one, so an interruption never loses one; if the new
    owner already has a todo with one of the ids, nothing is moved.

    \b
    Example:
      hobopy db move-todos --to 3b1c9a70-5d2e-4c11-9f0e-0c1d2e3f4a5b
      hobopy db move-todos --aws --from-table OLD-TABLE --table NEW-TABLE --to SUB
    """
    if not owner.strip():
        raise click.BadParameter("the owner cannot be empty.", param_hint="--to")
    keys = datafiles.key_order(target.describe_table(table)["KeySchema"])
    if len(keys) != 2:
        raise Failure(
            f"error: table {table} is keyed by {keys[0]} alone, from before accounts; create a table with the owner "
            f"key (`hobopy db create-table --table NEW`), then run `hobopy db move-todos --from-table {table} "
            "--table NEW --to OWNER`. Nothing was moved."
        )
    partition, sort = keys
    if from_table == table or (from_table is None and source == owner):
        raise Failure(f"error: the todos are already where --to puts them ({table}, owner {owner}). Nothing was moved.")
    if from_table:
        target.describe_table(from_table)
        items = list(tables.scan_items(target.client, from_table))
    else:
        items = list(tables.partition_items(target.client, table, partition, source))
    taken = {item[sort]["S"] for item in tables.partition_items(target.client, table, partition, owner)}
    clashes = sorted(taken & {item[sort]["S"] for item in items})
    if clashes:
        raise Failure(
            f"error: owner {owner} already has {len(clashes)} of these ids in table {table} (e.g. {clashes[0]}). "
            "Nothing was moved."
        )
    moved = [{"PutRequest": {"Item": {**item, partition: {"S": owner}}}} for item in items]
    tables.write_batches(target.client, table, moved)
    if not from_table:
        gone = [{"DeleteRequest": {"Key": {partition: item[partition], sort: item[sort]}}} for item in items]
        tables.write_batches(target.client, table, gone)
    origin = f"table {from_table}" if from_table else f"owner {source}"
    click.echo(f"Moved {_count(len(items), 'todo')} of {origin} to owner {owner} in table {table} {target}.")
