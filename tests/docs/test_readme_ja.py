"""README.ja.md says what README.md and the code say: its walk-throughs are the tested ones, its aws CLI lines work.

What every page must hold (links, files, make targets, hobopy and aws CLI commands and options) is checked for
README.ja.md too, in test_pages.py.
"""

import json
import os
import re
import shlex
import subprocess

import click

from devtools.cli import main as hobopy_main
from devtools.db import datafiles
from tests.docs import pages

ROOT = pages.ROOT
README_JA = pages.read(pages.README_JA)
README = pages.read(pages.README)


def test_readme_links_the_japanese_readme_at_the_top() -> None:
    top = "\n".join(README.splitlines()[:5])
    assert "(README.ja.md)" in top
    assert "(README.md)" in "\n".join(README_JA.splitlines()[:5])


def test_first_screen_shows_the_two_commands_and_where_make_run_serves() -> None:
    assert "make run" in README_JA[:1200] and "make test" in README_JA[:1200]
    for url in (
        "http://127.0.0.1:8000/todos",
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8002/",
        "http://127.0.0.1:8003",
    ):
        assert url in README_JA


def test_the_options_every_db_command_takes_are_on_every_db_command() -> None:
    sentence = next(line for line in README_JA.split("\n\n") if line.startswith("どのコマンドも"))
    named = set(re.findall(r"`(--[a-z-]+)", sentence))
    assert named == {"--table", "--endpoint-url", "--region", "--aws"}
    context = click.Context(hobopy_main)
    group = hobopy_main.get_command(context, "db")
    assert isinstance(group, click.Group)
    for name in group.list_commands(click.Context(group, parent=context)):
        command = group.get_command(click.Context(group, parent=context), name)
        assert command is not None
        options = {option for param in command.params for option in param.opts}
        assert named <= options, name


def test_its_links_reach_the_manual() -> None:
    manual = [target for target in pages.links(README_JA) if target.startswith("docs/")]
    assert len(manual) >= 10
    assert {target.split("#")[0] for target in manual} == {
        pages.name(page) for page in pages.PAGES if page.parent == ROOT / "docs"
    }


def test_its_curl_walkthrough_is_the_english_readmes_which_its_test_runs() -> None:
    section = README.split("## A first walk through the API", 1)[1].split("\n## ", 1)[0]
    english = {line for line in pages.command_lines(section) if line.startswith("curl")}
    japanese = [line for line in pages.command_lines(README_JA) if line.startswith("curl")]
    assert len(japanese) >= 4
    assert [line for line in japanese if line not in english] == []


def test_the_seed_it_describes_is_db_initial_data() -> None:
    rows = re.findall(r"^\| `(L\d+)` \| (.+?) \| (.+?) \| (\d) \|$", README_JA, re.M)
    seed = [
        request["PutRequest"]["Item"]
        for requests in datafiles.read_requests(datafiles.SEED_PATH).values()
        for request in requests
    ]
    described = [(item["id"]["S"], item["title"]["S"], item["memo"]["S"], item["priority"]["N"]) for item in seed]
    assert rows == described
    assert {item["owner"]["S"] for item in seed} == {"demo"}
    assert "持ち主は `demo`" in README_JA


def _cognito_lines(text: str) -> list[str]:
    return [line for line in pages.command_lines(text) if "cognito-idp" in line or "$TOKEN" in line]


def test_its_cli_sign_up_is_the_english_readmes_which_its_test_runs() -> None:
    section = README.split("## A first walk through the API", 1)[1].split("\n## ", 1)[0]
    english = _cognito_lines(section)
    assert len(english) == 4
    assert _cognito_lines(README_JA) == english


def book_test_rows() -> list[tuple[list[str], int, int]]:
    """(the JSON members sent, the number of the book's tests, the status this API answers) per table row."""
    section = README_JA.split("## 本の API テスト", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[1].isdigit():
            rows.append((re.findall(r"`([^`]+)`", cells[0]), int(cells[1]), int(cells[3])))
    return rows


def test_the_book_tests_it_explains_add_up() -> None:
    section = README_JA.split("## 本の API テスト", 1)[1].split("\n## ", 1)[0]
    patterns = (r"テストは (\d+) 件", r"通るのは (\d+) 件", r"落ちる (\d+) 件", r"(\d+) 件はこの API が意図して")
    total, passing, failing, refused = (int(re.search(pattern, section).group(1)) for pattern in patterns)
    assert sum(count for _, count, _ in book_test_rows()) == refused
    assert (total, failing) == (passing + failing, refused + 1)


def test_the_book_tests_bodies_get_the_answers_it_says(dynalite_api_client) -> None:
    rows = book_test_rows()
    assert [status for _, _, status in rows] == [400, 400, 400, 201]
    created = 0
    for members, _, status in rows:
        for member in members:
            sent = {"title": "本のテスト", "memo": "", "priority": 1, **json.loads("{" + member + "}")}
            response = dynalite_api_client.post(
                "/todos", headers={"Content-Type": "application/json"}, body=json.dumps(sent)
            )
            assert response.status_code == status, (member, response.body)
            answer = json.loads(response.body)
            if status == 400:
                assert answer["Message"].removeprefix("BadRequestError: ") in README_JA, answer
            else:
                assert answer["priority"] == int(sent["priority"]) and sent["priority"] != answer["priority"]
                created += 1
    # A refused body writes nothing.
    assert len(json.loads(dynalite_api_client.get("/todos").body)) == created == 2


ASSIGNMENT = re.compile(r"[A-Z0-9_]+=\S*")


def aws_lines() -> list[str]:
    """The export line and the aws CLI lines, in the order the README shows them."""
    starts = ("export AWS_", ".venv/bin/aws dynamodb", "PYTHONUTF8=1 .venv/bin/aws dynamodb")
    return [line for line in pages.command_lines(README_JA) if line.startswith(starts)]


def run_line(line: str, endpoint: str, locale: str) -> subprocess.CompletedProcess[bytes]:
    """Run one README line as a shell would: leading VAR=value words go into its environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTHON", "LC_"))}
    env.update(LANG=locale, LC_ALL=locale, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    if locale == "C":
        # Python would switch to UTF-8 by itself in the C locale; this is a platform whose encoding is not UTF-8.
        env.update(PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    for export in (line for line in aws_lines() if line.startswith("export ")):
        env.update(word.split("=", 1) for word in export.split()[1:])
    words = shlex.split(line.replace("http://localhost:8001", endpoint))
    while ASSIGNMENT.fullmatch(words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return subprocess.run([str(ROOT / words[0]), *words[1:]], cwd=ROOT, env=env, capture_output=True, timeout=120)


def scanned_titles(endpoint: str) -> list[str]:
    scan = next(line for line in aws_lines() if " scan " in line)
    result = run_line(scan, endpoint, "C.UTF-8")
    assert result.returncode == 0, result.stderr
    return sorted(item["title"]["S"] for item in json.loads(result.stdout.decode("utf-8"))["Items"])


def seed_titles() -> list[str]:
    seed = json.loads((ROOT / "db" / "initial-data.json").read_text(encoding="utf-8"))
    return sorted(request["PutRequest"]["Item"]["title"]["S"] for requests in seed.values() for request in requests)


def test_its_aws_cli_walkthrough_works_with_the_unchanged_db_files(local_engine: str) -> None:
    lines = [line for line in aws_lines() if line.startswith(".venv/bin/aws")]
    assert [line.split()[2] for line in lines] == ["create-table", "batch-write-item", "scan"]
    for line in lines:
        result = run_line(line, local_engine, "C.UTF-8")
        assert result.returncode == 0, (line, result.stderr)
    assert scanned_titles(local_engine) == seed_titles()
    assert len(seed_titles()) == 3


def test_under_a_non_utf8_locale_the_plain_line_fails_and_its_pythonutf8_line_loads_the_seed(local_engine: str) -> None:
    create, plain = (
        next(line for line in aws_lines() if f" {name} " in line and line.startswith(".venv"))
        for name in ("create-table", "batch-write-item")
    )
    fixed = next(line for line in aws_lines() if line.startswith("PYTHONUTF8=1"))
    assert fixed.removeprefix("PYTHONUTF8=1 ") == plain
    assert run_line(create, local_engine, "C").returncode == 0
    assert run_line(plain, local_engine, "C").returncode != 0
    assert scanned_titles(local_engine) == []
    result = run_line(fixed, local_engine, "C")
    assert result.returncode == 0, result.stderr
    assert scanned_titles(local_engine) == seed_titles()


def test_preflight_as_shown_passes_on_this_repository() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv/bin/hobopy"), "preflight", "--stage", "prod"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight OK" in result.stdout + result.stderr
