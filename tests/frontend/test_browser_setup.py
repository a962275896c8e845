"""A missing Chromium skips the browser tests on a workstation and fails them in CI."""

from pathlib import Path

import pytest

from tests.support.browser import require_chromium


def test_a_missing_browser_fails_in_ci(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="is not installed"):
        require_chromium(tmp_path / "chromium", {"CI": "true"})


def test_a_missing_browser_skips_outside_ci(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match="is not installed"):
        require_chromium(tmp_path / "chromium", {"CI": ""})


def test_a_present_browser_lets_the_tests_run(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.touch()
    require_chromium(browser, {"CI": "true"})
