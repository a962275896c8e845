"""A pytest plugin: the test files that take longest run first, so that none is left to run alone at the end.

pytest-xdist (``--dist loadfile``) hands whole files to the workers in the order of the collection, given
``--no-loadscope-reorder`` (pyproject.toml); otherwise it hands out the files with the most tests first, and a
file of three long tests (``make run`` end to end) starts last. Here the files of ``SECONDS`` come first, the
longest first, then every other file in its usual order: the short ones fill the gaps while the long ones end.
"""

import pytest

# Seconds a file's tests took in `make test` (summed from a --junitxml run; 3 workers on 2 cores, the machine
# loaded), for the files above about 10 s. Only their order matters: refresh them when a file grows or shrinks a
# lot. A file missing from the list runs after all of them; tests/test_layout.py checks each listed file exists.
SECONDS = {
    "tests/quality/test_fuzz.py": 118,
    "tests/frontend/test_browser.py": 114,
    "tests/stack/test_idp.py": 112,
    "tests/devtools/db/test_db_commands.py": 107,
    "tests/frontend/test_browser_lists.py": 60,
    "tests/devtools/quality/test_bench_runs.py": 57,
    "tests/frontend/test_browser_sync.py": 54,
    "tests/devtools/deploy/test_publish.py": 51,
    "tests/stack/test_stack_engines.py": 50,
    "tests/frontend/test_browser_failures.py": 45,
    "tests/quality/test_faults.py": 42,
    "tests/frontend/test_browser_accounts.py": 41,
    "tests/quality/test_state_machine.py": 41,
    "tests/devtools/ui/test_server.py": 40,
    "tests/stack/test_make_run.py": 35,
    "tests/frontend/test_browser_offline.py": 33,
    "tests/devtools/deploy/test_workflow.py": 32,
    "tests/devtools/deploy/test_template.py": 29,
    "tests/docs/test_readme_ja.py": 29,
    "tests/devtools/db/test_book_files.py": 25,
    "tests/devtools/quality/test_phone_bench.py": 24,
    "tests/backend/contract/test_repository_contract.py": 21,
    "tests/backend/api/test_api.py": 19,
    "tests/devtools/deploy/test_chalice_deploy.py": 16,
    "tests/stack/test_httpie.py": 15,
    "tests/devtools/deploy/test_lambda_package.py": 15,
    "tests/quality/test_load.py": 14,
    "tests/devtools/ui/test_ui_server.py": 11,
    "tests/devtools/db/test_aws_cli.py": 11,
    "tests/docs/test_walkthrough.py": 11,
    "tests/devtools/deploy/test_gateway.py": 10,
}


def file_of(item: pytest.Item) -> str:
    """The test file of ``item`` as ``SECONDS`` names it (its node id up to the first ``::``)."""
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # sort() is stable: the tests of a file, and the files not listed, keep their order.
    items.sort(key=lambda item: -SECONDS.get(file_of(item), 0))
