"""``hobopy db ...``: create, load, list, export and reset the table, like the aws CLI but kinder.

Every command talks to the local engine unless told otherwise, reads files as
UTF-8 whatever the locale, and reports a problem as one line on stderr with
exit status 1.
"""
import codecs
import functools
import json
import os
import sys
import tempfile
import unicodedata
from pathlib import Path

import click
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    ReadTimeoutError,
)

from devtools import db

CELL_WIDTH = 40  # display columns; --json shows values whole


class Failure(click.ClickException):
    """One line on stderr, exit status 1: file errors start with the file's position."""

    def show(self, file=None):
        click.echo(" ".join(self.message.split("\n")), err=True)


def default_endpoint():
    """The local engine's URL: $HOBOPY_DB_ENDPOINT, else 127.0.0.1 on $HOBOPY_DB_PORT (8001)."""
    return os.environ.get("HOBOPY_DB_ENDPOINT") or f"http://127.0.0.1:{os.environ.get('HOBOPY_DB_PORT') or 8001}"


class Target:
    """Where the commands send their requests: a local engine, or AWS when ``endpoint`` is None."""

    def __init__(self, endpoint, region):
        self.endpoint = endpoint
        self.region = region
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = db.client(self.endpoint, self.region)
        return self._client

    def describe(self):
        if self.endpoint:
            return f"at {self.endpoint}"
        return f"on AWS ({self.region})" if self.region else "on AWS"


def _explain(exc, target):
    """One line for an error from boto3/botocore, with the fix when there is an obvious one."""
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError)):
        if target.endpoint:
            return (f"error: cannot reach a DynamoDB engine at {target.endpoint}: is it running? "
                    "Start it with `hobopy run`, or pass --endpoint-url.")
        return f"error: cannot reach DynamoDB {target.describe()}: {exc}"
    if isinstance(exc, ReadTimeoutError):
        return f"error: the database {target.describe()} did not answer in time."
    if isinstance(exc, NoCredentialsError):
        return ("error: no AWS credentials found: configure them (`aws configure`), "
                "or leave out --aws to use the local engine.")
    if isinstance(exc, NoRegionError):
        return "error: no AWS region given: pass --region or set AWS_DEFAULT_REGION."
    if isinstance(exc, ParamValidationError):
        return f"error: {exc}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", "")
        if code.isdigit():
            # botocore uses the HTTP status as the code when the answer has no DynamoDB error type.
            return (f"error: something answered HTTP {code} {target.describe()}, but not as DynamoDB does; "
                    "is --endpoint-url the engine's address (the engine is on :8001, the API on :8000)?")
        return f"error: {exc.operation_name} {target.describe()} failed: {code}: {message}"
    return f"error: {exc}"


def _command(function):
    """Turn the expected failures of a command into one line and exit status 1."""
    @functools.wraps(function)
    def wrapper(target, *args, **kwargs):
        try:
            return function(target, *args, **kwargs)
        except db.DataFileError as exc:
            raise Failure(str(exc)) from None
        except (BotoCoreError, ClientError) as exc:
            raise Failure(_explain(exc, target)) from None
        except (TimeoutError, db.UnprocessedItemsError) as exc:
            raise Failure(f"error: {exc}.") from None
        except BrokenPipeError:
            # The reader (e.g. `| head`) has gone: stop quietly, as cat does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
    return wrapper


def _target_options(function):
    """--endpoint-url/--aws/--region, handed to the command as a ``Target``."""
    @click.option("--endpoint-url", metavar="URL",
                  help="DynamoDB endpoint [default: $HOBOPY_DB_ENDPOINT, else http://127.0.0.1:$HOBOPY_DB_PORT "
                       "(8001)]. An empty value means AWS itself.")
    @click.option("--aws", is_flag=True, help="Use DynamoDB on AWS with your AWS credentials "
                                              "(same as --endpoint-url '').")
    @click.option("--region", metavar="REGION", help="AWS region [default: $AWS_DEFAULT_REGION; us-east-1 locally].")
    @functools.wraps(function)
    def wrapper(*args, endpoint_url, aws, region, **kwargs):
        if aws and endpoint_url:
            raise click.UsageError("--aws and --endpoint-url name different databases; give one.")
        if aws:
            endpoint_url = ""
        elif endpoint_url is None:
            endpoint_url = default_endpoint()
        if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
            raise click.BadParameter(f"{endpoint_url!r} is not a URL; write it like http://127.0.0.1:8001.",
                                     param_hint="--endpoint-url")
        return function(Target(endpoint_url or None, region), *args, **kwargs)
    return wrapper


TABLE_OPTION = click.option("--table", metavar="NAME", default=db.TABLE_NAME, show_default=True,
                            help="Table name.")


# Files are checked by the commands themselves, so that problems read the same everywhere.
DATA_PATH = click.Path(path_type=Path)


@click.group("db", context_settings={"help_option_names": ["-h", "--help"]})
def db_group():
    """Manage the DynamoDB table: create it, load data files, list, export, reset.

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
@click.option("--schema", type=DATA_PATH, default=db.SCHEMA_PATH, show_default="db/schema.json",
              help="A create-table --cli-input-json file.")
@click.option("--table", metavar="NAME", help="Table name  [default: the schema's TableName]")
@_target_options
@_command
def create_table(target, schema, table):
    """Create the table from db/schema.json.

    Waits until the table is ACTIVE. A table that already exists is left as it is (exit status 0).

    \b
    Example:
      hobopy db create-table
      hobopy db create-table --table Todos-try --endpoint-url http://127.0.0.1:8101
    """
    spec = db.load_schema(schema, table_name=table)
    created = db.ensure_table(target.client, spec)
    name = spec["TableName"]
    if created:
        click.echo(f"Created table {name} {target.describe()} from {db.display_path(schema)}.")
    else:
        click.echo(f"Table {name} already exists {target.describe()}; left unchanged.")


def _requests_for(path, table):
    """The file's requests by table, moved to ``table`` when given."""
    document = db.read_requests(path)
    if table is None:
        return {name: (name, requests) for name, requests in document.items()}
    if len(document) != 1:
        raise Failure(f"{db.display_path(path)}: the file writes to {len(document)} tables "
                      f"({', '.join(document)}); --table needs a file with one.")
    (at, requests), = document.items()
    return {table: (at, requests)}


def _check_against_table(target, path, requests_by_table):
    for name, (at, requests) in requests_by_table.items():
        try:
            table = target.client.describe_table(TableName=name)["Table"]
        except target.client.exceptions.ResourceNotFoundException:
            raise Failure(f"error: table {name} does not exist {target.describe()}; create it first with "
                          f"`hobopy db create-table --table {name}`. Nothing was written.") from None
        db.check_keys(requests, name, table["KeySchema"], table["AttributeDefinitions"], path=path, at=at)


def _write(target, path, requests_by_table):
    for name, (_, requests) in requests_by_table.items():
        try:
            db.write_batches(target.client, name, db.to_boto(requests))
        except db.UnprocessedItemsError as exc:
            raise Failure(f"error: {exc}; {exc.written} of {len(requests)} requests from "
                          f"{db.display_path(path)} reached table {name}.") from None
        puts = sum(1 for r in requests if "PutRequest" in r)
        deletes = len(requests) - puts
        detail = f" and deleted {deletes}" if deletes else ""
        click.echo(f"Wrote {puts} item{'s' * (puts != 1)}{detail} in table {name} {target.describe()} "
                   f"from {db.display_path(path)}.")


@db_group.command("load")
@click.argument("file", type=DATA_PATH, default=db.SEED_PATH, required=False)
@click.option("--table", metavar="NAME", help="Write the file's requests to this table instead of the one it names.")
@_target_options
@_command
def load(target, file, table):
    """Load a batch-write-item file of any size (default db/initial-data.json).

    The whole file is checked first (JSON, UTF-8, shape, DynamoDB JSON values,
    the table's key), so a mistake anywhere writes nothing. Then it is sent
    in batches of 25, retrying what the database leaves unprocessed.

    \b
    Example:
      hobopy db load
      hobopy db load backup.json --table Todos-copy
    """
    requests_by_table = _requests_for(file, table)
    _check_against_table(target, file, requests_by_table)
    _write(target, file, requests_by_table)


def _missing_table(target, name):
    return Failure(f"error: table {name} does not exist {target.describe()}; "
                   f"create it with `hobopy db create-table --table {name}`.")


def _read_table(target, name):
    """(items, key names) of the whole table."""
    try:
        keys = db.key_names(target.client, name)
        return list(db.scan_items(target.client, name)), keys
    except target.client.exceptions.ResourceNotFoundException:
        raise _missing_table(target, name) from None


def _output_encoding(stream):
    # A locale that claims ASCII is taken to be a misconfigured UTF-8 one, as
    # Python's UTF-8 mode and click do; other encodings are respected.
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return "utf-8" if codecs.lookup(encoding).name == "ascii" else encoding


def _emit(text, encoding):
    stream = sys.stdout
    stream.flush()
    stream.buffer.write(text.encode(encoding, "backslashreplace"))
    stream.buffer.flush()


def display_width(text):
    """Columns ``text`` takes in a terminal: East Asian wide characters count two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def clip(text, width, encoding="utf-8"):
    """``text`` as ``encoding`` can show it, cut to at most ``width`` display columns.

    Characters the encoding lacks become backslash escapes, never cut in half.
    """
    pieces = [c.encode(encoding, "backslashreplace").decode(encoding) for c in text]
    if display_width("".join(pieces)) <= width:
        return "".join(pieces)
    ellipsis = "…" if _can_encode("…", encoding) else "..."
    room = width - display_width(ellipsis)
    out, used = "", 0
    for piece in pieces:
        used += display_width(piece)
        if used > room:
            break
        out += piece
    return out + ellipsis


def _cell(value):
    """One line of text for a value: control characters such as newlines become escapes."""
    (kind, inner), = value.items()
    if kind in ("S", "N"):
        text = inner
    elif kind == "BOOL":
        text = "true" if inner else "false"
    else:
        text = json.dumps(db.plain(value), ensure_ascii=False)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def render_table(items, keys, encoding):
    """Items as aligned text columns; what ``encoding`` cannot show becomes a backslash escape."""
    names = db.columns(items, keys)
    rows = [[clip(name, CELL_WIDTH, encoding) for name in names]]
    rows += [[clip(_cell(item[name]), CELL_WIDTH, encoding) if name in item else "" for name in names]
             for item in items]
    numeric = [all("N" in item[name] for item in items if name in item) for name in names]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(names))]
    lines = []
    for number, row in enumerate(rows):
        cells = []
        for i, text in enumerate(row):
            pad = " " * (widths[i] - display_width(text))
            cells.append(pad + text if numeric[i] and number else text + pad)
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _can_encode(text, encoding):
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


@db_group.command("scan")
@TABLE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the items as a JSON list instead.")
@_target_options
@_command
def scan(target, table, as_json):
    """List the table's items, as aligned columns or --json.

    Long values are cut to fit; --json shows them whole. Characters the
    terminal's encoding cannot show appear as \\u escapes (JSON stays exact).

    \b
    Example:
      hobopy db scan
      hobopy db scan --table Todos --json > todos.json
    """
    items, keys = _read_table(target, table)
    items = db.sorted_items(items, keys)
    encoding = _output_encoding(sys.stdout)
    if as_json:
        values = [{name: db.plain(item[name]) for name in db.columns([item], keys)} for item in items]
        text = json.dumps(values, indent=2, ensure_ascii=False) + "\n"
        if not _can_encode(text, encoding):
            text = json.dumps(values, indent=2) + "\n"
        _emit(text, encoding)
        return
    if not items:
        click.echo(f"Table {table} is empty.")
        return
    _emit(render_table(items, keys, encoding), encoding)
    click.echo(f"{len(items)} item{'s' * (len(items) != 1)} in table {table} {target.describe()}.")


def _write_file(path, text):
    """Write ``text`` as UTF-8, replacing ``path`` only once the whole file is written."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


@db_group.command("export")
@TABLE_OPTION
@click.option("-o", "--output", type=DATA_PATH, help="File to write  [default: standard output]")
@_target_options
@_command
def export(target, table, output):
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
    text = db.dump_document(db.to_document(table, items, keys))
    if output is None:
        _emit(text, "utf-8")
        destination = "standard output"
    else:
        try:
            _write_file(output, text)
        except OSError as exc:
            raise Failure(f"{db.display_path(output)}: cannot write the file: {exc.strerror or exc}.") from None
        destination = db.display_path(output)
    click.echo(f"Exported {len(items)} item{'s' * (len(items) != 1)} of table {table} to {destination}.",
               err=True)


@db_group.command("reset")
@TABLE_OPTION
@click.option("--schema", type=DATA_PATH, default=db.SCHEMA_PATH, show_default="db/schema.json",
              help="A create-table --cli-input-json file.")
@click.option("--seed", type=DATA_PATH, default=db.SEED_PATH, show_default="db/initial-data.json",
              help="The batch-write-item file to load.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_target_options
@_command
def reset(target, table, schema, seed, yes):
    """Recreate the table and load the seed.

    Deletes the table, creates it from the schema and loads the seed file.
    Both files are checked before anything is deleted.

    \b
    Example:
      hobopy db reset --yes
    """
    spec = db.load_schema(schema, table_name=table)
    requests_by_table = _requests_for(seed, table)
    db.check_keys(requests_by_table[table][1], table, spec["KeySchema"], spec["AttributeDefinitions"],
                  path=seed, at=requests_by_table[table][0])
    if not yes:
        click.confirm(f"Delete table {table} {target.describe()} with everything in it, "
                      f"and load {db.display_path(seed)} into a new one?", abort=True, err=True)
    deleted = db.delete_table(target.client, table)
    db.ensure_table(target.client, spec)
    click.echo(f"{'Deleted and recreated' if deleted else 'Created'} table {table} {target.describe()} "
               f"from {db.display_path(schema)}.")
    _write(target, seed, requests_by_table)
