"""Bootstrap's stylesheet cut down to the rules the page can use, so a phone downloads and matches only those.

A rule stays when every class its selector names (outside ``:not()`` and the like) is one the page uses;
rules that name no class (elements, ``:root``'s variables) stay too, as do the at-rules around kept rules
and the keyframes they name. The classes the page uses are those of ``index.html``'s ``class`` attributes
and every word of the UI's Python string literals (where the code names the classes it sets).
"""

import ast
import html.parser
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# tinycss2 ships no type information; its tokens are typed Any here.
import tinycss2  # type: ignore[import-untyped]

# At-rules that hold rules: kept with those of their rules that stay.
GROUPING = {"media", "supports", "container", "layer"}


class _ClassCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "class" and value:
                self.classes.update(value.split())


def page_classes(page: str, sources: Iterable[Path]) -> set[str]:
    """The classes the page can carry: those in ``page``'s markup and every word of the sources' string literals."""
    collector = _ClassCollector()
    collector.feed(page)
    classes = set(collector.classes)
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                classes.update(node.value.split())
    return classes


def _selectors(prelude: list[Any]) -> Iterator[list[Any]]:
    """The selectors of a rule's prelude, split at its top-level commas."""
    current: list[Any] = []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            yield current
            current = []
        else:
            current.append(token)
    yield current


def _needed_classes(selector: list[Any]) -> set[str]:
    """The classes a selector needs an element to have (``.name`` at its top level)."""
    return {
        name.value
        for dot, name in itertools.pairwise(selector)
        if dot.type == "literal" and dot.value == "." and name.type == "ident"
    }


def _kept(rules: list[Any], used: set[str]) -> list[str]:
    """The serialized rules of ``rules`` that can match the page; keyframes are decided later."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(rule.prelude) if _needed_classes(s) <= used]
            if selectors:
                prelude = ",".join(tinycss2.serialize(s).strip() for s in selectors)
                kept.append(f"{prelude}{{{tinycss2.serialize(rule.content)}}}")
        elif rule.type == "at-rule" and rule.lower_at_keyword in GROUPING and rule.content is not None:
            inner = _kept(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), used)
            if inner:
                kept.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{''.join(inner)}}}")
        elif rule.type == "at-rule":
            kept.append(tinycss2.serialize([rule]))
        elif rule.type == "comment" and rule.value.startswith("!"):
            # /*! ... */ is the licence notice, which goes with every copy.
            kept.append(f"/*{rule.value}*/\n")
    return kept


def subset(css: str, used: set[str]) -> str:
    """``css`` with only the rules that can match an element whose classes are among ``used``."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=True)
    kept = _kept(rules, used)
    # Keyframes stay only when a kept rule names them (as an animation's name).
    others = "".join(text for text in kept if not text.startswith("@keyframes"))
    named = {token.value for token in _idents(tinycss2.parse_component_value_list(others))}
    return "".join(text for text in kept if not text.startswith("@keyframes") or _keyframes_name(text) in named)


def _idents(tokens: Iterable[Any]) -> Iterator[Any]:
    """Every identifier in ``tokens``, inside blocks and functions too."""
    for token in tokens:
        if token.type == "ident":
            yield token
        content = getattr(token, "content", None) or getattr(token, "arguments", None)
        if isinstance(content, list):
            yield from _idents(content)


def _keyframes_name(text: str) -> str:
    return text[len("@keyframes") :].split("{", 1)[0].strip()
