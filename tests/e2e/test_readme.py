"""The README's commands keep working: the walk-through runs, every make target it names exists."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from devtools.local.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def walkthrough_commands():
    """(command, expected output or None) for each curl command of the walk-through section."""
    section = README.split("### A first walk through the API", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line.startswith("# {"):
            commands[-1] = (commands[-1][0], line[2:])
        elif line.startswith("curl"):
            commands.append((line.split("  #")[0].strip(), None))
    return commands


def test_first_screen_shows_the_two_commands():
    first_screen = README[:800]
    assert "make run" in first_screen and "make test" in first_screen
    assert "http://127.0.0.1:8000/todos" in README and "http://127.0.0.1:8002/" in README


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"`make ([a-z][a-z-]*)", README)) | set(re.findall(r"^make ([a-z][a-z-]*)", README, re.M))
    assert {"run", "test"} <= targets
    for target in sorted(targets):
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, f"make {target}: {result.stderr}"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_walkthrough_runs_against_the_local_stack(tmp_path):
    commands = walkthrough_commands()
    assert len(commands) >= 6
    with Stack(data_dir=tmp_path / "data", with_ui=False) as stack:
        for command, expected in commands:
            command = command.replace("http://127.0.0.1:8000", stack.api_url)
            result = subprocess.run(command, shell=True, capture_output=True, text=True, encoding="utf-8", timeout=30)
            assert result.returncode == 0, (command, result.stderr)
            assert "Internal" not in result.stdout
            if expected is not None:
                assert result.stdout.strip() == expected, command
            if "-i " in command:
                assert re.match(r"HTTP/1\.[01] 404", result.stdout), result.stdout
