"""Where the browser tests find Chromium, and what they do when it is missing."""

from collections.abc import Mapping
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
