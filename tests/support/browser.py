"""Where the browser tests find Chromium, what they do when it is missing, and waiting for what a page did."""

import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from devtools import settings

CHROMIUM = settings.CHROMIUM
# The screens a page opens on: a desktop window, and a common phone (touch, its own viewport rules).
SCREENS = {
    "desktop": {"viewport": {"width": 1100, "height": 700}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def require_chromium(path: Path, environ: Mapping[str, str]) -> None:
    """Stop the test when Chromium is not at ``path``: a failure in CI (``CI`` set), a skip elsewhere."""
    if path.exists():
        return
    missing = f"{path} is not installed (apt-get install chromium fonts-noto-cjk, or name another in HOBOPY_CHROMIUM)"
    if environ.get("CI"):
        pytest.fail(missing)
    pytest.skip(missing)


def eventually(check: Callable[[], object], seconds: float = 15) -> object:
    """Wait until ``check()`` holds (what the server holds changes after the page's requests); its last value."""
    deadline = time.monotonic() + seconds
    while not (held := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return held
