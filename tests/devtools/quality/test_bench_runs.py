"""The benchmark keeps working on a small run; its timings are read by people, its counts are asserted."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.quality import bench

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def small_run() -> str:
    command = [sys.executable, "-m", "devtools.quality.bench", "--calls", "5", "--rounds", "1", "--list-size", "1200"]
    command += ["--cold-pairs", "2", "--keepalive-rounds", "3"]
    command += ["--other-owners-todos", "600", "--isolation-rounds", "2", "--hostile-kib", "8"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_warm_figures_and_one_request_per_call(small_run: str) -> None:
    for method in ("GET", "PUT"):
        # calls a second of each side, the median of the rounds' ratios, the lowest and highest of them, the verdict
        row = rf"^{method} /todos/\{{id\}} +\d+ +\d+ +\d\.\d{{3}} +\d\.\d\d-\d\.\d\d  (ok|BELOW GOAL)$"
        assert re.search(row, small_run, re.MULTILINE), small_run
    assert "DynamoDB requests per API call: GET 1, POST 1, PUT 1, DELETE 1" in small_run
    assert "listing 1200 todos through pagination" in small_run
    assert "in 2 pages" in small_run


def test_cold_start_ratio_is_printed(small_run: str) -> None:
    assert re.search(
        r"cold start, GET /todos/\{id\} .* packaged handler \d+ ms, bare boto3 \d+ ms, ratio \d+\.\d\d .*"
        r"CPU time ratio \d+\.\d\d$",
        small_run,
        re.MULTILINE,
    )


def test_the_cost_of_the_record_and_metrics_is_printed(small_run: str) -> None:
    assert re.search(
        r"record and metrics of a warm GET /todos/\{id\} \(5 pairs in turn\): \d+\.\d\d ms with, \d+\.\d\d ms without, "
        r"[+-]\d+ us a call, ratio \d+\.\d\d\d \(median of pairs; goal <= 1\.05\) \w.*; "
        r"the call without them against itself: \d+\.\d\d\d$",
        small_run,
        re.MULTILINE,
    ), small_run


def test_kept_alive_medians_for_both_servers(small_run: str) -> None:
    for server in ("hobopy run's API server", "plain chalice local"):
        assert re.search(re.escape(server) + r"\s+\d+\.\d ms\s+\d+\.\d ms\s+\d+\.\d\d", small_run), small_run


def test_isolation_lists_the_callers_todos_in_one_request_per_page(small_run: str) -> None:
    assert "loaded 600 todos of 6 other owners and 100 of the caller's" in small_run
    assert re.search(
        r"listing the caller's 100 todos .* ratio \d+\.\d\d .*DynamoDB requests per page: 1$", small_run, re.MULTILINE
    )


def test_the_nesting_check_on_hostile_bodies_is_timed_beside_the_former_pattern(small_run: str) -> None:
    for shape in bench.hostile_bodies(8 * 1024):
        assert re.search(re.escape(shape) + r"\s+\d+\.\d ms\s+\d+\.\d\d ms$", small_run, re.MULTILINE), small_run
    assert re.search(
        r"worst case for a hostile 8 KB body: former pattern \d+\.\d\d s, now \d+\.\d\d ms$", small_run, re.MULTILINE
    )


def test_cold_start_runtime_holds_boto3_and_not_chalice(tmp_path: Path) -> None:
    runtime = bench.runtime_folder(tmp_path / "runtime")
    names = {path.name for path in runtime.iterdir()}
    assert {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"} <= names
    assert not names & {"chalice", "click", "moto", "app.py", "chalicelib", "aws_lambda_powertools"}
    assert (runtime / "__pycache__" / importlib.util.cache_from_source("six.py").split("/")[-1]).exists()


def test_cold_start_layer_holds_powertools_and_its_dependencies_only(tmp_path: Path) -> None:
    layer = bench.layer_folder(tmp_path / "layer")
    names = {path.name for path in layer.iterdir()}
    assert names == {"aws_lambda_powertools", "jmespath", "typing_extensions.py", "__pycache__"}
    # Bytecode as a layer ships it: the single-module dependency is not compiled at each cold start.
    assert [path.name for path in (layer / "__pycache__").iterdir()] == [
        importlib.util.cache_from_source("typing_extensions.py").split("/")[-1]
    ]
