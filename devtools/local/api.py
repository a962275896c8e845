"""The local API server: backend/app.py served as API Gateway would, on ``chalice.local``.

    python -m devtools.local.api --stage dev --host 127.0.0.1 --port 8000 [--project-dir backend] [--log-file F]

``chalice local``'s app loading and gateway, behind ``GuardedRequestHandler``'s door. The app writes one JSON record
a request, as it does in Lambda: on standard output, or with ``--log-file`` to that file while the console keeps
readable lines (the access log, and a 5xx with its traceback).
"""

from __future__ import annotations

import base64
import logging
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import click

from devtools import settings
from devtools.local.compression import negotiate
from devtools.local.gateway import ContractGateway, load_app
from devtools.local.http import REQUEST_TIMEOUT, GuardedRequestHandler, LocalServer, serve_until_stopped

log = logging.getLogger(__name__)


class APIRequestHandler(GuardedRequestHandler):
    server: LocalAPIServer

    def dispatch(self) -> None:
        try:
            response = self.server.gateway.handle_request(self.command, self.path, dict(self.headers), self.body)
        except Exception:
            # The app answers its own failures; reaching here is a bug in the server.
            log.exception("the gateway failed on %s %s", self.command, self.path)
            self.refuse(500, "an internal server error occurred.")
            return
        body = response.get("body") or b""
        if response.get("isBase64Encoded"):
            body = base64.b64decode(body)
        elif isinstance(body, str):
            body = body.encode()
        headers = [(name, str(value)) for name, value in (response.get("headers") or {}).items()]
        multi = (response.get("multiValueHeaders") or {}).items()
        headers += [(name, str(value)) for name, values in multi for value in values]
        if body and not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        self.send_answer(int(response["statusCode"]), *self.encoded(headers, body))

    def encoded(self, headers: list[tuple[str, str]], body: bytes) -> tuple[list[tuple[str, str]], bytes]:
        """``headers`` and ``body`` gzipped as API Gateway does from the stage's minimum_compression_size on."""
        minimum = self.server.minimum_compression_size
        if minimum is None:
            return headers, body
        return negotiate(headers, body, self.headers.get("Accept-Encoding"), minimum)


class LocalAPIServer(LocalServer):
    """A threaded server for one ``ContractGateway`` (not started); answers from ``minimum_compression_size``
    bytes on are gzipped for clients that accept it (None: none are), as the stage's API Gateway does."""

    def __init__(
        self, address: tuple[str, int], gateway: ContractGateway, minimum_compression_size: int | None = None
    ) -> None:
        self.gateway = gateway
        self.minimum_compression_size = minimum_compression_size
        super().__init__(address, APIRequestHandler)


def send_records_to(path: Path) -> None:
    """The app's JSON records go to ``path`` (appended); the console gets readable warnings and errors only."""
    from chalicelib import observability

    observability.output.target = path.open("a", encoding="utf-8")  # open as long as the server runs
    console = logging.StreamHandler(sys.stdout)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    observability.log.addHandler(console)


def keepalive_medians(url: str, rounds: int = 30, headers: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Median milliseconds of ``GET url`` on one kept-alive connection, and on a new connection each time.

    A server that stalls kept-alive answers (Nagle meets delayed ACK) shows as the first far above the second."""
    import requests  # here, not at the top: the server itself never needs it, and it slows every start

    def milliseconds(session: requests.Session, extra: Mapping[str, str]) -> float:
        started = time.perf_counter()
        session.get(url, headers={**(headers or {}), **extra}, timeout=10).raise_for_status()
        return (time.perf_counter() - started) * 1000

    with requests.Session() as kept, requests.Session() as fresh:
        milliseconds(kept, {})
        times = [(milliseconds(kept, {}), milliseconds(fresh, {"Connection": "close"})) for _ in range(rounds)]
    return statistics.median(k for k, _ in times), statistics.median(f for _, f in times)


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--stage", default="dev", help="The Chalice stage whose config to load.")
@click.option("--host", default=settings.HOST, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=settings.API_PORT)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=settings.BACKEND,
    help="The Chalice project (app.py and .chalice/).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the app's JSON records (one a request, as in CloudWatch Logs) here instead of on the console.",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1),
    default=REQUEST_TIMEOUT,
    help="Seconds a client may take to send a whole request.",
)
def main(stage: str, host: str, port: int, project_dir: Path, log_file: Path | None, request_timeout: float) -> None:
    """Serve the Chalice app locally until SIGINT/SIGTERM."""
    APIRequestHandler.request_timeout = request_timeout
    # The app logs as it would in Lambda: its messages on standard output.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    try:
        app, config = load_app(str(project_dir.resolve()), stage)
        server = LocalAPIServer((host, port), ContractGateway(app, config), config.minimum_compression_size)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except RuntimeError as exc:
        # Chalice's config loader says what is wrong with the project.
        raise click.ClickException(str(exc)) from None
    if log_file is not None:
        send_records_to(log_file)
    click.echo(f"API ({stage}) at http://{host}:{server.server_port}/", err=True)
    serve_until_stopped(server)
    click.echo("API server stopped.", err=True)


if __name__ == "__main__":
    main(prog_name="python -m devtools.local.api")
