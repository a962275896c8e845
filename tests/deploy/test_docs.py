"""The README's deploy section names commands that exist."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def deploy_section():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    # From its heading to the next top-level heading.
    start = text.index("\n## Deploy to AWS")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_make_target_the_deploy_section_names_exists():
    targets = set(re.findall(r"^make (\w+)", deploy_section(), flags=re.MULTILINE))
    assert {"package", "deploy", "destroy"} <= targets
    for target in sorted(targets):
        result = subprocess.run(
            ["make", "-n", "-o", "install", target, "BUCKET=example"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr


def test_hobopy_commands_the_deploy_section_names_exist():
    commands = set(re.findall(r"`hobopy (\w+)", deploy_section()))
    assert "preflight" in commands
    hobopy = Path(sys.executable).with_name("hobopy")
    for command in sorted(commands):
        result = subprocess.run([str(hobopy), command, "--help"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
