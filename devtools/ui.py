"""Build the browser UI (Python compiled to JavaScript by Transcrypt) and serve it locally.

    python -m devtools.ui build --stage prod --api-url https://abc123.execute-api.ap-northeast-1.amazonaws.com/api/
    python -m devtools.ui serve --host 127.0.0.1 --port 8002 --api-url http://127.0.0.1:8000/

``frontend/build/`` is the whole site: ``index.html``, ``js/`` (compiled),
``css/`` (the app's and Bootstrap's), ``config.js``/``config.json`` (the API's
base URL and the identity provider). Nothing is loaded from anywhere else.
"""

import functools
import hashlib
import html
import http.server
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import click

from devtools import settings
from devtools.localhttp import GuardedRequestHandler, serve_until_stopped

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
SOURCE_DIR = FRONTEND / "src"
MAIN_MODULE = "main.py"
STATIC_DIR = FRONTEND / "static"
CONFIG_DIR = FRONTEND / "config"
BUILD_DIR = FRONTEND / "build"
CHALICE_CONFIG = ROOT / "backend" / ".chalice" / "config.json"
BOOTSTRAP_CSS = ROOT / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.min.css"
STAGES = ("dev", "prod")
PLACEHOLDER = "REPLACE-WITH"
# -b: compile every module, so a stale one can never survive; -n: no
# minifying (that needs Java); -k: keyword arguments behave as in Python
# instead of being dropped silently.
TRANSCRYPT_FLAGS = ("-b", "-n", "-k")
FINGERPRINT_FILE = ".fingerprint"
CONFIG_GLOBAL = "hobopyConfig"
PAGE = "index.html"
POLICY_MARK = "{{content-security-policy}}"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".map": "application/json",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


class UIError(Exception):
    """The UI cannot be built or served as asked."""


def normalize_api_url(url: str | None) -> str:
    """The API's base URL, checked (absolute http/https, no query) and ending in ``/``."""
    url = (url or "").strip()
    if PLACEHOLDER in url:
        raise UIError(
            f"the API URL {url!r} is still the placeholder: put the deployed API's URL into "
            "frontend/config/prod.json or pass --api-url."
        )
    url = _checked_url(url, "API URL")
    return url if url.endswith("/") else url + "/"


def _checked_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UIError(f"the {what} {url!r} must be an absolute http(s) URL without query, e.g. http://127.0.0.1:8000/")
    return url


def stage_api_url(stage: str) -> str:
    """The API URL that ``frontend/config/<stage>.json`` names."""
    if stage not in STAGES:
        raise UIError(f"unknown stage {stage!r}; choose one of {', '.join(STAGES)}.")
    path = CONFIG_DIR / f"{stage}.json"
    config = _read_stage_config(path)
    if not isinstance(config.get("apiUrl"), str):
        raise UIError(f"{path}: needs a string field apiUrl.")
    return str(config["apiUrl"])


def _read_stage_config(path: Path) -> dict[str, object]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UIError(f"{path}: cannot read the stage's configuration ({exc}).") from None
    if not isinstance(config, dict):
        raise UIError(f"{path}: needs a JSON object.")
    return config


def api_url_for(stage: str = "dev", api_url: str | None = None) -> str:
    """``api_url`` when given, else the stage's; normalized."""
    return normalize_api_url(api_url if api_url else stage_api_url(stage))


Auth = dict[str, str]
# The page's names for the identity provider's settings, and the dev stage's variables that hold them.
AUTH_FIELDS = {
    "endpoint": "AUTH_LOCAL_ENDPOINT",
    "userPoolId": "AUTH_USER_POOL_ID",
    "clientId": "AUTH_CLIENT_ID",
    "region": "AUTH_REGION",
}


def _stage_auth(stage: str) -> dict[str, object]:
    """What the stage names of the provider: prod in frontend/config/prod.json, dev where the API finds it."""
    if stage == "dev":
        try:
            chalice = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
            variables = chalice["stages"]["dev"].get("environment_variables", {})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UIError(f"{CHALICE_CONFIG}: cannot read the dev stage's settings ({exc}).") from None
        return {field: variables.get(name) for field, name in AUTH_FIELDS.items() if variables.get(name)}
    path = CONFIG_DIR / f"{stage}.json"
    auth = _read_stage_config(path).get("auth")
    if not isinstance(auth, dict):
        raise UIError(f"{path}: needs an object auth with region, userPoolId and clientId.")
    return auth


def auth_for(
    stage: str = "dev",
    endpoint: str | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str | None = None,
) -> Auth | None:
    """The identity provider the page uses, as config.json names it; None when the dev stage names none.

    Given values win over the stage's. The region defaults to the pool id's
    (Cognito pool ids start with it); ``endpoint`` is for a local provider only.
    """
    given = {"endpoint": endpoint, "userPoolId": user_pool_id, "clientId": client_id, "region": region}
    values = {**_stage_auth(stage), **{field: value for field, value in given.items() if value}}
    if stage == "dev" and not values.get("userPoolId") and not values.get("clientId"):
        return None
    source = f"frontend/config/{stage}.json" if stage != "dev" else "backend/.chalice/config.json's dev stage"
    auth: Auth = {}
    for field in ("userPoolId", "clientId", "region", "endpoint"):
        value = values.get(field)
        if field == "region" and not value and isinstance(values.get("userPoolId"), str):
            value = str(values["userPoolId"]).partition("_")[0]
        if value is None and field == "endpoint":
            continue
        if not isinstance(value, str) or not value.strip():
            raise UIError(f"the identity provider's {field} is missing: set it in {source} or pass it as an option.")
        if PLACEHOLDER in value:
            raise UIError(
                f"the identity provider's {field} {value!r} is still the placeholder: put the deployed "
                f"user pool's value into {source} (`make deploy` prints it) or pass it as an option."
            )
        auth[field] = value.strip()
    if "endpoint" in auth:
        if stage != "dev":
            raise UIError(f"{source}: a deployed stage talks to Amazon Cognito itself; remove auth.endpoint.")
        auth["endpoint"] = _checked_url(auth["endpoint"], "identity provider's endpoint")
    return auth


def provider_origin(auth: Auth) -> str:
    """The origin the page sends the identity provider's requests to."""
    if "endpoint" in auth:
        return origin_of(auth["endpoint"])
    return f"https://cognito-idp.{auth['region']}.amazonaws.com"


def origin_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(api_url: str, in_page: bool = False, auth: Auth | None = None) -> str:
    """The page's policy: its own scripts and styles only, and requests only to the API and the identity provider.

    ``in_page``: the copy for the page's own ``<meta>`` tag, which static hosts
    serve too; browsers ignore (and complain about) frame-ancestors there.
    """
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap draws checkboxes and the select's arrow with data: SVGs.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src " + " ".join(dict.fromkeys([origin_of(api_url), *([provider_origin(auth)] if auth else [])])),
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if not in_page:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)


def api_files(api_url: str, stage: str, auth: Auth | None = None) -> dict[str, bytes]:
    """``{name: bytes}`` of the files that depend on the API and the provider: the configuration and the page."""
    config: dict[str, object] = {"apiUrl": api_url, "stage": stage}
    if auth:
        config["auth"] = auth
    text = json.dumps(config, ensure_ascii=True, indent=2)
    page = (STATIC_DIR / PAGE).read_text(encoding="utf-8")
    if POLICY_MARK not in page:
        raise UIError(f"{STATIC_DIR / PAGE} lacks the {POLICY_MARK} placeholder of its policy <meta> tag.")
    # The attribute is in double quotes; the policy's single quotes stay readable.
    policy = html.escape(content_security_policy(api_url, in_page=True, auth=auth), quote=False).replace('"', "&quot;")
    page = page.replace(POLICY_MARK, policy)
    return {
        "config.json": (text + "\n").encode("ascii"),
        # A classic script: it runs before the deferred module that reads it.
        "config.js": f"window.{CONFIG_GLOBAL} = Object.freeze({text});\n".encode("ascii"),
        PAGE: page.encode("utf-8"),
    }


def _write_if_changed(path: Path | str, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds it; True when written."""
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def source_fingerprint() -> str:
    """A hash of every UI source file and the compiler's settings: equal hashes compile alike."""
    digest = hashlib.sha256()
    digest.update(" ".join(TRANSCRYPT_FLAGS).encode())
    digest.update(_transcrypt_version().encode())
    for path in sorted(SOURCE_DIR.rglob("*.py")):
        digest.update(path.relative_to(SOURCE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _transcrypt_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("transcrypt")
    except PackageNotFoundError:
        raise UIError("Transcrypt is not installed: run `make install`.") from None


def compile_sources(js_dir: Path | str) -> bool:
    """Compile ``frontend/src/main.py`` and what it imports into ``js_dir``; False when it was up to date."""
    js_dir = Path(js_dir)
    fingerprint = source_fingerprint()
    stamp = js_dir / FINGERPRINT_FILE
    if (js_dir / "main.js").exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return False
    _check_syntax()
    js_dir.parent.mkdir(parents=True, exist_ok=True)
    # Compile aside, then move file by file: a server reading js_dir meanwhile
    # never sees a half-written module.
    with tempfile.TemporaryDirectory(dir=js_dir.parent, prefix=".transcrypt-") as scratch:
        args = [sys.executable, "-m", "transcrypt", *TRANSCRYPT_FLAGS, "-od", scratch, MAIN_MODULE]
        result = subprocess.run(
            args, cwd=SOURCE_DIR, capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        )
        missing = [name for name in _module_files() if not (Path(scratch) / name).exists()]
        if result.returncode != 0 or missing:
            lacking = f" (it wrote no {', '.join(missing)})" if missing else ""
            raise UIError(f"Transcrypt could not compile the UI{lacking}:\n" + (result.stdout + result.stderr).strip())
        for built in sorted(Path(scratch).iterdir()):
            # main.project is the compiler's own bookkeeping, with this machine's paths.
            if built.is_file() and built.suffix != ".project":
                _write_if_changed(js_dir / built.name, built.read_bytes())
    _write_if_changed(stamp, fingerprint.encode())
    return True


def _check_syntax() -> None:
    # Transcrypt takes a module it cannot parse for a name inside its package
    # and carries on, so syntax errors are caught here, with file and line.
    for path in sorted(SOURCE_DIR.rglob("*.py")):
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError as exc:
            raise UIError(f"Transcrypt could not compile the UI: {path}:{exc.lineno}: {exc.msg}") from None


def _module_files() -> list[str]:
    """The JavaScript files a complete compile produces: one per Python module."""
    names = []
    for path in sorted(SOURCE_DIR.rglob("*.py")):
        parts = path.relative_to(SOURCE_DIR).with_suffix("").parts
        if parts[-1] != "__init__":
            names.append(".".join(parts) + ".js")
    return names


def build(api_url: str | None = None, stage: str = "dev", out_dir: Path = BUILD_DIR, auth: Auth | None = None) -> Path:
    """Build the site into ``out_dir``: compile (only when a source changed), copy static files, write config.

    ``auth``: the identity provider (``auth_for``); by default the stage's.
    Returns ``out_dir`` as a Path. Safe to run again: unchanged files are not rewritten.
    """
    api_url = api_url_for(stage, api_url)
    if auth is None:
        auth = auth_for(stage)
    out_dir = Path(out_dir)
    if not BOOTSTRAP_CSS.exists():
        raise UIError(f"{BOOTSTRAP_CSS.relative_to(ROOT)} is missing: run `make install` (it runs npm ci).")
    compile_sources(out_dir / "js")
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file() and path != STATIC_DIR / PAGE:
            _write_if_changed(out_dir / path.relative_to(STATIC_DIR), path.read_bytes())
    _write_if_changed(out_dir / "css" / BOOTSTRAP_CSS.name, BOOTSTRAP_CSS.read_bytes())
    for name, data in api_files(api_url, stage, auth).items():
        _write_if_changed(out_dir / name, data)
    return out_dir


class StaticHandler(GuardedRequestHandler, http.server.SimpleHTTPRequestHandler):
    """Serves the built site read-only to this machine, with the page's security headers and its configuration."""

    # The standard library reads it from the class; nothing changes it.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}  # noqa: RUF012
    server_version = "hobopy-ui"
    sys_version = ""

    def __init__(self, *args: Any, policy: str, api_files: dict[str, bytes], **kwargs: Any) -> None:
        self.policy = policy
        self.api_files = api_files
        super().__init__(*args, **kwargs)

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        # The files that name the API come from this server's --api-url, not
        # from disk, so servers for different APIs can share one build folder.
        name = urllib.parse.urlsplit(self.path).path.lstrip("/") or PAGE
        if name in self.api_files:
            body = self.api_files[name]
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(name))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> io.BytesIO | None:
        self.send_error(404, "Not found")
        return None

    def answer_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", self.policy),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("Cache-Control", "no-cache"),
        ]

    def end_headers(self) -> None:
        for name, value in self.answer_headers():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(
    host: str, port: int, api_url: str, stage: str = "dev", out_dir: Path = BUILD_DIR, auth: Auth | None = None
) -> http.server.ThreadingHTTPServer:
    """A threaded HTTP server for the built site in ``out_dir`` (not started); ``auth`` as for ``build``."""
    if auth is None:
        auth = auth_for(stage)
    handler = functools.partial(
        StaticHandler,
        directory=str(out_dir),
        policy=content_security_policy(api_url, auth=auth),
        api_files=api_files(api_url, stage, auth),
    )
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Build and serve the browser UI (Python compiled to JavaScript by Transcrypt)."""


_stage_option = click.option(
    "--stage",
    type=click.Choice(STAGES),
    default="dev",
    show_default=True,
    help="Which frontend/config/<stage>.json names the API.",
)
_api_url_option = click.option(
    "--api-url", default=None, metavar="URL", help="The API's base URL; overrides the stage's configuration."
)


def _auth_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The identity provider's settings (config.json's auth); the stage's values are the defaults."""
    options = [
        ("--auth-endpoint", "HOBOPY_AUTH_ENDPOINT", "The local identity provider's URL (dev only)."),
        ("--user-pool-id", "HOBOPY_AUTH_USER_POOL_ID", "The user pool's id."),
        ("--client-id", "HOBOPY_AUTH_CLIENT_ID", "The user pool app client's id."),
        ("--auth-region", None, "The user pool's region (else the pool id's)."),
    ]
    for name, variable, text in reversed(options):
        # The same HOBOPY_AUTH_* variables that win over the stage's values in the API (chalicelib.settings).
        where = f" Env {variable};" if variable else ""
        command = click.option(
            name, default=None, envvar=variable, metavar="VALUE", help=f"{text}{where} default: the stage's."
        )(command)
    return command


def _auth_from_options(stage: str, options: dict[str, str | None]) -> Auth | None:
    return auth_for(
        stage,
        endpoint=options["auth_endpoint"],
        user_pool_id=options["user_pool_id"],
        client_id=options["client_id"],
        region=options["auth_region"],
    )


_out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=BUILD_DIR,
    show_default=True,
    help="Where the site is built.",
)


@cli.command("build")
@_stage_option
@_api_url_option
@_auth_options
@_out_option
def build_command(stage: str, api_url: str | None, out_dir: Path, **auth_options: str | None) -> None:
    """Build the site into frontend/build/ (compiles only what changed).

    Example: python -m devtools.ui build --stage prod --api-url https://abc123.execute-api.ap-northeast-1.amazonaws.com/api/
    """
    try:
        auth = _auth_from_options(stage, auth_options)
        out = build(api_url=api_url, stage=stage, out_dir=out_dir, auth=auth)
    except UIError as exc:
        raise click.ClickException(str(exc)) from None
    provider = f" and the identity provider at {provider_origin(auth)}" if auth else " (no accounts)"
    click.echo(f"built {out} for the API at {api_url_for(stage, api_url)}{provider}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=lambda: settings.port("ui"),
    show_default=str(settings.UI_PORT),
    help=f"Port to listen on (env {settings.PORT_VARIABLES['ui']}).",
)
@_stage_option
@_api_url_option
@_auth_options
@_out_option
def serve_command(
    host: str, port: int, stage: str, api_url: str | None, out_dir: Path, **auth_options: str | None
) -> None:
    """Build if needed, then serve the site until SIGINT/SIGTERM.

    Example: python -m devtools.ui serve --host 127.0.0.1 --port 8002 --api-url http://127.0.0.1:8000/
    """
    try:
        api_url = api_url_for(stage, api_url)
        auth = _auth_from_options(stage, auth_options)
        build(api_url=api_url, stage=stage, out_dir=out_dir, auth=auth)
        server = make_server(host, port, api_url, stage, out_dir, auth=auth)
    except UIError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    click.echo(f"UI at http://{host}:{server.server_address[1]}/ using the API at {api_url}", err=True)
    serve_until_stopped(server)
    click.echo("UI server stopped.", err=True)


if __name__ == "__main__":
    cli(prog_name="python -m devtools.ui")
