"""The layout of tests/: helpers come from tests/support, and a shared fixture's name means one thing."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support import order

TESTS = Path(__file__).resolve().parent

# A fixture of a conftest.py that a test module deliberately replaces for its own tests.
OVERRIDES = {
    # tests/backend/api/test_accounts.py gives the app an identity provider.
    "stage_env": {"tests/backend/api/conftest.py", "tests/backend/api/test_accounts.py"},
}


def is_test_or_conftest(module: str) -> bool:
    """Whether the dotted ``module`` names a conftest or a test module (or something inside one)."""
    return any(part == "conftest" or part.startswith("test_") for part in module.split("."))


def forbidden_imports(source: str, package: str) -> list[str]:
    """The imports in ``source`` (a module of ``package``) that reach into a conftest or a test module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_test_or_conftest(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
            found += [target for target in targets if target.startswith("tests") and is_test_or_conftest(target)][:1]
    return found


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).parent.parts)


def fixtures_of(source: str) -> list[str]:
    """The names of the functions in ``source`` decorated with ``pytest.fixture``."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
            if any(ast.unparse(d) in ("pytest.fixture", "fixture") for d in decorators):
                names.append(node.name)
    return names


def shadowed_fixtures(files: dict[str, str]) -> dict[str, set[str]]:
    """Fixture names of a conftest.py that another conftest.py or a test module defines again, with where."""
    places: dict[str, set[str]] = defaultdict(set)
    for name, source in files.items():
        for fixture in fixtures_of(source):
            places[fixture].add(name)
    shared = {
        fixture for name, source in files.items() if name.endswith("conftest.py") for fixture in fixtures_of(source)
    }
    return {
        fixture: where
        for fixture, where in places.items()
        if fixture in shared and len(where) > 1 and where != OVERRIDES.get(fixture)
    }


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


@pytest.mark.parametrize(
    "source, package",
    [
        ("from tests.conftest import ROOT", "tests.docs"),
        ("from tests.backend.api.test_api import send", "tests.quality"),
        ("from tests.devtools.local import conftest", "tests.stack"),
        ("import tests.stack.test_make_run", "tests.stack"),
        ("from .conftest import connect", "tests.devtools.local"),
        ("from ..api.test_api import send", "tests.backend.unit"),
        ("def f():\n    from tests.conftest import app_client", "tests.docs"),
    ],
)
def test_an_import_from_a_conftest_or_a_test_module_is_found(source: str, package: str) -> None:
    assert forbidden_imports(source, package)


@pytest.mark.parametrize(
    "source",
    ["from tests.support.api import send", "from tests.docs import pages", "import pytest", "from . import pages"],
)
def test_an_import_of_a_helper_module_is_allowed(source: str) -> None:
    assert forbidden_imports(source, "tests.docs") == []


def test_no_test_file_imports_from_a_conftest_or_a_test_module() -> None:
    found = {
        str(path.relative_to(TESTS.parent)): bad
        for path in python_files()
        if (bad := forbidden_imports(path.read_text(encoding="utf-8"), package_of(path)))
    }
    assert found == {}, "move what is shared into tests/support and import it from there"


def test_a_fixture_defined_again_over_a_conftest_one_is_found() -> None:
    conftest = "import pytest\n@pytest.fixture\ndef api():\n    return 1\n"
    module = "import pytest\n@pytest.fixture(scope='module')\ndef api():\n    return 2\n"
    assert shadowed_fixtures({"a/conftest.py": conftest, "a/b/test_x.py": module}) == {
        "api": {"a/conftest.py", "a/b/test_x.py"}
    }
    assert shadowed_fixtures({"a/conftest.py": conftest, "b/conftest.py": conftest}) == {
        "api": {"a/conftest.py", "b/conftest.py"}
    }
    assert shadowed_fixtures({"a/test_x.py": module, "b/test_y.py": module}) == {}


def test_no_conftest_fixture_name_is_defined_twice() -> None:
    files = {str(path.relative_to(TESTS.parent)): path.read_text(encoding="utf-8") for path in python_files()}
    assert shadowed_fixtures(files) == {}, "give each fixture a name that says what it is"


def test_every_file_the_run_starts_first_exists() -> None:
    missing = [name for name in order.SECONDS if not (TESTS.parent / name).is_file()]
    assert missing == [], "a long test file was renamed or removed: update tests/support/order.py"


def test_the_long_files_come_first_longest_first_and_the_others_keep_their_order(
    pytestconfig: pytest.Config,
) -> None:
    assert pytestconfig.getoption("loadscopereorder", False) is False, "xdist would reorder the files by test count"
    files = [
        "tests/a/test_short.py",
        "tests/stack/test_make_run.py",
        "tests/b/test_other.py",
        "tests/quality/test_fuzz.py",
    ]
    items = [Named(f"{name}::test_{n}") for name in files for n in range(2)]
    order.pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [item.nodeid for item in items] == [
        *(f"tests/quality/test_fuzz.py::test_{n}" for n in range(2)),
        *(f"tests/stack/test_make_run.py::test_{n}" for n in range(2)),
        *(f"tests/a/test_short.py::test_{n}" for n in range(2)),
        *(f"tests/b/test_other.py::test_{n}" for n in range(2)),
    ]


class Named:
    """Just what the ordering reads of a collected test: its node id."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid


def test_a_runs_report_gives_the_seconds_of_each_long_file(tmp_path: Path) -> None:
    cases = [
        ("tests.stack.test_idp", 8.4),
        ("tests.stack.test_idp", 3.3),
        ("tests.quality.test_fuzz.TestChecks", 20.0),
        ("tests.backend.unit.test_todos", 9.0),
    ]
    rows = "".join(f'<testcase classname="{name}" name="t" time="{time}"/>' for name, time in cases)
    report = tmp_path / "run.xml"
    report.write_text(f'<testsuites><testsuite name="pytest">{rows}</testsuite></testsuites>')
    assert order.seconds_per_file(str(report)) == {"tests/quality/test_fuzz.py": 20, "tests/stack/test_idp.py": 12}
