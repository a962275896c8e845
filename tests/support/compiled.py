"""The UI's compiled logic run under Node.js, to compare its answers with CPython's (the browser runs the former)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HARNESS = """
import {readFileSync} from 'node:fs';
import {dict} from './org.transcrypt.__runtime__.js';
%(imports)s

const modules = {%(names)s};
// JSON gives plain objects; the compiled logic calls dict methods on them, as the page does after dict().
const py = (value) => Array.isArray(value) ? value.map(py)
  : value !== null && typeof value === 'object'
    ? dict(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, py(v)])))
    : value;
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map(([module, name, args]) => {
  try {
    return {value: modules[module][name](...args.map(py))};
  } catch (error) {
    return {error: String(error)};
  }
});
process.stdout.write(JSON.stringify(results));
"""


def run_compiled(js_dir: Path, cases: list, modules: list[str], scratch: Path) -> list:
    """``{"value"}`` or ``{"error"}`` for each ``(module, function, args)`` of ``cases``, from the compiled ``todoui``
    modules in ``js_dir``; skips the test when Node.js is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    imports = "\n".join(f"import * as {name} from './todoui.{name}.js';" for name in modules)
    (js_dir / "package.json").write_text('{"type": "module"}')
    harness = js_dir / f"parity-{'-'.join(modules)}.mjs"
    harness.write_text(HARNESS % {"imports": imports, "names": ", ".join(modules)})
    cases_file = scratch / "cases.json"
    cases_file.write_text(json.dumps(cases))
    result = subprocess.run(
        [node, str(harness), str(cases_file)], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def in_python(cases: list, modules: dict) -> list:
    """What CPython answers for the same cases, made JSON as the compiled side's answers are."""
    return [{"value": json.loads(json.dumps(getattr(modules[module], name)(*args)))} for module, name, args in cases]
