"""The README, README.ja.md and every page of docs/ name only what exists.

Links and anchors resolve, named files exist, make targets and their variables
exist, every ``hobopy`` and aws CLI command and option shown exists, every
``HOBOPY_*`` variable is read somewhere, JSON blocks parse and shell lines are
shell.
"""

import functools
import importlib.resources
import importlib.util
import json
import re
import subprocess
from pathlib import Path

import botocore
import botocore.session
import click
import pytest

from devtools import cli
from tests.docs import pages
from tests.docs.pages import PAGES, ROOT

# Made by make install, make run, a build or a command the page shows, so not in a fresh clone.
GENERATED = (".data/", "dist/", ".venv/", "node_modules/", "frontend/build/", "backup.json")
GENERATED_NAMES = {
    "sam.json": "make package",
    "deployment.zip": "make package",
    "config.js": "hobopy ui build",
    "users.json": "the local identity provider",
}
# Words with a slash that are not paths.
NOT_PATHS = {
    "application/json": "a media type",
    "actions/checkout": "a GitHub Action",
}
# A word is taken for a file path when it has a slash or one of these endings.
FILE_ENDINGS = ("json", "py", "md", "js", "toml", "lock", "yml", "png", "html", "css", "svg", "txt", "zip", "log")
# What a shell line of the pages may start with.
# `http` is httpie from .venv (pinned): tests/e2e/test_httpie.py runs every `http` line of the pages.
PROGRAMS = {"make", "curl", "export", "git", "http"} | {
    f".venv/bin/{name}" for name in ("aws", "hobopy", "python", "pytest", "http")
}


def page_ids() -> list[str]:
    return [pages.name(page) for page in PAGES]


every_page = pytest.mark.parametrize("page", PAGES, ids=page_ids())


def test_the_readme_links_every_page_of_the_manual() -> None:
    linked = {target.split("#")[0] for target in pages.links(pages.read(pages.README))}
    manual = {pages.name(page) for page in PAGES if page.parent == ROOT / "docs"}
    assert len(manual) >= 10
    assert manual <= linked


@every_page
def test_links_reach_files_and_their_sections(page: Path) -> None:
    for target in pages.links(pages.read(page)):
        if re.match(r"https?://", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists() and linked.is_relative_to(ROOT), f"{pages.name(page)}: {target}"
        if anchor:
            assert linked.suffix == ".md", f"{pages.name(page)}: {target}"
            assert anchor in pages.anchors(linked), f"{pages.name(page)}: no section {target}"


def _named_paths(text: str) -> set[str]:
    """Relative paths the page names: in inline code, in ``file://`` arguments, and as words of commands."""
    path = re.compile(r"[\w.][\w./-]*")
    candidates = [code for code in pages.inline_code(text) if path.fullmatch(code)]
    for line in pages.command_lines(text):
        candidates += re.findall(r"file://([\w./-]+)", line)
        candidates += [word for word in pages.words(line) or [] if path.fullmatch(word) and "/" in word]
    return {
        name
        for name in candidates
        if ("/" in name or name.rsplit(".", 1)[-1] in FILE_ENDINGS) and not name.startswith("..")
    }


@every_page
def test_every_file_and_folder_it_names_exists(page: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for path in sorted(_named_paths(pages.read(page))):
        if path.startswith(GENERATED) or path in GENERATED_NAMES or path in NOT_PATHS:
            continue
        if "/" in path:
            assert (ROOT / path).exists(), f"{pages.name(page)}: {path}"
        else:
            assert any(Path(name).name == path for name in tracked), f"{pages.name(page)}: {path}"


def _make_calls(text: str) -> list[list[str]]:
    """Each ``make`` call shown: the target, then the VAR=value words given to make."""
    calls = []
    for arguments in pages.invocations(text, "make"):
        target = [word for word in arguments if re.fullmatch(r"[a-z][a-z-]*", word)][:1]
        assigned = [word for word in arguments if re.fullmatch(r"[A-Z_]+=\S*", word)]
        calls.append(target + assigned)
    return [call for call in calls if call and "=" not in call[0]]


@functools.cache
def _make_knows(target: str) -> str:
    """What ``make -n TARGET`` (a dry run, installing nothing) says on stderr when it fails; "" when it succeeds."""
    result = subprocess.run(
        ["make", "-n", "-o", "install", target, "BUCKET=example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return "" if result.returncode == 0 else result.stderr or f"exit status {result.returncode}"


@every_page
def test_every_make_target_and_variable_it_names_exists(page: Path) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target, *assigned in _make_calls(pages.read(page)):
        for word in assigned:
            variable = word.split("=", 1)[0]
            if not variable.startswith("HOBOPY_"):  # the stack's variables, checked below
                assert re.search(rf"\b{variable}\b", makefile), f"{pages.name(page)}: make has no {variable}"
        assert _make_knows(target) == "", f"{pages.name(page)}: make {target}"


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The command ``hobopy WORDS`` runs, and the words left for its options."""
    command: click.Command = cli.main
    context = click.Context(cli.main)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(context, words[0])
        assert sub is not None, f"hobopy has no command {' '.join(words)!r}"
        command, words = sub, words[1:]
        context = click.Context(command, parent=context)
    return command, words


def _options(command: click.Command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}


def hobopy_calls(text: str) -> list[list[str]]:
    """``hobopy ...`` calls, and ``python -m devtools.X ...`` where X is the module of a hobopy command."""
    modules = {target.split(":")[0]: name for name, target in cli.COMMANDS.items()}
    calls = pages.invocations(text, "hobopy")
    for arguments in pages.invocations(text, "python"):
        if arguments[:1] == ["-m"] and arguments[1] in modules:
            calls.append([modules[arguments[1]], *arguments[2:]])
    return calls


@every_page
def test_every_hobopy_command_and_option_it_shows_exists(page: Path) -> None:
    for words in hobopy_calls(pages.read(page)):
        command, rest = _resolve(words)
        for word in rest:
            if word in ("&&", "|", "..."):
                break
            if word.startswith("-"):
                assert word.split("=")[0] in _options(command), f"hobopy {' '.join(words)}: no option {word}"


@every_page
def test_every_python_module_it_runs_exists(page: Path) -> None:
    for arguments in pages.invocations(pages.read(page), "python"):
        if arguments[:1] == ["-m"]:
            assert importlib.util.find_spec(arguments[1]) is not None, f"{pages.name(page)}: python -m {arguments[1]}"


def test_every_hobopy_command_is_shown_somewhere() -> None:
    shown = {
        " ".join(w for w in words if not w.startswith("-"))[:60] for p in PAGES for words in hobopy_calls(pages.read(p))
    }
    context = click.Context(cli.main)
    expected = set()
    for name in cli.main.list_commands(context):
        command = cli.main.get_command(context, name)
        if isinstance(command, click.Group):
            expected |= {f"{name} {sub}" for sub in command.list_commands(click.Context(command, parent=context))}
        else:
            expected.add(name)
    missing = {name for name in expected if not any(f"{line} ".startswith(f"{name} ") for line in shown)}
    assert missing == set()


_session = botocore.session.get_session()
# Options the aws CLI gives every command, and those it adds to every command made from a service's API.
_CLI_OPTIONS = set(json.loads((importlib.resources.files("awscli") / "data" / "cli.json").read_text())["options"])
_API_COMMAND_OPTIONS = {"cli-input-json", "cli-input-yaml", "generate-cli-skeleton"}


def _api_command_options(service: str, command: str) -> set[str] | None:
    """The options of ``aws SERVICE COMMAND`` made from the service's API, or None when it is not one of them."""
    model = _session.get_service_model(service)
    operations = {botocore.xform_name(operation, "-"): operation for operation in model.operation_names}
    if command not in operations:
        return None
    members = model.operation_model(operations[command]).input_shape.members
    options = set()
    for member, shape in members.items():
        option = botocore.xform_name(member, "-")
        options.add(option)
        if shape.type_name == "boolean":
            options.add(f"no-{option}")
    return options | _API_COMMAND_OPTIONS


@functools.cache
def _cli_command_options(service: str, command: str) -> set[str]:
    """The options a command the aws CLI adds (``s3 mb``, ``cloudformation deploy``) documents in its help."""
    result = subprocess.run(
        [str(ROOT / ".venv/bin/aws"), service, command, "help"],
        capture_output=True,
        text=True,
        env={"PAGER": "cat", "PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/dev/null"},
        timeout=120,
    )
    assert result.returncode == 0, f"aws {service} {command}: {result.stderr[-500:]}"
    return set(re.findall(r"--([a-z][a-z0-9-]*)", result.stdout))


@every_page
def test_every_aws_cli_command_and_option_it_shows_exists(page: Path) -> None:
    for arguments in pages.invocations(pages.read(page), "aws"):
        if "..." in arguments or not arguments:
            continue  # a sketch of a command, not one to type
        service, *rest = arguments
        assert service in _session.get_available_services() or service in ("s3", "configure"), service
        if not rest or rest[0].startswith("-"):
            continue
        command, *given = rest
        options = _api_command_options(service, command)
        if options is None:
            options = _cli_command_options(service, command)
        for word in given:
            if word.startswith("--"):
                option = word[2:].split("=")[0]
                assert option in options | _CLI_OPTIONS, f"{pages.name(page)}: aws {service} {command} has no {word}"


@functools.cache
def _variables_read_by_the_code() -> str:
    sources = [
        ROOT / "Makefile",
        *ROOT.glob("devtools/**/*.py"),
        *ROOT.glob("backend/**/*.py"),
        *ROOT.glob("tests/**/*.py"),
    ]
    return "\n".join(path.read_text(encoding="utf-8") for path in sources)


@every_page
def test_every_hobopy_variable_it_names_is_read_by_the_code(page: Path) -> None:
    code = _variables_read_by_the_code()
    for variable, family in set(re.findall(r"(HOBOPY_[A-Z0-9_]*[A-Z0-9])(_\*)?", pages.read(page))):
        # HOBOPY_AUTH_* names the variables that begin so.
        pattern = rf"\b{variable}_[A-Z]" if family else rf"\b{variable}\b"
        assert re.search(pattern, code), f"{pages.name(page)}: nothing reads {variable}{family}"


@every_page
def test_json_blocks_parse_and_shell_lines_are_shell(page: Path) -> None:
    for block in pages.code_blocks(pages.read(page)):
        if block.language == "json":
            json.loads(block.text)
        elif block.language == "":
            for command in pages.block_commands(block):
                split = pages.words(command)
                assert split, f"{pages.name(page)}: not a shell line: {command}"
                # Leading VAR=value words set the environment; VAR=$(program ...) runs a program.
                first = next(word for word in split if not re.fullmatch(r"[A-Z0-9_]+=(?!\$\()\S*", word))
                assert first.split("=$(")[-1] in PROGRAMS, f"{pages.name(page)}: {command}"
        else:
            assert block.language in ("text", "powershell"), f"{pages.name(page)}: a ```{block.language} block"
