"""The walk-through typed with httpie, as the book types it: `:=` for numbers and booleans, against the local stack."""

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.local.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
HTTP = Path(sys.executable).parent / "http"
# What a terminal gives httpie for free; a test has no terminal (without --ignore-stdin httpie would send the
# empty standard input as the body, and a GET would go out as a POST).
OPTIONS = ["--ignore-stdin", "--print=hb", "--pretty=none", "--timeout=10"]

pytestmark = pytest.mark.slow

# (the line as a reader types it, the status it answers, what the JSON answer holds)
WALKTHROUGH = [
    ("http :8000/todos", 200, lambda body: [todo["id"] for todo in body] == ["L5", "L6", "L7"]),
    ("http :8000/todos/L5", 200, lambda body: body["title"] == "プロフィールページ作成" and body["priority"] == 3),
    ("http :8000/todos completed==false", 200, lambda body: len(body) == 3),
    (
        "http POST :8000/todos title=牛乳を買う memo=低脂肪 priority:=2",
        201,
        lambda body: (
            (body["title"], body["memo"], body["priority"], body["completed"]) == ("牛乳を買う", "低脂肪", 2, False)
        ),
    ),
    # What an HTML <select> sends, and httpie's `=` too: the digit as a string, stored as a number.
    ("http POST :8000/todos title=卵を買う memo= priority=5", 201, lambda body: body["priority"] == 5),
    (
        "http POST :8000/todos title=メモがない priority:=2",
        400,
        lambda body: body == {"Code": "BadRequestError", "Message": "BadRequestError: memo is required."},
    ),
    ("http PUT :8000/todos/L5 completed:=true", 200, lambda body: body["completed"] is True),
    ("http PUT :8000/todos/L5 completed=true", 400, lambda body: "completed:=true" in body["Message"]),
    ("http PATCH :8000/todos/L7 priority:=1 title=リストの見直し", 200, lambda body: body["priority"] == 1),
    ("http DELETE :8000/todos/L6", 200, lambda body: body["id"] == "L6"),
    ("http :8000/todos/L6", 404, lambda body: body["Code"] == "NotFoundError"),
]


def documented_lines() -> list[str]:
    """Every ``http ...`` line inside a code block of the READMEs and docs/."""
    pages = [ROOT / "README.md", ROOT / "README.ja.md", *sorted((ROOT / "docs").rglob("*.md"))]
    lines = []
    for page in pages:
        for block in re.findall(r"```[^\n]*\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            lines += [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith("http ")]
    return lines


class Httpie:
    """httpie's `http` against a running API: ``:8000`` in a line means that API's port, as in the docs."""

    def __init__(self, port: int, config_dir: Path) -> None:
        self.port, self.config_dir = port, config_dir

    def run(self, line: str) -> tuple[int, dict[str, str], object]:
        words = shlex.split(line.replace(":8000/", f":{self.port}/"))
        assert words[0] == "http", line
        result = subprocess.run(
            [str(HTTP), *OPTIONS, *words[1:]],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=30,
            env={"HTTPIE_CONFIG_DIR": str(self.config_dir), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, (line, result.stderr)
        head, _, body = result.stdout.partition("\n\n")
        status_line, *header_lines = head.splitlines()
        headers = dict(header.split(": ", 1) for header in header_lines)
        return int(status_line.split()[1]), headers, json.loads(body)


@pytest.fixture(scope="module")
def httpie(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Httpie]:
    if not HTTP.exists():
        pytest.fail(f"{HTTP} is missing: httpie is pinned in pyproject.toml; run `make install`")
    with Stack(data_dir=tmp_path_factory.mktemp("stack"), with_ui=False) as stack:
        yield Httpie(stack.ports["api"], tmp_path_factory.mktemp("httpie"))


def test_the_walkthrough_runs_with_httpie(httpie: Httpie) -> None:
    for line, status, holds in WALKTHROUGH:
        answered, headers, body = httpie.run(line)
        assert answered == status, (line, body)
        assert holds(body), (line, body)
        if answered == 201:
            assert headers["Location"] == f"/todos/{body['id']}"


def test_every_http_line_the_docs_show_answers_json_without_a_server_error(httpie: Httpie) -> None:
    for line in documented_lines():
        status, _, body = httpie.run(line)
        assert status < 500, (line, body)
