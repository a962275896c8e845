"""The local server of the built site: ``hobopy ui serve``, this machine only, with the page's security headers."""

import functools
import mimetypes
import urllib.parse
from pathlib import Path
from typing import Any

from devtools.local.compression import CLOUDFRONT_MINIMUM, negotiate
from devtools.local.http import GuardedRequestHandler, LocalServer
from devtools.ui.build import BUILD_DIR, PAGE, Auth, api_files, auth_for, content_security_policy

# What every answer of the UI server carries besides the page's policy.
SITE_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY")]


class StaticHandler(GuardedRequestHandler):
    """Serves the site in ``root`` read-only to this machine, with the page's security headers and its configuration."""

    server_version = "hobopy-ui"

    def __init__(self, *args: Any, root: Path, policy: str, api_files: dict[str, bytes], **kwargs: Any) -> None:
        self.root, self.policy, self.api_files = root.resolve(), policy, api_files
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/") or PAGE
        path = (self.root / name).resolve()
        # The files naming the API come from this server's --api-url: servers for different APIs share one build folder.
        if name in self.api_files:
            body = self.api_files[name]
        elif path.is_relative_to(self.root) and path.is_file():
            body = path.read_bytes()
        else:
            return self.refuse(404, "nothing is here.")
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = [("Content-Type", kind + "; charset=utf-8" if kind.startswith("text/") else kind)]
        # Gzipped for a client that accepts it, as CloudFront serves the deployed site.
        self.send_answer(200, *negotiate(headers, body, self.headers.get("Accept-Encoding"), CLOUDFRONT_MINIMUM))

    do_HEAD = do_GET

    def answer_headers(self) -> list[tuple[str, str]]:
        return [*SITE_HEADERS, ("Content-Security-Policy", self.policy), ("Cache-Control", "no-cache")]


def make_server(
    host: str, port: int, api_url: str, stage: str = "dev", out_dir: Path = BUILD_DIR, auth: Auth | None = None
) -> LocalServer:
    """A threaded HTTP server for the built site in ``out_dir`` (not started); ``auth`` as for ``build``."""
    auth = auth or auth_for(stage)
    policy, files = content_security_policy(api_url, auth=auth), api_files(api_url, stage, auth)
    handler = functools.partial(StaticHandler, root=Path(out_dir), policy=policy, api_files=files)
    return LocalServer((host, port), handler)
