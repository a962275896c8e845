"""The walk-through's aws CLI commands against the local engine, with our unchanged db/ files."""

import json
import re
import shlex

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles, tables
from devtools.local import engine, supervise
from tests.cli.scripts import C_LOCALE, ROOT, SEED, SEED_ITEMS, hobopy, run, table_items, write_json

pytestmark = pytest.mark.engine

AWS_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}


def aws(*args, env=None):
    result = run("aws", "dynamodb", *args, env={**AWS_ENV, **(env or {})})
    return result


def scanned(result):
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(result.stdout.decode("utf-8"))["Items"], key=lambda item: item["id"]["S"])


@pytest.fixture(scope="module")
def own_engine(tmp_path_factory):
    """A dynalite of this module's own, where the table can be called Todos as in db/schema.json."""
    port = supervise.free_port()
    process = engine.start_dynalite(port, log_path=tmp_path_factory.mktemp("dynalite") / "dynalite.log")
    try:
        engine.wait_until_serving(f"http://127.0.0.1:{port}", process)
        # The walk-through's spelling of the address, as in the README.
        yield f"http://localhost:{port}"
    finally:
        supervise.stop(process)


def readme_commands():
    """The environment and the command lines of the README's "Database commands" blocks."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Database commands", 1)[1]
    blocks = re.findall(r"```\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    env, commands = {}, []
    for line in "".join(blocks).splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith("export "):
            env.update(pair.split("=", 1) for pair in line.split()[1:])
        elif line.startswith(".venv/bin/"):
            commands.append(shlex.split(line))
    return env, commands


def test_the_readmes_aws_cli_and_hobopy_db_commands_work_with_the_unchanged_db_files(own_engine, tmp_path):
    env, commands = readme_commands()
    assert [c[:3] for c in commands if c[0].endswith("aws")] == [
        [".venv/bin/aws", "dynamodb", "create-table"],
        [".venv/bin/aws", "dynamodb", "batch-write-item"],
        [".venv/bin/aws", "dynamodb", "scan"],
    ]
    port = own_engine.rsplit(":", 1)[1]
    for command in commands:
        program, args = command[0].removeprefix(".venv/bin/"), command[1:]
        if program == "aws":
            args = [a.replace("http://localhost:8001", own_engine) for a in args]
            result = run(program, *args, env=env)
        else:
            # The hobopy lines use the default endpoint; the port variable moves it to this engine.
            result = run(program, *args, env={"HOBOPY_DB_PORT": port}, input=b"y\n", cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        if args[:2] == ["dynamodb", "create-table"]:
            dynamodb_client(own_engine).get_waiter("table_exists").wait(TableName="Todos")
        if args[:2] == ["dynamodb", "scan"]:
            assert scanned(result) == SEED_ITEMS
        if args[:2] == ["db", "scan"]:
            assert "プロフィールページ作成" in result.stdout.decode("utf-8")
    assert (tmp_path / "backup.json").read_bytes() == datafiles.SEED_PATH.read_bytes()
    assert table_items(own_engine, "Todos") == SEED_ITEMS


def test_create_table_from_a_renamed_copy_of_the_schema_then_load_and_scan(unused_table, tmp_path):
    _, endpoint, name = unused_table
    schema = write_json(tmp_path / "schema.json", {**datafiles.read_json(datafiles.SCHEMA_PATH), "TableName": name})
    seed = write_json(tmp_path / "seed.json", {name: SEED["Todos"]})

    created = aws("create-table", "--cli-input-json", f"file://{schema}", "--endpoint-url", endpoint)
    assert created.returncode == 0, created.stderr
    dynamodb_client(endpoint).get_waiter("table_exists").wait(TableName=name)
    written = aws("batch-write-item", "--request-items", f"file://{seed}", "--endpoint-url", endpoint)
    assert written.returncode == 0, written.stderr
    assert scanned(aws("scan", "--table-name", name, "--endpoint-url", endpoint)) == SEED_ITEMS


def test_batch_write_item_accepts_a_file_written_by_export(table, tmp_path):
    options, endpoint, name = table
    assert hobopy("db", "load", *options).returncode == 0
    exported = tmp_path / "export.json"
    assert hobopy("db", "export", "-o", exported, *options).returncode == 0
    dynamodb = dynamodb_client(endpoint)
    tables.delete_table(dynamodb, name)
    tables.ensure_table(dynamodb, datafiles.load_schema(table_name=name))

    written = aws("batch-write-item", "--request-items", f"file://{exported}", "--endpoint-url", endpoint)
    assert written.returncode == 0, written.stderr
    assert table_items(endpoint, name) == SEED_ITEMS


def test_aws_cli_reads_file_urls_in_the_locale_encoding_so_utf8_mode_is_needed_under_a_c_locale(table, tmp_path):
    _, endpoint, name = table
    seed = write_json(tmp_path / "seed.json", {name: SEED["Todos"]})
    command = ["batch-write-item", "--request-items", f"file://{seed}", "--endpoint-url", endpoint]

    failed = aws(*command, env=C_LOCALE)
    assert failed.returncode != 0
    assert "could not be decoded" in failed.stderr.decode()
    assert table_items(endpoint, name) == []

    written = aws(*command, env={**C_LOCALE, "PYTHONUTF8": "1"})
    assert written.returncode == 0, written.stderr
    assert table_items(endpoint, name) == SEED_ITEMS
