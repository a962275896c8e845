"""Bootstrap's stylesheet cut to what the page uses (devtools/ui/stylesheet.py): the rules kept and the rules left."""

import re

import tinycss2

from devtools.ui import build, stylesheet

CSS = (
    "/*! licence */:root{--x:1}body{margin:0}.btn{a:1}.btn-check:checked+.btn{b:2}.btn:not(.disabled):hover{c:3}"
    ".alert .btn-close,.toast .btn-close{d:4}@media (min-width:576px){.container{e:5}.modal{f:6}}"
    "@media print{.modal{g:7}}.spinner{animation:spin 1s}.alert{animation:fade 1s}"
    "@keyframes spin{to{h:8}}@keyframes fade{to{i:9}}[data-theme=dark]{j:10}"
)
USED = {"btn", "alert", "btn-close", "container"}


def test_a_rule_stays_when_the_page_uses_every_class_its_selector_needs():
    kept = stylesheet.subset(CSS, USED)
    assert ".btn{a:1}" in kept and ".btn:not(.disabled):hover{c:3}" in kept
    assert "btn-check" not in kept
    # Of a list of selectors, those that can match stay.
    assert ".alert .btn-close{d:4}" in kept and ".toast" not in kept


def test_rules_without_classes_the_licence_and_the_keyframes_in_use_stay():
    kept = stylesheet.subset(CSS, USED)
    assert kept.startswith("/*! licence */")
    assert ":root{--x:1}body{margin:0}" in kept and "[data-theme=dark]{j:10}" in kept
    assert "@keyframes fade{to{i:9}}" in kept and "@keyframes spin" not in kept


def test_an_at_rule_keeps_the_rules_inside_it_that_stay_and_goes_when_none_do():
    kept = stylesheet.subset(CSS, USED)
    assert "@media (min-width:576px){.container{e:5}}" in kept
    assert "print" not in kept


def test_the_page_uses_the_classes_of_its_markup_and_those_its_code_names(tmp_path):
    source = tmp_path / "part.py"
    source.write_text('node.className = "btn btn-sm " + style\nstyle = "btn-outline-danger"\n', encoding="utf-8")
    page = '<main class="container py-3"><p class="m-0">text</p></main>'
    assert {"container", "py-3", "m-0", "btn", "btn-sm", "btn-outline-danger"} <= stylesheet.page_classes(
        page, [source]
    )


def test_the_built_stylesheet_holds_every_bootstrap_class_the_page_uses_in_a_sixth_of_the_size():
    full = build.BOOTSTRAP_CSS.read_text(encoding="utf-8")
    used = build.bootstrap_used().decode()
    assert len(used) < len(full) / 6
    assert "Bootstrap" in used.split("*/", 1)[0]  # the licence notice
    page = (build.STATIC_DIR / build.PAGE).read_text(encoding="utf-8")
    classes = stylesheet.page_classes(page, sorted(build.SOURCE_DIR.rglob("*.py")))

    def rule_of(name, css):
        """A rule whose selector is the class alone (``.btn{`` or ``.btn,``)."""
        return re.search(rf"[{{}},]\.{re.escape(name)}[{{,]", css)

    standalone = [name for name in sorted(classes) if rule_of(name, full)]
    assert {"btn", "btn-primary", "alert", "form-control", "form-check-input", "visually-hidden"} <= set(standalone)
    assert [name for name in standalone if not rule_of(name, used)] == []
    # What is left still parses as a stylesheet.
    assert not [rule for rule in tinycss2.parse_stylesheet(used) if rule.type == "error"]
