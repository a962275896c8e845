"""A short bounded load run of two signed-in users against the live stack (`make loadtest` runs a longer one)."""

import pytest

from devtools.quality import loadtest
from tests.quality.faultproxy import FaultProxy
from tests.support.audit import report_figure


@pytest.fixture
def two_users(live_pool):
    return [live_pool.new_user().headers() for _ in range(2)]


@pytest.mark.slow
def test_two_users_concurrent_mixed_load_gets_no_5xx_and_loses_corrupts_or_shares_no_todo(live_url, two_users):
    report = loadtest.run_load(live_url, two_users, clients=4, seconds=5, seed=20261130)
    p50, p90, p99, _ = report.percentiles()
    report_figure(
        f"load (short run, kept-alive): {report.clients} clients of {report.users} users x {report.seconds:.0f} s, "
        f"{report.requests} requests, {report.throughput:.0f} requests/s, p50 {p50:.1f} ms, p90 {p90:.1f} ms, "
        f"p99 {p99:.1f} ms; {report.increments} counter increments with {report.conflicts} 412 conflicts; "
        f"{report.trespasses} reaches for another user's todo; {report.verified} todos verified, "
        f"{report.deleted} deletes confirmed"
    )
    assert report.problems == []
    assert report.server_errors == 0
    assert report.requests > 100 and report.verified > 0 and report.increments > 0 and report.trespasses > 0
    assert set(report.latencies) == set(loadtest.WEIGHTS)


def test_the_load_test_notices_lost_updates_when_if_match_does_not_reach_the_api(live_url, two_users):
    with FaultProxy(live_url, drop_headers={"If-Match"}) as proxy:
        report = loadtest.run_load(proxy.url, two_users, clients=4, seconds=3, seed=1)
    assert any("an update was lost" in problem for problem in report.problems), report.problems


def test_the_load_test_notices_a_user_shown_another_user_s_todos(live_url, two_users):
    # Every request reaches the API as the first user, whichever user sent it.
    with FaultProxy(live_url, set_headers=two_users[0]) as proxy:
        report = loadtest.run_load(proxy.url, two_users, clients=2, seconds=2, seed=2)
    assert any("was shown other users' todos" in problem for problem in report.problems), report.problems


def test_percentiles_are_nearest_rank():
    report = loadtest.Report(clients=1, seconds=1)
    report.latencies["read"] = [n / 1000 for n in range(1, 101)]
    assert report.percentiles() == (50.0, 90.0, 99.0, 100.0)
