"""The local server of the built site: ``hobopy ui serve``, this machine only, with the page's security headers.

Like the deployed site (CloudFront sends ``/api/*`` to API Gateway's stage ``api``), it forwards ``/api/*`` to the
local API server, which answers there as under its own root: the page and its API share one origin.
"""

import functools
import http.client
import json
import mimetypes
import urllib.parse
from pathlib import Path
from typing import Any

from devtools.local.compression import CLOUDFRONT_MINIMUM, negotiate
from devtools.local.http import GuardedRequestHandler, LocalServer
from devtools.ui.build import BUILD_DIR, PAGE, Auth, api_files, auth_for, content_security_policy

# What every answer of the UI server carries besides the page's policy.
SITE_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY")]
# The paths forwarded to the API server, as they are.
API_PATH = "/api/"
# Headers of one connection only (RFC 9110, 7.6.1), never passed on; Host names the API server instead.
HOP_BY_HOP = frozenset(
    ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"]
)
CHUNK = 64 * 1024


class StaticHandler(GuardedRequestHandler):
    """Serves the site in ``root`` read-only to this machine, with the page's security headers and its configuration;
    forwards ``/api/*`` to ``api_server`` when one is given."""

    server_version = "hobopy-ui"
    forwarding = False
    # How long the API server may take to answer (CloudFront's default wait for an origin's response).
    api_timeout = 30.0

    def __init__(
        self,
        *args: Any,
        root: Path,
        policy: str,
        api_files: dict[str, bytes],
        api_server: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.root, self.policy, self.api_files = root.resolve(), policy, api_files
        self.api_server = urllib.parse.urlsplit(api_server) if api_server else None
        super().__init__(*args, **kwargs)

    def handle_one_request(self) -> None:
        self.forwarding = False  # until this request's path says otherwise
        super().handle_one_request()

    def dispatch(self) -> None:
        self.forwarding = self.api_server is not None and self.path.startswith(API_PATH)
        if self.forwarding:
            self.forward()
        else:
            super().dispatch()

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

    def forward(self) -> None:
        """Send the request to the API server and its answer back, the body as it arrives."""
        assert self.api_server is not None
        dropped = HOP_BY_HOP | {name.strip().lower() for name in self.headers.get("Connection", "").split(",")}
        headers = {name: value for name, value in self.headers.items() if name.lower() not in dropped}
        headers["Host"] = self.api_server.netloc
        host, port = self.api_server.hostname or "127.0.0.1", self.api_server.port or 80
        upstream = http.client.HTTPConnection(host, port, timeout=self.api_timeout)
        try:
            try:
                upstream.request(self.command, self.path, body=self.body, headers=headers)
                response = upstream.getresponse()
            except TimeoutError:
                return self.unavailable(f"the API server did not answer within {self.api_timeout:g} seconds.")
            except (OSError, http.client.HTTPException):
                return self.unavailable(f"the API server at {self.api_server.netloc} cannot be reached; is it running?")
            answer = [(name, value) for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP]
            if response.getheader("Content-Length") is None:
                return self.send_answer(response.status, answer, response.read())
            self.send_answer(response.status, answer)
            while chunk := response.read(CHUNK):  # none after HEAD: http.client knows that answer has no body
                self.wfile.write(chunk)
            if not response.isclosed():
                self.close_connection = True  # the API server stopped inside its body: so does this answer
        except (OSError, http.client.HTTPException):
            self.close_connection = True  # too late for an answer of our own
        finally:
            upstream.close()

    def unavailable(self, message: str) -> None:
        """503 in the contract's shape, as the API answers when the database is down."""
        body = json.dumps({"Code": "ServiceUnavailable", "Message": f"ServiceUnavailable: {message}"}).encode()
        self.send_answer(503, [("Content-Type", "application/json"), ("Retry-After", "1")], body)

    def answer_headers(self) -> list[tuple[str, str]]:
        if self.forwarding:
            return list(super().answer_headers())  # the API's answers keep their own headers, as on :8000
        return [*SITE_HEADERS, ("Content-Security-Policy", self.policy), ("Cache-Control", "no-cache")]


def make_server(
    host: str,
    port: int,
    api_url: str,
    stage: str = "dev",
    out_dir: Path = BUILD_DIR,
    auth: Auth | None = None,
    api_server: str | None = None,
) -> LocalServer:
    """A threaded HTTP server for the built site in ``out_dir`` (not started); ``auth`` as for ``build``.

    ``api_server`` (``http://127.0.0.1:8000``): where ``/api/*`` is forwarded; None answers those paths 404.
    """
    auth = auth or auth_for(stage)
    policy, files = content_security_policy(api_url, auth=auth), api_files(api_url, stage, auth)
    handler = functools.partial(
        StaticHandler, root=Path(out_dir), policy=policy, api_files=files, api_server=api_server
    )
    return LocalServer((host, port), handler)
