"""The benchmark script keeps working (its figures are read by people, not asserted here)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_every_figure_on_a_small_run():
    result = subprocess.run(
        [sys.executable, "-m", "devtools.bench", "--calls", "5", "--rounds", "1", "--list-size", "1200"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "GET /todos/{id}" in result.stdout and "PUT /todos/{id}" in result.stdout
    assert "DynamoDB requests per API call: GET 1, POST 1, PUT 1, DELETE 1" in result.stdout
    assert "listing 1200 todos through pagination" in result.stdout
    assert "in 2 pages" in result.stdout
