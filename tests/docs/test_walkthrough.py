"""The README's walk-through and the session docs/reliability.md shows run as written against a local stack."""

import json
import os
import re
import shutil
import subprocess

import pytest

from devtools.local.stack import Stack
from tests.docs import pages

README = pages.read(pages.README)
WALKTHROUGH = README.split("## A first walk through the API", 1)[1].split("\n## ", 1)[0]
RELIABILITY = pages.read(pages.ROOT / "docs" / "reliability.md")
CONFIG = json.loads((pages.ROOT / "backend" / ".chalice" / "config.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def walkthrough_blocks() -> list[pages.Block]:
    return [block for block in pages.code_blocks(WALKTHROUGH) if block.language == ""]


def curl_commands() -> list[tuple[str, str | None]]:
    """(command, expected output or None) for each curl command of the walk-through's first block."""
    commands: list[tuple[str, str | None]] = []
    for line in walkthrough_blocks()[0].text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line.startswith("# {"):
            commands[-1] = (commands[-1][0], line[2:])
        elif line.startswith("curl"):
            commands.append((" ".join(line.split("  #")[0].split()), None))
    return commands


def session() -> list[tuple[str, list[str]]]:
    """(command, the lines it prints) for each ``$`` line of docs/reliability.md's If-Match session."""
    block = next(block for block in pages.code_blocks(RELIABILITY) if block.text.startswith("$ "))
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.replace("\\\n", " ").splitlines():
        if line.startswith("$ "):
            steps.append((line[2:].split("  #")[0].strip(), []))
        else:
            steps[-1][1].append(line)
    return steps


def shell(script: str, stack: Stack) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with bash in the repository, the default addresses moved to the stack's."""
    script = script.replace("http://127.0.0.1:8000", stack.api_url).replace("http://127.0.0.1:8003", stack.idp_url)
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=pages.ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_first_screen_shows_the_two_commands() -> None:
    first_screen = README[:800]
    assert "make run" in first_screen and "make test" in first_screen
    assert "http://127.0.0.1:8000/todos" in README and "http://127.0.0.1:8002/" in README


def test_the_client_id_it_shows_is_the_one_the_dev_stage_trusts() -> None:
    shown = set(re.findall(r"--client-id (\S+)", walkthrough_blocks()[1].text))
    assert shown == {CONFIG["stages"]["dev"]["environment_variables"]["AUTH_CLIENT_ID"]}


def test_the_walkthroughs_run_against_the_local_stack(tmp_path) -> None:
    curls, steps = curl_commands(), session()
    assert len(curls) >= 6 and len(steps) == 3
    with Stack(data_dir=tmp_path / "data", with_ui=False) as stack:
        # The If-Match session first: it needs the seed's L5 as the seed left it.
        for command, printed in steps:
            result = shell(command, stack)
            assert result.returncode == 0, (command, result.stderr)
            if printed:
                assert result.stdout.strip().splitlines() == printed, command

        for command, expected in curls:
            result = shell(command, stack)
            assert result.returncode == 0, (command, result.stderr)
            assert "Internal" not in result.stdout
            if expected is not None:
                assert result.stdout.strip() == expected, command
            if "-i " in command:
                assert re.match(r"HTTP/1\.[01] 404", result.stdout), result.stdout

        # Sign up, confirm and sign in with the aws CLI, then list as that user.
        assert stack.auth["clientId"] == CONFIG["stages"]["dev"]["environment_variables"]["AUTH_CLIENT_ID"]
        result = shell(walkthrough_blocks()[1].text, stack)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "[]"
