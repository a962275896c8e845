"""Build the browser UI (Python compiled to JavaScript by Transcrypt): ``hobopy ui build``.

``frontend/build/`` is the whole site: ``index.html``, ``js/`` (compiled),
``css/`` (the app's, and the Bootstrap rules the page uses), ``config.js``/``config.json``
(the API's base URL and the identity provider). Nothing is loaded from anywhere else.
"""

import hashlib
import html
import json
import subprocess
import sys
import tempfile
import urllib.parse
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click

from devtools import settings
from devtools.files import write_atomic
from devtools.ui import stylesheet

ROOT = settings.ROOT
SOURCE_DIR = ROOT / "frontend" / "src"
STATIC_DIR = ROOT / "frontend" / "static"
CONFIG_DIR = ROOT / "frontend" / "config"
BUILD_DIR = ROOT / "frontend" / "build"
CHALICE_CONFIG = settings.BACKEND / ".chalice" / "config.json"
BOOTSTRAP_CSS = ROOT / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.min.css"
# What the site serves of it: the rules the page can use (stylesheet.py).
BOOTSTRAP_USED = Path("css", "bootstrap-used.css")
STAGES = ("dev", "prod")
PLACEHOLDER = "REPLACE-WITH"
# -b: compile every module, so a stale one can never survive; -n: no minifying (that needs Java);
# -k: keyword arguments behave as in Python instead of being dropped silently.
TRANSCRYPT_FLAGS = ("-b", "-n", "-k")
PAGE = "index.html"
POLICY_MARK = "{{content-security-policy}}"
Auth = dict[str, str]
# The page's names for the identity provider's settings, and the dev stage's variables that hold them.
AUTH_FIELDS = {
    "endpoint": "AUTH_LOCAL_ENDPOINT",
    "userPoolId": "AUTH_USER_POOL_ID",
    "clientId": "AUTH_CLIENT_ID",
    "region": "AUTH_REGION",
}


class UIError(click.ClickException):
    """The UI cannot be built or served as asked."""


def normalize_api_url(url: str | None) -> str:
    """The API's base URL, checked and ending in ``/``: a path on the page's own origin (``/api/``, as every stage
    serves it), or an absolute http(s) URL of an API elsewhere; no query either way."""
    url = (url or "").strip()
    if PLACEHOLDER in url:
        raise UIError(
            f"the API URL {url!r} is still the placeholder: put the deployed API's URL into "
            "frontend/config/prod.json or pass --api-url."
        )
    if not on_page_origin(url):
        url = checked_url(url, "API URL")
    elif urllib.parse.urlsplit(url).query or "#" in url:
        raise UIError(f"the API URL {url!r} must be a path like /api/ without query.")
    return url if url.endswith("/") else url + "/"


def on_page_origin(url: str) -> bool:
    """Whether the API URL ``url`` is a path on the page's own origin (no scheme, no host)."""
    parts = urllib.parse.urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


def checked_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UIError(f"the {what} {url!r} must be an absolute http(s) URL without query, e.g. http://127.0.0.1:8000/")
    return url


def _stage_value(stage: str, key: str, kind: type, what: str) -> Any:
    path = CONFIG_DIR / f"{stage}.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError) as exc:
        raise UIError(f"{path}: cannot read the stage's configuration ({exc}).") from None
    if not isinstance(value, kind):
        raise UIError(f"{path}: needs {what}.")
    return value


def api_url_for(stage: str = "dev", api_url: str | None = None) -> str:
    """``api_url`` when given, else the stage's; normalized."""
    return normalize_api_url(api_url or _stage_value(stage, "apiUrl", str, "a string field apiUrl"))


def _stage_auth(stage: str) -> dict[str, Any]:
    """What the stage names of the provider: prod in frontend/config/prod.json, dev where the API finds it."""
    if stage != "dev":
        return dict(_stage_value(stage, "auth", dict, "an object auth with region, userPoolId and clientId"))
    try:
        dev = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"]["dev"]
        variables = dev.get("environment_variables", {})
        return {field: variables[name] for field, name in AUTH_FIELDS.items() if variables.get(name)}
    except (OSError, ValueError, LookupError, TypeError, AttributeError) as exc:
        raise UIError(f"{CHALICE_CONFIG}: cannot read the dev stage's settings ({exc}).") from None


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
    if not values.get("region") and isinstance(values.get("userPoolId"), str):
        values["region"] = values["userPoolId"].partition("_")[0]
    source = f"frontend/config/{stage}.json" if stage != "dev" else "backend/.chalice/config.json's dev stage"
    fields = ["userPoolId", "clientId", "region", *(["endpoint"] if values.get("endpoint") is not None else [])]
    for field in fields:
        value = values.get(field)
        if not isinstance(value, str) or not value.strip():
            raise UIError(f"the identity provider's {field} is missing: set it in {source} or pass it as an option.")
        if PLACEHOLDER in value:
            raise UIError(
                f"the identity provider's {field} {value!r} is still the placeholder: put the deployed "
                f"user pool's value into {source} (`make deploy` prints it) or pass it as an option."
            )
    auth = {field: values[field].strip() for field in fields}
    if "endpoint" in auth and stage != "dev":
        raise UIError(f"{source}: a deployed stage talks to Amazon Cognito itself; remove auth.endpoint.")
    if "endpoint" in auth:
        checked_url(auth["endpoint"], "identity provider's endpoint")
    return auth


def provider_origin(auth: Auth) -> str:
    return origin_of(auth.get("endpoint") or f"https://cognito-idp.{auth['region']}.amazonaws.com")


def origin_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(api_url: str, in_page: bool = False, auth: Auth | None = None) -> str:
    """The page's policy: its own scripts and styles only, and requests only to the API and the identity provider.

    ``in_page``: the copy for the page's own ``<meta>`` tag, which static hosts
    serve too; browsers ignore (and complain about) frame-ancestors there.
    Bootstrap draws checkboxes and the select's arrow with data: SVGs.
    """
    api = "'self'" if on_page_origin(api_url) else origin_of(api_url)
    connect = " ".join(dict.fromkeys([api, *([provider_origin(auth)] if auth else [])]))
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"connect-src {connect}; base-uri 'none'; form-action 'none'"
    )
    return policy if in_page else policy + "; frame-ancestors 'none'"


def api_files(api_url: str, stage: str, auth: Auth | None = None) -> dict[str, bytes]:
    """``{name: bytes}`` of the files that depend on the API and the provider: the configuration and the page."""
    text = json.dumps({"apiUrl": api_url, "stage": stage, **({"auth": auth} if auth else {})}, indent=2)
    page = (STATIC_DIR / PAGE).read_text(encoding="utf-8")
    if POLICY_MARK not in page:
        raise UIError(f"{STATIC_DIR / PAGE} lacks the {POLICY_MARK} placeholder of its policy <meta> tag.")
    # The attribute is in double quotes; the policy's single quotes stay readable.
    policy = html.escape(content_security_policy(api_url, in_page=True, auth=auth), quote=False).replace('"', "&quot;")
    return {
        "config.json": (text + "\n").encode("ascii"),
        # A classic script: it runs before the deferred module that reads it.
        "config.js": f"window.hobopyConfig = Object.freeze({text});\n".encode("ascii"),
        PAGE: page.replace(POLICY_MARK, policy).encode("utf-8"),
    }


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, mode=0o644)


def compile_sources(js_dir: Path | str) -> bool:
    """Compile ``frontend/src/main.py`` and what it imports into ``js_dir``; False when it was up to date."""
    try:
        transcrypt = version("transcrypt")
    except PackageNotFoundError:
        raise UIError("Transcrypt is not installed: run `make install`.") from None
    js_dir, sources = Path(js_dir), sorted(SOURCE_DIR.rglob("*.py"))
    # The fingerprint of the compiler, its flags and every source: equal fingerprints compile alike.
    digest = hashlib.sha256(f"{' '.join(TRANSCRYPT_FLAGS)}{transcrypt}".encode())
    for path in sources:
        # Transcrypt takes a module it cannot parse for a name in its package and carries on: caught here, with line.
        try:
            compile(source := path.read_bytes(), str(path), "exec")
        except SyntaxError as exc:
            raise UIError(f"Transcrypt could not compile the UI: {path}:{exc.lineno}: {exc.msg}") from None
        digest.update(path.relative_to(SOURCE_DIR).as_posix().encode() + b"\0" + source + b"\0")
    stamp, fingerprint = js_dir / ".fingerprint", digest.hexdigest()
    if (js_dir / "main.js").exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return False
    # Compile aside, then copy file by file: a server reading js_dir meanwhile never sees a half-written module.
    with tempfile.TemporaryDirectory(prefix="hobopy-transcrypt-") as scratch:
        # -B: no bytecode written into frontend/src.
        args = [sys.executable, "-B", "-m", "transcrypt", *TRANSCRYPT_FLAGS, "-od", scratch, "main.py"]
        result = subprocess.run(args, cwd=SOURCE_DIR, capture_output=True, text=True)
        # A complete compile writes one JavaScript file per module.
        modules = [".".join(path.relative_to(SOURCE_DIR).with_suffix("").parts) + ".js" for path in sources]
        missing = [name for name in modules if not name.endswith("__init__.js") and not Path(scratch, name).exists()]
        if result.returncode != 0 or missing:
            lacking = f" (it wrote no {', '.join(missing)})" if missing else ""
            raise UIError(f"Transcrypt could not compile the UI{lacking}:\n" + (result.stdout + result.stderr).strip())
        for built in Path(scratch).iterdir():
            # main.project is the compiler's own bookkeeping, with this machine's paths.
            if built.is_file() and built.suffix != ".project":
                _write_if_changed(js_dir / built.name, built.read_bytes())
    _write_if_changed(stamp, fingerprint.encode())
    return True


def build(api_url: str | None = None, stage: str = "dev", out_dir: Path = BUILD_DIR, auth: Auth | None = None) -> Path:
    """Build the site into ``out_dir`` and return it; unchanged files are left alone. ``auth``: the stage's if None."""
    api_url, auth, out_dir = api_url_for(stage, api_url), auth or auth_for(stage), Path(out_dir)
    return build_files(out_dir, api_files(api_url, stage, auth))


def build_files(out_dir: Path, api_files: dict[str, bytes] | None = None) -> Path:
    """Compile the UI and copy its static files into ``out_dir``, then write ``api_files`` over them.

    Without ``api_files`` the page is left as its template: what a deployment fills in from its stack.
    """
    if not BOOTSTRAP_CSS.exists():
        raise UIError(f"{BOOTSTRAP_CSS.relative_to(ROOT)} is missing: run `make install` (it runs npm ci).")
    compile_sources(out_dir / "js")
    files = {path.relative_to(STATIC_DIR): path.read_bytes() for path in STATIC_DIR.rglob("*") if path.is_file()}
    files[BOOTSTRAP_USED] = bootstrap_used()
    files.update((Path(name), data) for name, data in (api_files or {}).items())
    for name, data in files.items():
        _write_if_changed(out_dir / name, data)
    return out_dir


def bootstrap_used() -> bytes:
    """Bootstrap's stylesheet less the rules no element of the page can match."""
    page = (STATIC_DIR / PAGE).read_text(encoding="utf-8")
    used = stylesheet.page_classes(page, sorted(SOURCE_DIR.rglob("*.py")))
    return stylesheet.subset(BOOTSTRAP_CSS.read_text(encoding="utf-8"), used).encode()
