"""The local API server: backend/app.py served as API Gateway would, on ``chalice.local``.

    python -m devtools.localapi --stage dev --host 127.0.0.1 --port 8000 [--project-dir backend]

Like ``chalice local`` (the same app and stage loading, the same gateway
classes) with what a server on a developer's machine needs besides: it
answers this machine only (``Host``), gives slow clients ``request_timeout``
seconds, answers whatever it refuses itself in the contract's JSON shape,
never sends a body after ``HEAD``, and writes every answer in one send with
Nagle's algorithm off, so kept-alive connections (browsers,
``requests.Session``) are as fast as new ones.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import logging
import socket
import socketserver
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import click
from chalice.local import LocalGatewayException

from devtools import settings
from devtools.localgateway import ContractGateway, load_app
from devtools.localhttp import REQUEST_TIMEOUT, GuardedRequestHandler, serve_until_stopped

log = logging.getLogger(__name__)


class APIRequestHandler(GuardedRequestHandler):
    """Hands each checked request to the server's ``ContractGateway`` and writes its answer."""

    server: LocalAPIServer

    def allowed_methods(self) -> list[str]:
        return self.server.gateway.allowed_methods(self.path)

    def dispatch(self) -> None:
        try:
            response = self.server.gateway.handle_request(
                method=self.command, path=self.path, headers=dict(self.headers), body=self.body
            )
        except LocalGatewayException as refused:
            self.send_answer(refused.CODE, _header_list(refused.headers, {}), refused.body or b"")
            return
        except Exception:
            # The app answers its own failures; reaching here is a bug in the server.
            log.exception("the gateway failed on %s %s", self.command, self.path)
            self.refuse(500, "an internal server error occurred.")
            return
        body = response.get("body") or b""
        if response.get("isBase64Encoded"):
            body = base64.b64decode(body)
        elif isinstance(body, str):
            body = body.encode("utf-8")
        headers = _header_list(response.get("headers") or {}, response.get("multiValueHeaders") or {})
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        self.send_answer(int(response["statusCode"]), headers, body)


def _header_list(single: Mapping[str, Any], multi: Mapping[str, list[Any]]) -> list[tuple[str, str]]:
    headers = [(name, str(value)) for name, value in single.items() if name not in multi]
    return headers + [(name, str(value)) for name, values in multi.items() for value in values]


class LocalAPIServer(http.server.ThreadingHTTPServer):
    """A threaded HTTP server for one ``ContractGateway`` (not started)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], gateway: ContractGateway) -> None:
        self.gateway = gateway
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, APIRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer asks DNS for the host's full name, which can take seconds
        # on a machine without a resolver; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = cast(tuple[str, int], self.server_address)[:2]
        self.server_name, self.server_port = host, port


def make_server(
    host: str = settings.HOST, port: int = settings.API_PORT, stage: str = "dev", project_dir: Path = settings.BACKEND
) -> LocalAPIServer:
    """Load the app and the stage's config from ``project_dir`` and bind a server to ``host:port``."""
    app, config = load_app(str(Path(project_dir).resolve()), stage)
    return LocalAPIServer((host, port), ContractGateway(app, config))


def keepalive_medians(url: str, rounds: int = 30, headers: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Median milliseconds of ``GET url`` on one kept-alive connection, and on a new connection each time.

    A server that stalls kept-alive answers (Nagle's algorithm meeting the
    client's delayed ACK) shows as the first figure far above the second.
    """
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host, port = parts.hostname or settings.HOST, parts.port or 80
    sent = dict(headers or {})

    def get(connection: http.client.HTTPConnection) -> float:
        started = time.perf_counter()
        connection.request("GET", target, headers=sent)
        response = connection.getresponse()
        response.read()
        if response.status >= 400:
            raise RuntimeError(f"GET {url} answered {response.status}")
        return (time.perf_counter() - started) * 1000

    kept, fresh = [], []
    kept_alive = http.client.HTTPConnection(host, port, timeout=10)
    try:
        get(kept_alive)
        for _ in range(rounds):
            kept.append(get(kept_alive))
            connection = http.client.HTTPConnection(host, port, timeout=10)
            try:
                fresh.append(get(connection))
            finally:
                connection.close()
    finally:
        kept_alive.close()
    return statistics.median(kept), statistics.median(fresh)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--stage", default="dev", show_default=True, help="The Chalice stage whose config to load.")
@click.option("--host", default=settings.HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=settings.API_PORT, show_default=True)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=settings.BACKEND,
    show_default=True,
    help="The Chalice project (app.py and .chalice/).",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1),
    default=REQUEST_TIMEOUT,
    show_default=True,
    help="Seconds a client may take to send a whole request.",
)
def main(stage: str, host: str, port: int, project_dir: Path, request_timeout: float) -> None:
    """Serve the Chalice app locally until SIGINT/SIGTERM."""
    APIRequestHandler.request_timeout = request_timeout
    # The app logs as it would in Lambda: its messages on standard output.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    try:
        server = make_server(host, port, stage, project_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except RuntimeError as exc:
        # Chalice's config loader says what is wrong with the project.
        raise click.ClickException(str(exc)) from None
    click.echo(f"API ({stage}) at http://{host}:{server.server_port}/", err=True)
    serve_until_stopped(server)
    click.echo("API server stopped.", err=True)


if __name__ == "__main__":
    main(prog_name="python -m devtools.localapi")
