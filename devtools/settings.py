"""Where the local stack lives: ports, data folder, endpoints, origins, region.

The only dev tools module that reads their environment (``HOBOPY_*``); a bad value is a ``SettingsError``.
"""

import functools
import json
import os
import urllib.parse
from pathlib import Path

from chalicelib.settings import ANONYMOUS_OWNER, STACK_DB_ENDPOINT

# The dev stage's API and the identity provider allow pages of this machine at any port: one rule for both.
from chalicelib.settings import is_loopback_origin as is_loopback_origin

# The region local clients name (engines accept any) follows the Lambda code's rule: AWS_REGION, AWS_DEFAULT_REGION,
# else us-east-1.
from chalicelib.settings import region as region

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
HOST = "127.0.0.1"
# The names a local server answers to: anything else in ``Host`` is DNS rebinding.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
API_PORT, DB_PORT, UI_PORT, IDP_PORT = 8000, 8001, 8002, 8003
DEFAULT_PORTS = {"api": API_PORT, "db": DB_PORT, "ui": UI_PORT, "idp": IDP_PORT}
PORT_VARIABLES = {part: f"HOBOPY_{part.upper()}_PORT" for part in DEFAULT_PORTS}
# The browser the UI's tests and the phone benchmark drive: Debian's Chromium unless HOBOPY_CHROMIUM names another
# Chromium-based one (Ubuntu's chromium package only stands in for a snap; its runners in CI have Google Chrome).
CHROMIUM = Path(os.environ.get("HOBOPY_CHROMIUM") or "/usr/bin/chromium")


class SettingsError(ValueError):
    """A ``HOBOPY_*`` variable holds something the dev tools cannot use."""


@functools.cache
def demo_owner() -> str:
    """The owner a request without a token acts as under ``make run``: the dev stage's ``ANONYMOUS_OWNER``."""
    config = json.loads((BACKEND / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return str(config["stages"]["dev"]["environment_variables"][ANONYMOUS_OWNER])


def port(part: str) -> int:
    """The port of ``part`` (api, db, ui, idp): its ``HOBOPY_*_PORT`` or the default."""
    value = os.environ.get(PORT_VARIABLES[part], "").strip()
    if value and (not value.isdigit() or not 0 < int(value) < 65536):
        raise SettingsError(f"{PORT_VARIABLES[part]}={value!r} is not a TCP port number (1-65535).")
    return int(value) if value else DEFAULT_PORTS[part]


def data_dir() -> Path:
    """Where ``make run`` keeps its data: ``HOBOPY_DATA_DIR``, else ``.data/`` in the repository."""
    value = os.environ.get("HOBOPY_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else ROOT / ".data"


def private_dir(path: Path) -> Path:
    """``path``, a folder only its owner may enter (0700): made with its parents if missing, closed if it was open."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def url(port: int, host: str = HOST) -> str:
    return f"http://{host}:{port}"


def db_endpoint() -> str:
    """The local engine: ``HOBOPY_DB_ENDPOINT``, else 127.0.0.1 on the engine's port."""
    return os.environ.get(STACK_DB_ENDPOINT, "").strip() or url(port("db"))


def local_origins(port: int) -> list[str]:
    return [url(port), url(port, "localhost")]


def is_local_host(host: str, port: int) -> bool:
    """Whether a local server on ``port`` answers a request for ``host``: a loopback name, with that port or none.

    The one rule of every local server (``devtools/local/dynalite_server.js`` spells it in JavaScript).
    """
    name = host.strip().lower()
    return name in LOOPBACK_NAMES or name in (f"{loopback}:{port}" for loopback in LOOPBACK_NAMES)


def stack_origins(ui_port: int) -> list[str]:
    """Origins the API and the identity provider allow: the UI's, then ``HOBOPY_EXTRA_ORIGINS`` (comma-separated)."""
    extra = [o.strip().rstrip("/") for o in os.environ.get("HOBOPY_EXTRA_ORIGINS", "").split(",") if o.strip()]
    for origin in extra:
        parts = urllib.parse.urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise SettingsError(
                f"HOBOPY_EXTRA_ORIGINS: {origin!r} is not an origin; write it like http://localhost:5173."
            )
    local = local_origins(ui_port)
    return [*local, *(origin for origin in extra if origin not in local)]
