"""README.ja.md says only what is true: its commands, options, files and links exist, its aws CLI lines work."""

import json
import os
import re
import shlex
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from devtools.cli import main as hobopy_main
from devtools.local import engine, supervise

ROOT = Path(__file__).resolve().parents[2]
README_JA = (ROOT / "README.ja.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Made by make install, make run or a build, so not in a fresh clone.
GENERATED = (".data/", "dist/", ".venv/", "node_modules/", "backup.json")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, re.S)


def command_lines(text: str) -> list[str]:
    """Each command of the fenced blocks, continuation lines joined and comments dropped."""
    lines = []
    for block in code_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                lines.append(" ".join(line.split()))
    return lines


def inline_code(text: str) -> list[str]:
    without_blocks = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.findall(r"`([^`\n]+)`", without_blocks)


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


def test_every_make_target_it_names_exists() -> None:
    targets = set(re.findall(r"`make ([a-z][a-z-]*)", README_JA)) | set(
        re.findall(r"^make ([a-z][a-z-]*)", README_JA, re.M)
    )
    assert {"run", "test", "package", "deploy", "destroy"} <= targets
    for target in sorted(targets):
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, f"make {target}: {result.stderr}"


def _hobopy_invocations() -> list[list[str]]:
    found = []
    for text in command_lines(README_JA) + inline_code(README_JA):
        words = shlex.split(text)
        for index, word in enumerate(words):
            if word == "hobopy" or word.endswith("/hobopy"):
                found.append(words[index + 1 :])
    return found


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The command ``hobopy WORDS`` runs, and the words left for its options."""
    command: click.Command = hobopy_main
    context = click.Context(hobopy_main)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(context, words[0])
        assert sub is not None, f"hobopy has no command {' '.join(words)!r}"
        command, words = sub, words[1:]
        context = click.Context(command, parent=context)
    return command, words


def _options(command: click.Command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}


def test_every_hobopy_command_and_option_it_shows_exists() -> None:
    invocations = _hobopy_invocations()
    named = {" ".join(w for w in words if not w.startswith("-"))[:40] for words in invocations}
    assert len(invocations) >= 7, named
    for words in invocations:
        command, rest = _resolve(words)
        for word in rest:
            if word in ("&&", "|", "..."):
                break
            if word.startswith("-"):
                assert word.split("=")[0] in _options(command), f"hobopy {' '.join(words)}: no option {word}"


def test_the_options_every_db_command_takes_are_on_every_db_command() -> None:
    sentence = next(line for line in README_JA.split("\n\n") if line.startswith("どのコマンドも"))
    named = set(re.findall(r"`(--[a-z-]+)", sentence))
    assert named == {"--table", "--endpoint-url", "--region", "--aws"}
    group, _ = _resolve(["db"])
    assert isinstance(group, click.Group)
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None and named <= _options(command), name


def _named_paths() -> set[str]:
    """Paths in inline code, and the files the commands read (``file://``)."""
    paths = {code for code in inline_code(README_JA) if re.fullmatch(r"[\w.][\w./-]*\.\w+|[\w.][\w./-]*/", code)}
    for line in command_lines(README_JA):
        paths.update(re.findall(r"file://([\w./-]+)", line))
    return paths


def test_every_file_and_folder_it_names_exists_in_the_repository() -> None:
    paths = _named_paths()
    assert {"db/schema.json", "db/initial-data.json", "backend/.chalice/policy-prod.json"} <= paths
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for path in sorted(paths):
        if path.startswith(GENERATED):
            continue
        if "/" in path:
            assert (ROOT / path).exists(), path
        else:
            assert any(Path(name).name == path for name in tracked), path


def _github_anchor(heading: str) -> str:
    text = unicodedata.normalize("NFC", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_links_to_the_english_readme_reach_its_sections() -> None:
    anchors = {_github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", README, re.M)}
    links = re.findall(r"\(README\.md#([^)]+)\)", README_JA)
    assert len(links) >= 5
    for anchor in links:
        assert anchor in anchors, anchor


def test_its_curl_walkthrough_is_the_english_readmes_which_its_test_runs() -> None:
    section = README.split("### A first walk through the API", 1)[1].split("\n## ", 1)[0]
    english = {line for line in command_lines(section) if line.startswith("curl")}
    japanese = [line for line in command_lines(README_JA) if line.startswith("curl")]
    assert len(japanese) >= 4
    assert [line for line in japanese if line not in english] == []


@pytest.fixture
def local_engine() -> Iterator[str]:
    """A fresh dynalite of the test's own, so the table can be called Todos as in db/schema.json."""
    port = supervise.free_port()
    process = engine.start_dynalite(port)
    try:
        engine.wait_until_serving(f"http://127.0.0.1:{port}", process)
        yield f"http://localhost:{port}"
    finally:
        supervise.stop(process)


ASSIGNMENT = re.compile(r"[A-Z0-9_]+=\S*")


def aws_lines() -> list[str]:
    """The export line and the aws CLI lines, in the order the README shows them."""
    starts = ("export AWS_", ".venv/bin/aws dynamodb", "PYTHONUTF8=1 .venv/bin/aws dynamodb")
    return [line for line in command_lines(README_JA) if line.startswith(starts)]


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
