"""docs/database.md's aws CLI and ``hobopy db`` lines work, in order, with the unchanged db/ files."""

import json
import shlex

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles
from tests.docs import pages
from tests.support.scripts import SEED_ITEMS, run, table_items

pytestmark = pytest.mark.engine

PAGE = pages.ROOT / "docs" / "database.md"


def page_commands() -> tuple[dict[str, str], list[list[str]]]:
    """The environment the page exports and its command lines, in order."""
    env, commands = {}, []
    for line in pages.command_lines(pages.read(PAGE)):
        if line.startswith("export "):
            env.update(pair.split("=", 1) for pair in line.split()[1:])
        elif line.startswith(".venv/bin/"):
            commands.append(shlex.split(line))
    return env, commands


def scanned(result):
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(result.stdout.decode("utf-8"))["Items"], key=lambda item: item["id"]["S"])


def test_its_aws_cli_and_hobopy_db_lines_work_with_the_unchanged_db_files(local_engine, tmp_path):
    env, commands = page_commands()
    assert [c[:3] for c in commands if c[0].endswith("aws")] == [
        [".venv/bin/aws", "dynamodb", "create-table"],
        [".venv/bin/aws", "dynamodb", "batch-write-item"],
        [".venv/bin/aws", "dynamodb", "scan"],
    ]
    assert len(commands) == 8
    port = local_engine.rsplit(":", 1)[1]
    for command in commands:
        program, args = command[0].removeprefix(".venv/bin/"), command[1:]
        if program == "aws":
            args = [a.replace("http://localhost:8001", local_engine) for a in args]
            result = run(program, *args, env=env)
        else:
            # The hobopy lines use the default endpoint; the port variable moves it to this engine.
            result = run(program, *args, env={"HOBOPY_DB_PORT": port}, input=b"y\n", cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        if args[:2] == ["dynamodb", "create-table"]:
            dynamodb_client(local_engine).get_waiter("table_exists").wait(TableName="Todos")
        if args[:2] == ["dynamodb", "scan"]:
            assert scanned(result) == SEED_ITEMS
        if args[:2] == ["db", "scan"]:
            assert "プロフィールページ作成" in result.stdout.decode("utf-8")
    assert (tmp_path / "backup.json").read_bytes() == datafiles.SEED_PATH.read_bytes()
    assert table_items(local_engine, "Todos") == SEED_ITEMS


def test_the_seed_it_describes_is_the_seed() -> None:
    text = " ".join(pages.read(PAGE).split())
    for item in SEED_ITEMS:
        assert f"`{item['id']['S']}` {item['title']['S']}" in text
    assert {item["owner"]["S"] for item in SEED_ITEMS} == {"demo"}
