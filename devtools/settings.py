"""Where the local stack lives: ports, data folder, endpoints, origins, region.

The only module of the dev tools that reads their environment (``HOBOPY_*``);
a bad value is a ``SettingsError`` that names the variable and what it takes.
"""

import functools
import json
import os
import urllib.parse
from pathlib import Path

from chalicelib.settings import DEFAULT_REGION

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
HOST = "127.0.0.1"
# The names a local server answers to: anything else in ``Host`` is DNS rebinding.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

API_PORT, DB_PORT, UI_PORT, IDP_PORT = 8000, 8001, 8002, 8003
PORT_VARIABLES = {"api": "HOBOPY_API_PORT", "db": "HOBOPY_DB_PORT", "ui": "HOBOPY_UI_PORT", "idp": "HOBOPY_IDP_PORT"}
DEFAULT_PORTS = {"api": API_PORT, "db": DB_PORT, "ui": UI_PORT, "idp": IDP_PORT}


@functools.cache
def demo_owner() -> str:
    """The owner a request without a token acts as under ``make run``: the dev stage's ``ANONYMOUS_OWNER``."""
    config = json.loads((BACKEND / ".chalice" / "config.json").read_text(encoding="utf-8"))
    owner: str = config["stages"]["dev"]["environment_variables"]["ANONYMOUS_OWNER"]
    return owner


class SettingsError(ValueError):
    """A ``HOBOPY_*`` variable holds something the dev tools cannot use."""


def port(part: str) -> int:
    """The port of ``part`` (api, db, ui, idp): its ``HOBOPY_*_PORT`` or the default."""
    variable = PORT_VARIABLES[part]
    value = os.environ.get(variable, "").strip()
    if not value:
        return DEFAULT_PORTS[part]
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"{variable}={value!r} is not a TCP port number (1-65535).")
    return int(value)


def data_dir() -> Path:
    """Where ``make run`` keeps its data: ``HOBOPY_DATA_DIR``, else ``.data/`` in the repository."""
    value = os.environ.get("HOBOPY_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else ROOT / ".data"


def region() -> str:
    """The region local clients name (engines accept any): ``AWS_REGION``/``AWS_DEFAULT_REGION`` or the default."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def url(port: int, host: str = HOST) -> str:
    """The base URL of a local server."""
    return f"http://{host}:{port}"


def db_endpoint() -> str:
    """The local engine: ``HOBOPY_DB_ENDPOINT``, else 127.0.0.1 on the engine's port."""
    return os.environ.get("HOBOPY_DB_ENDPOINT", "").strip() or url(port("db"))


def local_origins(port: int) -> list[str]:
    """The origins of a page served on this machine at ``port``."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def allowed_hosts(port: int) -> frozenset[str]:
    """The ``Host`` values a local server on ``port`` accepts."""
    return frozenset(f"{name}:{port}" for name in LOOPBACK_NAMES)


def extra_origins() -> list[str]:
    """``HOBOPY_EXTRA_ORIGINS``: more local origins (comma-separated) the API and the identity provider allow."""
    value = os.environ.get("HOBOPY_EXTRA_ORIGINS", "")
    origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
    for origin in origins:
        parts = urllib.parse.urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise SettingsError(
                f"HOBOPY_EXTRA_ORIGINS: {origin!r} is not an origin; write it like http://localhost:5173."
            )
    return origins


def stack_origins(ui_port: int) -> list[str]:
    """Every origin the stack's API and identity provider allow: the UI's and the extra ones."""
    return [*local_origins(ui_port), *(o for o in extra_origins() if o not in local_origins(ui_port))]
