"""`hobopy db ...` against a real dynalite engine: through the installed console script where the process itself
matters (its locale, its output encoding, its environment), in process for the rest of what the commands do."""

import http.server
import json
import re
import threading
import unicodedata

import pytest

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles
from devtools.local import supervise
from tests.support.project import create_fresh_table
from tests.support.scripts import (
    C_LOCALE,
    SEED_ITEMS,
    assert_one_line_failure,
    hobopy,
    hobopy_in_process,
    run,
    table_items,
    write_json,
)

pytestmark = pytest.mark.engine

PLAIN_SEED = [{name: datafiles.plain(value) for name, value in item.items()} for item in SEED_ITEMS]
COMMANDS = ["create-table", "load", "scan", "export", "reset", "move-todos"]
REQUIRED = {"reset": ["--yes"], "move-todos": ["--to", "someone"]}


def columns_of(text):
    # Written here rather than imported so that the test does not grade the code with itself.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def many_todos(count):
    """A batch-write-item document of ``count`` Japanese todos for table Todos."""
    return {
        "Todos": [
            {
                "PutRequest": {
                    "Item": {
                        "owner": {"S": "demo"},
                        "id": {"S": f"T{n:03d}"},
                        "title": {"S": f"買い物リスト {n} 🍣"},
                        "memo": {"S": "牛乳、卵\n𩸽の開き"},
                        "priority": {"N": str(n % 5 + 1)},
                        "completed": {"BOOL": n % 2 == 0},
                    }
                }
            }
            for n in range(count)
        ]
    }


def load_seed(options):
    result = hobopy_in_process("db", "load", *options)
    assert result.returncode == 0, result.stderr


def test_create_table_makes_an_active_table_and_says_so_when_it_already_exists(unused_table):
    options, endpoint, name = unused_table
    first = hobopy_in_process("db", "create-table", *options)
    assert first.returncode == 0, first.stderr
    assert f"Created table {name}" in first.stdout.decode()
    description = dynamodb_client(endpoint).describe_table(TableName=name)["Table"]
    assert description["TableStatus"] == "ACTIVE"
    assert description["KeySchema"] == datafiles.load_schema()["KeySchema"]

    second = hobopy_in_process("db", "create-table", *options)
    assert second.returncode == 0, second.stderr
    assert f"Table {name} already exists" in second.stdout.decode()


def test_load_writes_the_seed_and_says_how_many_items(table):
    options, endpoint, name = table
    result = hobopy_in_process("db", "load", *options)
    assert result.returncode == 0, result.stderr
    assert f"Wrote 3 items in table {name}" in result.stdout.decode()
    assert table_items(endpoint, name) == SEED_ITEMS


def test_the_ascii_locale_of_these_tests_really_is_ascii():
    result = run(
        "python", "-c", "import locale, sys; print(sys.stdout.encoding, locale.getpreferredencoding())", env=C_LOCALE
    )
    assert result.stdout.decode().split() == ["ascii", "ANSI_X3.4-1968"]


def test_seed_text_arrives_intact_and_scan_prints_it_under_an_ascii_locale(unused_table):
    options, endpoint, name = unused_table
    for command in ("create-table", "load"):
        result = hobopy("db", command, *options, env=C_LOCALE)
        assert result.returncode == 0, result.stderr
    assert table_items(endpoint, name) == SEED_ITEMS

    # A locale claiming ASCII is taken as a misconfigured UTF-8 one, as Python's UTF-8 mode does.
    listing = hobopy("db", "scan", *options, env=C_LOCALE)
    assert listing.returncode == 0, listing.stderr
    assert listing.stderr == b""
    text = listing.stdout.decode("utf-8")
    for item in PLAIN_SEED:
        assert item["title"] in text

    as_json = hobopy("db", "scan", "--json", *options, env=C_LOCALE)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout.decode("utf-8")) == PLAIN_SEED


def test_scan_escapes_what_a_narrow_output_encoding_cannot_show_and_its_json_stays_exact(table):
    options, _, _ = table
    load_seed(options)
    narrow = {"PYTHONIOENCODING": "latin-1"}

    listing = hobopy("db", "scan", *options, env=narrow)
    assert listing.returncode == 0, listing.stderr
    text = listing.stdout.decode("latin-1")
    assert text.isascii()
    assert "\\u30d7\\u30ed" in text  # プロ, the start of the first title
    lines = text.splitlines()
    memo_at = lines[0].index("memo")
    assert all(line[memo_at - 2 : memo_at] == "  " for line in lines[:4])

    as_json = hobopy("db", "scan", "--json", *options, env=narrow)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout.decode("latin-1")) == PLAIN_SEED


def test_scan_lines_up_columns_by_display_width_when_text_is_japanese(table):
    options, endpoint, name = table
    load_seed(options)
    dynamodb_client(endpoint).put_item(
        TableName=name,
        Item={
            "owner": {"S": "demo"},
            "id": {"S": "L10"},
            "title": {"S": "plain ASCII title"},
            "memo": {"S": ""},
            "priority": {"N": "1"},
            "completed": {"BOOL": True},
        },
    )

    result = hobopy_in_process("db", "scan", *options)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    header, rule, rows = lines[0], lines[1], lines[2:6]
    assert [row.split()[:2] for row in rows] == [["demo", f"L{n}"] for n in (5, 6, 7, 10)]
    priority_ends = columns_of(header[: header.index("priority") + len("priority")])
    for row, item in zip(rows, [*PLAIN_SEED, {"priority": 1}], strict=True):
        digit = f"  {item['priority']}  "
        assert columns_of(row[: row.index(digit) + len(digit) - 2]) == priority_ends, row
    assert lines[-1] == f"4 items in table {name} at {endpoint}."
    assert set(rule) == {"-", " "}


def test_a_file_of_sixty_items_loads_completely(table, tmp_path):
    options, endpoint, name = table
    document = many_todos(60)
    result = hobopy_in_process("db", "load", write_json(tmp_path / "sixty.json", document), *options)
    assert result.returncode == 0, result.stderr
    assert f"Wrote 60 items in table {name}" in result.stdout.decode()
    assert table_items(endpoint, name) == [request["PutRequest"]["Item"] for request in document["Todos"]]


def test_a_malformed_json_byte_is_reported_with_line_and_column_and_nothing_is_written(table, tmp_path):
    options, endpoint, name = table
    text = json.dumps(many_todos(60), ensure_ascii=False, indent=4)
    at = text.index('"T040"')
    broken = text[:at] + '"T040";' + text[at + len('"T040"') :]
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(broken)
    path = tmp_path / "broken.json"
    path.write_text(broken, encoding="utf-8")

    error = assert_one_line_failure(hobopy_in_process("db", "load", path, *options))
    assert error.startswith(f"{path}:{expected.value.lineno}:{expected.value.colno}: invalid JSON: ")
    assert table_items(endpoint, name) == []


def test_a_file_that_is_not_utf8_is_rejected_with_a_hint_and_nothing_is_written(table, tmp_path):
    options, endpoint, name = table
    path = tmp_path / "sjis.json"
    path.write_bytes(datafiles.SEED_PATH.read_text(encoding="utf-8").encode("cp932"))
    error = assert_one_line_failure(hobopy_in_process("db", "load", path, *options), "save the file as UTF-8")
    assert re.match(rf"{re.escape(str(path))}:13:\d+: not valid UTF-8 .*Shift_JIS", error)
    assert table_items(endpoint, name) == []


def _number_not_string(item):
    item["priority"] = {"N": 7}


def _plain_boolean(item):
    item["completed"] = True


def _lower_case_type(item):
    item["title"] = {"s": "x"}


def _missing_key(item):
    del item["id"]


@pytest.mark.parametrize(
    "mistake, where, token, hint",
    [
        (_number_not_string, "Item.priority.N", '"N"', 'write {"N": "7"}'),
        (_plain_boolean, "Item.completed", '"completed"', '{"BOOL": true}'),
        (_lower_case_type, "Item.title.s", '"s"', "did you mean 'S'?"),
        (_missing_key, "Item", '"Item"', "the key attribute 'id' of table"),
    ],
)
def test_a_wrong_shape_at_item_40_is_reported_where_it_is_and_nothing_is_written(
    table, tmp_path, mistake, where, token, hint
):
    options, endpoint, name = table
    document = many_todos(60)
    mistake(document["Todos"][40]["PutRequest"]["Item"])
    path = write_json(tmp_path / "wrong.json", document)

    error = assert_one_line_failure(hobopy_in_process("db", "load", path, *options), hint)
    line, column = map(
        int, re.match(rf"{re.escape(str(path))}:(\d+):(\d+): Todos\[40\]\.PutRequest\.{where}: ", error).groups()
    )
    assert path.read_text(encoding="utf-8").splitlines()[line - 1][column - 1 :].startswith(token)
    assert table_items(endpoint, name) == []


def test_delete_requests_in_a_file_remove_their_items(table, tmp_path):
    options, endpoint, name = table
    load_seed(options)
    path = write_json(
        tmp_path / "delete.json", {"Todos": [{"DeleteRequest": {"Key": {"owner": {"S": "demo"}, "id": {"S": "L5"}}}}]}
    )
    result = hobopy_in_process("db", "load", path, *options)
    assert result.returncode == 0, result.stderr
    assert "Wrote 0 items and deleted 1 in table" in result.stdout.decode()
    assert table_items(endpoint, name) == SEED_ITEMS[1:]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_says_in_one_line_when_the_engine_is_not_running(command):
    endpoint = f"http://127.0.0.1:{supervise.free_port()}"
    assert_one_line_failure(
        hobopy_in_process("db", command, *REQUIRED.get(command, []), "--endpoint-url", endpoint),
        f"cannot reach a DynamoDB engine at {endpoint}",
        "hobopy run",
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Answers as a plain web server does, without logging each request on the (captured) stderr."""

    def log_message(self, format, *args):
        pass


def test_an_endpoint_that_is_not_dynamodb_is_one_line_naming_the_engines_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        assert_one_line_failure(
            hobopy_in_process("db", "scan", "--endpoint-url", endpoint),
            f"something answered HTTP 501 at {endpoint}, but not as DynamoDB does",
            ":8001",
        )
    finally:
        server.shutdown()
        server.server_close()


def test_aws_without_credentials_is_one_line_saying_how_to_configure_them(tmp_path):
    # No credentials anywhere, so nothing is ever sent: botocore stops before signing.
    nowhere = {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    assert_one_line_failure(
        hobopy("db", "scan", "--aws", "--region", "us-east-1", env=nowhere), "no AWS credentials found", "aws configure"
    )


def test_aws_and_an_endpoint_together_are_refused_as_a_usage_error():
    result = hobopy_in_process("db", "scan", "--aws", "--endpoint-url", "http://127.0.0.1:1")
    assert result.returncode == 2
    assert "--aws and --endpoint-url name different databases" in result.stderr.decode()


@pytest.mark.parametrize("command", ["load", "scan", "export"])
def test_a_missing_table_is_one_line_naming_the_command_that_creates_it(unused_table, command):
    options, endpoint, name = unused_table
    assert_one_line_failure(
        hobopy_in_process("db", command, *options),
        f"table {name} does not exist",
        f"`hobopy db create-table --table {name}`",
    )
    assert name not in dynamodb_client(endpoint).list_tables()["TableNames"]


def test_a_missing_file_is_one_line_and_names_it(table):
    options, _, _ = table
    assert_one_line_failure(
        hobopy_in_process("db", "load", "no/such.json", *options),
        "no/such.json: cannot read the file: No such file or directory",
    )


def test_export_then_load_into_a_fresh_table_round_trips_exactly(table, dynalite_endpoint, tmp_path):
    options, endpoint, name = table
    items = [
        SEED_ITEMS[0],
        {
            "owner": {"S": "demo"},
            "id": {"S": "n1"},
            "title": {"S": "𩸽と🍣\n<b>&amp;</b>"},
            "memo": {"S": ""},
            "priority": {"N": "-12345678901234567890.123456789"},
            "completed": {"BOOL": True},
            "version": {"N": "0.000001"},
            "gone": {"NULL": True},
        },
        {
            "owner": {"S": "someone"},
            "id": {"S": "n2"},
            "tags": {"SS": ["仕事", "家"]},
            "scores": {"NS": ["1", "2.5"]},
            "blob": {"B": b"\x00\xffbytes"},
            "nested": {"M": {"list": {"L": [{"S": "ネスト"}, {"BOOL": False}]}}},
        },
    ]
    for item in items:
        dynamodb_client(endpoint).put_item(TableName=name, Item=item)
    exported = tmp_path / "export.json"

    result = hobopy("db", "export", "-o", exported, *options, env=C_LOCALE)
    assert result.returncode == 0, result.stderr
    assert f"Exported 3 items of table {name} to {exported}." in result.stderr.decode()
    assert "𩸽と🍣" in exported.read_text(encoding="utf-8")

    copy = create_fresh_table(dynalite_endpoint)
    try:
        loaded = hobopy("db", "load", exported, "--table", copy, "--endpoint-url", endpoint, env=C_LOCALE)
        assert loaded.returncode == 0, loaded.stderr
        assert f"Wrote 3 items in table {copy}" in loaded.stdout.decode()
        assert _comparable(table_items(endpoint, copy)) == _comparable(table_items(endpoint, name))
        assert _comparable(table_items(endpoint, copy)) == _comparable(
            dynamodb_client(endpoint).scan(TableName=name)["Items"]
        )
    finally:
        dynamodb_client(endpoint).delete_table(TableName=copy)


def _comparable(items):
    # Sets come back in any order.
    def value(v):
        ((kind, inner),) = v.items()
        if kind in ("SS", "NS", "BS"):
            return {kind: sorted(inner)}
        if kind == "M":
            return {kind: {k: value(x) for k, x in inner.items()}}
        if kind == "L":
            return {kind: [value(x) for x in inner]}
        return v

    return sorted(({k: value(v) for k, v in item.items()} for item in items), key=lambda i: i["id"]["S"])


def test_export_of_the_seeded_table_reproduces_the_seed_file_byte_for_byte(table):
    options, _, name = table
    load_seed(options)
    result = hobopy("db", "export", *options, env=C_LOCALE)
    assert result.returncode == 0, result.stderr
    assert result.stdout == datafiles.SEED_PATH.read_bytes().replace(b'"Todos"', f'"{name}"'.encode())


def test_reset_replaces_the_contents_of_the_table_with_the_seed(table):
    options, endpoint, name = table
    dynamodb_client(endpoint).put_item(
        TableName=name, Item={"owner": {"S": "demo"}, "id": {"S": "extra"}, "title": {"S": "消える"}}
    )
    result = hobopy_in_process("db", "reset", "--yes", *options)
    assert result.returncode == 0, result.stderr
    assert f"Deleted and recreated table {name}" in result.stdout.decode()
    assert table_items(endpoint, name) == SEED_ITEMS


def test_reset_asks_first_and_declining_keeps_the_table(table):
    options, endpoint, name = table
    load_seed(options)
    extra = {"owner": {"S": "demo"}, "id": {"S": "keep"}, "title": {"S": "残る"}}
    dynamodb_client(endpoint).put_item(TableName=name, Item=extra)

    declined = hobopy_in_process("db", "reset", *options, input=b"n\n")
    assert declined.returncode == 1
    assert "Delete table" in declined.stderr.decode()
    assert table_items(endpoint, name) == [*SEED_ITEMS, extra]

    accepted = hobopy_in_process("db", "reset", *options, input=b"y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert table_items(endpoint, name) == SEED_ITEMS


def test_reset_with_a_broken_seed_leaves_the_table_as_it_was(table, tmp_path):
    options, endpoint, name = table
    load_seed(options)
    broken = tmp_path / "seed.json"
    broken.write_text(
        datafiles.SEED_PATH.read_text(encoding="utf-8").replace('"N": "2"', '"N": "two"'), encoding="utf-8"
    )
    assert_one_line_failure(
        hobopy_in_process("db", "reset", "--yes", "--seed", broken, *options), f"{broken}:43:", '"two" is not a number'
    )
    assert table_items(endpoint, name) == SEED_ITEMS


@pytest.mark.parametrize("command", COMMANDS)
def test_the_help_of_every_command_shows_an_example(command):
    result = hobopy_in_process("db", command, "--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "Example:" in text
    assert f"  hobopy db {command}" in text
    assert "--endpoint-url" in text and "--aws" in text
