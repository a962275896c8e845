"""A short bounded load run against the live stack (`make loadtest` runs a longer one)."""
import pytest

from devtools import loadtest
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.plugin import report_figure


@pytest.mark.slow
def test_concurrent_mixed_load_gets_no_5xx_and_loses_or_corrupts_no_todo(live_url):
    report = loadtest.run_load(live_url, clients=4, seconds=5)
    p50, p90, p99, _ = report.percentiles()
    report_figure(f"load (short run): {report.clients} clients x {report.seconds:.0f} s, {report.requests} requests, "
                  f"{report.throughput:.0f} requests/s, p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms; "
                  f"{report.increments} counter increments with {report.conflicts} 412 conflicts; "
                  f"{report.verified} todos verified, {report.deleted} deletes confirmed")
    assert report.problems == []
    assert report.server_errors == 0
    assert report.requests > 100 and report.verified > 0 and report.increments > 0
    assert set(report.latencies) == set(loadtest.WEIGHTS)


def test_the_load_test_notices_lost_updates_when_if_match_does_not_reach_the_api(live_url):
    with FaultProxy(live_url, drop_headers={"If-Match"}) as proxy:
        report = loadtest.run_load(proxy.url, clients=4, seconds=3, seed=1)
    assert any("an update was lost" in problem for problem in report.problems), report.problems


def test_percentiles_are_nearest_rank():
    report = loadtest.Report(clients=1, seconds=1)
    report.latencies["read"] = [n / 1000 for n in range(1, 101)]
    assert report.percentiles() == (50.0, 90.0, 99.0, 100.0)
