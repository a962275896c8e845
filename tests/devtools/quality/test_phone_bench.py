"""The phone profile's benchmark keeps working on a small list; its times are read by people, its bytes asserted."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINE = r"\s+(\d+\.\d\d) s\s+(\d+) KB\s+(\d+) KB"


@pytest.fixture(scope="module")
def small_run() -> str:
    command = [sys.executable, "-m", "devtools.quality.phone", "--todos", "40", "--rounds", "1"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def figures(run: str, way: str) -> tuple[float, int, int]:
    found = re.search(re.escape(way) + LINE, run)
    assert found, run
    return float(found[1]), int(found[2]), int(found[3])


def test_both_ways_print_the_time_to_the_list_and_the_bytes_on_the_wire(small_run: str) -> None:
    assert "390x844, CPU 4x slower, 150 ms latency, 1.6 Mbit/s down; 40 todos" in small_run
    for way in ("as served (gzip where accepted)", "without compression"):
        shown, _, _ = figures(small_run, way)
        assert shown > 0
    assert re.search(r"goals: 40 todos on screen within 3\.5 s (ok|ABOVE GOAL); .* 150 KB on the wire ok", small_run)


def test_compression_shrinks_the_page_to_a_third_or_less_and_the_list_too(small_run: str) -> None:
    _, page, api = figures(small_run, "as served (gzip where accepted)")
    _, plain_page, plain_api = figures(small_run, "without compression")
    assert page <= 150 and page * 3 <= plain_page
    assert api < plain_api
