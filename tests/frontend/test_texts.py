"""Where the UI's words and facts live: every sentence in texts.py, the form's fields in one list."""

import ast
import re
from pathlib import Path

from todoui import model

SOURCE = Path(__file__).resolve().parents[2] / "frontend" / "src"
JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def string_constants(path):
    """The string literals of a module, docstrings left out (they speak to readers of the code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def sources():
    return sorted(SOURCE.rglob("*.py"))


def test_every_japanese_sentence_the_code_shows_is_in_texts():
    assert len(sources()) > 10
    outside = {
        path.relative_to(SOURCE).as_posix(): [text for text in string_constants(path) if JAPANESE.search(text)]
        for path in sources()
        if path.name != "texts.py"
    }
    assert {name: found for name, found in outside.items() if found} == {}


def test_the_forms_field_list_is_written_once():
    def field_lists(path):
        return [
            node
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.List)
            and [getattr(item, "value", None) for item in node.elts][:3] == ["title", "memo", "priority"]
        ]

    found = {path.relative_to(SOURCE).as_posix(): len(field_lists(path)) for path in sources()}
    assert {name: count for name, count in found.items() if count} == {"todoui/model.py": 1}
    assert model.FIELDS == ["title", "memo", "priority", "due"]


def test_no_module_of_the_ui_is_over_400_lines():
    lengths = {path.relative_to(SOURCE).as_posix(): len(path.read_text().splitlines()) for path in sources()}
    assert {name: lines for name, lines in lengths.items() if lines > 400} == {}
