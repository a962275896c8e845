"""Reading the project's Markdown pages: their code blocks, command lines, inline code, links and headings."""

import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_JA = ROOT / "README.ja.md"
# Every page a reader is sent to: the two READMEs and the manual.
PAGES = [README, README_JA, *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^ *```([a-z]*)\n(.*?)^ *```", re.S | re.M)


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language tag ("" for shell commands) and its text."""

    language: str
    text: str


def read(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def code_blocks(text: str) -> list[Block]:
    return [Block(language, body) for language, body in _FENCE.findall(text)]


def prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return _FENCE.sub("", text)


def block_commands(block: Block) -> list[str]:
    """The commands of a shell block, continuation lines joined and comments dropped.

    In a block that shows a session (lines starting with ``$ ``), only those lines are commands;
    the others are what they print.
    """
    lines = block.text.replace("\\\n", " ").splitlines()
    if any(line.startswith("$ ") for line in lines):
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    commands = []
    for line in lines:
        line = line.split("  #")[0].strip()
        if line and not line.startswith("#"):
            commands.append(" ".join(line.split()))
    return commands


def command_lines(text: str) -> list[str]:
    """Each command of the text's shell blocks (those without a language tag)."""
    return [line for block in code_blocks(text) if block.language == "" for line in block_commands(block)]


def inline_code(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", prose(text))


def words(command: str) -> list[str] | None:
    """The command split as a shell would, or None when it is not a command (an unbalanced quote)."""
    try:
        return shlex.split(command)
    except ValueError:
        return None


def invocations(text: str, program: str) -> list[list[str]]:
    """The arguments of every call of ``program`` (by name or path) in commands and inline code."""
    found = []
    for command in command_lines(text) + inline_code(text):
        split = words(command) or []
        for index, word in enumerate(split):
            if word.rsplit("/", 1)[-1].removeprefix("$(") == program:
                found.append(split[index + 1 :])
    return found


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = unicodedata.normalize("NFC", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {github_anchor(heading) for heading in re.findall(r"^#{1,6} (.+)$", prose(read(page)), re.M)}


def links(text: str) -> list[str]:
    """The targets of Markdown links and images."""
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", prose(text))
