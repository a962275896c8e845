"""The local identity provider: moto's Cognito user pools, for this machine only, with users kept on disk.

    python -m devtools.local.idp --host 127.0.0.1 --port 8003 --data-dir .data/idp --allow-origin http://127.0.0.1:8002

It speaks Cognito's API (SignUp, ConfirmSignUp, InitiateAuth, ...) and serves the
pool's JWKS at ``/<pool id>/.well-known/jwks.json``; moto signs ID tokens with
a fixed key, so tokens stay valid across restarts. The pool ``hobopy-local`` and
its client ``hobopy-ui`` get the same ids on every start (moto's HASH
strategy). moto keeps users in memory and gives each a random ``sub``, so every
change to the users is written to ``<data-dir>/users.json`` and a start puts
them back with their ``sub``: the owner of a todo stays its owner.
"""

import argparse
import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

from devtools import settings
from devtools.files import write_atomic

# The pool's id is a hash of its region, name and this configuration: changing any of them changes the id.
POOL_CONFIG: dict[str, Any] = {
    "UsernameAttributes": ["email"],
    "AutoVerifiedAttributes": ["email"],
    "Policies": {
        "PasswordPolicy": {
            "MinimumLength": 8,
            "RequireLowercase": True,
            "RequireUppercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
        }
    },
}
CLIENT_CONFIG: dict[str, Any] = {
    "ClientName": "hobopy-ui",
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
}
# What users.json keeps of each user, besides the attributes (with the sub).
USER_FIELDS = ("username", "password", "status", "enabled")
CORS_HEADERS = {
    "Vary": "Origin",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, X-Amz-Target, X-Amz-User-Agent, Authorization",
    "Access-Control-Max-Age": "600",
}
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LocalPool:
    """The pool and client in moto's in-process backend, and its users as saved on disk."""

    def __init__(self, region: str, users_file: Path) -> None:
        from moto.cognitoidp.models import cognitoidp_backends
        from moto.core.models import DEFAULT_ACCOUNT_ID

        backend = cognitoidp_backends[DEFAULT_ACCOUNT_ID][region]
        self.pool = backend.create_user_pool("hobopy-local", POOL_CONFIG)
        client = backend.create_user_pool_client(self.pool.id, False, CLIENT_CONFIG)
        # What a client needs to find the pool (the UI's ``auth`` settings, less the endpoint).
        self.ids = {"region": region, "userPoolId": self.pool.id, "clientId": client.id}
        self.users_file = users_file
        if users_file.exists():
            self.restore(json.loads(users_file.read_text(encoding="utf-8"))["users"])
        self.saved = self.snapshot()

    def snapshot(self) -> str:
        users = [
            {**{field: getattr(user, field) for field in USER_FIELDS}, "attributes": dict(user.attribute_lookup)}
            for user in self.pool.users.values()
        ]
        return json.dumps({"users": users}, ensure_ascii=False, indent=1) + "\n"

    def restore(self, users: list[dict[str, Any]]) -> None:
        from moto.cognitoidp.models import CognitoIdpUser, UserStatus
        from moto.cognitoidp.utils import expand_attrs

        for saved in users:
            attributes, sub = saved["attributes"], saved["attributes"]["sub"]
            status = UserStatus(saved["status"])
            user = CognitoIdpUser(self.pool.id, saved["username"], saved["password"], status, expand_attrs(attributes))
            # moto gives every new user a random sub; the saved one keeps the user's todos theirs.
            user.id = sub
            user.update_attributes([{"Name": "sub", "Value": sub}])
            user.enabled = saved["enabled"]
            self.pool.users[user.username] = user

    def save_if_changed(self) -> None:
        data = self.snapshot()
        if data != self.saved:
            write_atomic(self.users_file, data)
            self.saved = data


def forbidden(why: str) -> Response:
    """403 in the shape Cognito's clients read."""
    body = json.dumps({"__type": "ForbiddenException", "message": f"Forbidden: {why}."})
    return Response(body, 403, content_type="application/x-amz-json-1.1")


class LocalOnly:
    """WSGI middleware: loopback ``Host`` only, CORS for the given origins only, users saved after each change."""

    def __init__(
        self, app: WSGIApp, pool: LocalPool, port: int, origins: Iterable[str], allow_loopback: bool = False
    ) -> None:
        self.app, self.pool = app, pool
        self.port = port
        self.origins = frozenset(origins)
        self.allow_loopback = allow_loopback  # every page of this machine, at any port, as the dev stage's API
        # moto's backend is not made for concurrent changes, and a snapshot must not see half of one.
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin, method = environ.get("HTTP_ORIGIN"), environ["REQUEST_METHOD"]
        if not settings.is_local_host(environ.get("HTTP_HOST", ""), self.port):
            return forbidden("this server answers requests for this machine only (Host)")(environ, start_response)
        if (
            origin is not None
            and origin not in self.origins
            and not (self.allow_loopback and settings.is_loopback_origin(origin))
        ):
            return forbidden(f"the origin {origin} is not allowed")(environ, start_response)
        if origin and method == "OPTIONS":
            response = Response(status=204)
        else:
            with self.lock:
                response = Response.from_app(self.app, environ, buffered=True)
                if method == "POST" and response.status_code < 400:
                    self.pool.save_if_changed()
        if origin:
            response.headers.update({"Access-Control-Allow-Origin": origin, **CORS_HEADERS})
        return response(environ, start_response)


def make_app(data_dir: Path, port: int, origins: Iterable[str], region: str, allow_loopback: bool = False) -> LocalOnly:
    """The provider's WSGI app; writes ``<data_dir>/pool.json`` with the ids (the stack reads it)."""
    # moto reads these when it is imported and when a pool or client is made: deterministic ids,
    # and none of its own CORS answers (they would let every origin in).
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY"] = "HASH"
    os.environ["MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY"] = "HASH"
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from moto.moto_server.werkzeug_app import create_backend_app

    data_dir.mkdir(parents=True, exist_ok=True)
    pool = LocalPool(region, data_dir / "users.json")
    write_atomic(data_dir / "pool.json", json.dumps(pool.ids) + "\n")
    return LocalOnly(create_backend_app("cognito-idp"), pool, port, origins, allow_loopback)


def main(argv: list[str] | None = None) -> None:
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(prog="python -m devtools.local.idp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=settings.HOST)
    parser.add_argument("--port", type=int, default=settings.IDP_PORT)
    parser.add_argument("--data-dir", type=Path, default=settings.data_dir() / "idp")
    parser.add_argument(
        "--allow-origin", action="append", default=[], metavar="ORIGIN", help="an origin whose pages may call it"
    )
    parser.add_argument(
        "--allow-loopback-origins", action="store_true", help="let pages of this machine call it, at any port"
    )
    parser.add_argument("--region", default=settings.region())
    args = parser.parse_args(argv)
    app = make_app(args.data_dir, args.port, args.allow_origin, args.region, args.allow_loopback_origins)
    server = make_server(args.host, args.port, app, threaded=True)
    ids = app.pool.ids
    print(
        f"identity provider at http://{args.host}:{args.port}: region {ids['region']}, "
        f"user pool {ids['userPoolId']}, client {ids['clientId']}",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
