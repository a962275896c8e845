"""A pytest plugin: the test files that take longest run first, so that none is left to run alone at the end.

``python -m tests.support.order RUN.xml`` prints ``SECONDS`` anew from a run's ``--junitxml`` report.

pytest-xdist (``--dist loadfile``) hands whole files to the workers in the order of the collection, given
``--no-loadscope-reorder`` (pyproject.toml); otherwise it hands out the files with the most tests first, and a
file of three long tests (``make run`` end to end) starts last. Here the files of ``SECONDS`` come first, the
longest first, then every other file in its usual order: the short ones fill the gaps while the long ones end.
"""

import sys
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

# Seconds a file's tests took in `make test` (summed from a --junitxml run; 3 workers on 2 cores, the machine
# loaded), for the files above 10 s. Only their order matters: refresh them when a file grows or shrinks a lot.
# A file missing from the list runs after all of them; tests/test_layout.py checks each listed file exists.
SECONDS = {
    "tests/quality/test_fuzz.py": 124,
    "tests/frontend/test_browser.py": 113,
    "tests/stack/test_idp.py": 113,
    "tests/quality/test_state_machine.py": 97,
    "tests/frontend/test_browser_lists.py": 56,
    "tests/frontend/test_browser_sync.py": 55,
    "tests/devtools/quality/test_bench_runs.py": 48,
    "tests/devtools/db/test_db_commands.py": 36,
    "tests/frontend/test_browser_accounts.py": 35,
    "tests/stack/test_stack_engines.py": 33,
    "tests/devtools/deploy/test_publish.py": 32,
    "tests/stack/test_make_run.py": 31,
    "tests/frontend/test_browser_failures.py": 29,
    "tests/quality/test_faults.py": 29,
    "tests/backend/api/test_api.py": 26,
    "tests/devtools/quality/test_phone_bench.py": 25,
    "tests/backend/contract/test_repository_contract.py": 22,
    "tests/frontend/test_browser_offline.py": 21,
    "tests/devtools/deploy/test_template.py": 20,
    "tests/devtools/deploy/test_workflow.py": 19,
    "tests/devtools/ui/test_server.py": 15,
    "tests/quality/test_load.py": 14,
    "tests/stack/test_httpie.py": 13,
    "tests/docs/test_readme_ja.py": 12,
    "tests/devtools/deploy/test_chalice_deploy.py": 12,
    "tests/quality/test_concurrency.py": 12,
    "tests/frontend/test_browser_phone.py": 11,
}


def file_of(item: pytest.Item) -> str:
    """The test file of ``item`` as ``SECONDS`` names it (its node id up to the first ``::``)."""
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # sort() is stable: the tests of a file, and the files not listed, keep their order.
    items.sort(key=lambda item: -SECONDS.get(file_of(item), 0))


def seconds_per_file(report: str) -> dict[str, int]:
    """The seconds of each file above 10 s in a --junitxml ``report``, the longest first."""
    seconds: Counter[str] = Counter()
    for case in ET.parse(report).getroot().iter("testcase"):
        # classname: the module's dotted path, then the class if any (tests.stack.test_idp[.TestX]).
        parts = case.get("classname", "").split(".")
        while parts and not parts[-1].startswith("test_"):
            parts.pop()
        seconds["/".join(parts) + ".py"] += float(case.get("time", 0))
    return {name: round(total) for name, total in seconds.most_common() if total > 10}


if __name__ == "__main__":
    print("SECONDS = {")
    for name, total in seconds_per_file(sys.argv[1]).items():
        print(f'    "{name}": {total},')
    print("}")
