"""``hobopy ui build|serve`` (also ``python -m devtools.ui``): the options, and the two commands."""

import logging
import sys
from pathlib import Path

import click

from devtools import settings
from devtools.local.http import serve_until_stopped
from devtools.ui.build import BUILD_DIR, STAGES, api_url_for, auth_for, build, checked_url, provider_origin
from devtools.ui.server import make_server

# The identity provider's options read the HOBOPY_AUTH_* variables that also win over the stage's values in the API.
AUTH_OPTIONS = [
    ("--auth-endpoint", "endpoint", "HOBOPY_AUTH_ENDPOINT", "The local identity provider's URL (dev only)."),
    ("--user-pool-id", "user_pool_id", "HOBOPY_AUTH_USER_POOL_ID", "The user pool's id."),
    ("--client-id", "client_id", "HOBOPY_AUTH_CLIENT_ID", "The user pool app client's id."),
    ("--auth-region", "region", None, "The user pool's region (else the pool id's)."),
]
SITE_OPTIONS = [
    click.Option(
        ["--stage"], type=click.Choice(STAGES), default="dev", help="Which frontend/config/<stage>.json names the API."
    ),
    click.Option(["--api-url"], metavar="URL", help="The API's base URL; overrides the stage's configuration."),
    *(
        click.Option([flag, name], envvar=env, show_envvar=True, metavar="VALUE", help=f"{text} Default: the stage's.")
        for flag, name, env, text in AUTH_OPTIONS
    ),
    click.Option(
        ["--out", "out_dir"],
        type=click.Path(file_okay=False, path_type=Path),
        default=BUILD_DIR,
        help="Where the site is built.",
    ),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
def cli() -> None:
    """Build and serve the browser UI (Python compiled to JavaScript by Transcrypt)."""


@cli.command("build", params=[*SITE_OPTIONS])
def build_command(stage: str, api_url: str | None, out_dir: Path, **auth_options: str | None) -> None:
    """Build the site into frontend/build/ (compiles only what changed).

    Example: python -m devtools.ui build --stage prod --api-url https://abc123.execute-api.ap-northeast-1.amazonaws.com/api/
    """
    api_url, auth = api_url_for(stage, api_url), auth_for(stage, **auth_options)
    out = build(api_url, stage, out_dir, auth)
    provider = f" and the identity provider at {provider_origin(auth)}" if auth else " (no accounts)"
    click.echo(f"built {out} for the API at {api_url}{provider}")


@cli.command("serve", params=[*SITE_OPTIONS])  # a copy: click adds the decorators' options to it
@click.option("--host", default=settings.HOST, help="Address to listen on.")
@click.option(
    "--api-server",
    metavar="URL",
    default=lambda: settings.url(settings.port("api")),
    show_default=settings.url(settings.API_PORT),
    help=f"The local API server that /api/* is forwarded to (port from {settings.PORT_VARIABLES['api']}).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=lambda: settings.port("ui"),
    show_default=str(settings.UI_PORT),
    help=f"Port to listen on (env {settings.PORT_VARIABLES['ui']}).",
)
def serve_command(
    host: str,
    port: int,
    stage: str,
    api_url: str | None,
    api_server: str,
    out_dir: Path,
    **auth_options: str | None,
) -> None:
    """Build if needed, then serve the site until SIGINT/SIGTERM, logging each request as the API server does.

    The page calls its API at /api/ on the site's own origin, which this server forwards to --api-server.

    Example: python -m devtools.ui serve --host 127.0.0.1 --port 8002 --api-server http://127.0.0.1:8000
    """
    api_url, auth = api_url_for(stage, api_url), auth_for(stage, **auth_options)
    api_server = checked_url(api_server, "API server's URL").rstrip("/")
    build(api_url, stage, out_dir, auth)
    try:
        server = make_server(host, port, api_url, stage, out_dir, auth, api_server)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")  # as the API server's
    click.echo(
        f"UI at http://{host}:{server.server_port}/ using the API at {api_url} (/api/* goes to {api_server})", err=True
    )
    serve_until_stopped(server)
    click.echo("UI server stopped.", err=True)
