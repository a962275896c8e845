"""The local identity provider: moto's Cognito user pools, for this machine only, with users kept on disk.

    python -m devtools.idp --host 127.0.0.1 --port 8003 --data-dir .data/idp --allow-origin http://127.0.0.1:8002

It speaks Cognito's API (SignUp, ConfirmSignUp, InitiateAuth, ...) and serves the
pool's JWKS at ``/<pool id>/.well-known/jwks.json``, behind the door every local
server shares (``devtools.localhttp``: this machine's ``Host`` only, bodies up to
``MAX_BODY``, slow clients cut off); moto signs ID tokens with
a fixed key, so tokens stay valid across restarts. The pool ``hobopy-local`` and
its client ``hobopy-ui`` get the same ids on every start (moto's HASH
strategy). moto keeps users in memory and gives each a random ``sub``, so every
change to the users is written to ``<data-dir>/users.json`` and a start puts
them back with their ``sub``: the owner of a todo stays its owner.
"""

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from devtools import settings
from devtools.datafiles import write_atomic
from devtools.localhttp import (
    REQUEST_TIMEOUT,
    SECURITY_HEADERS,
    GuardedRequestHandler,
    LocalServer,
    serve_until_stopped,
    wsgi_answer,
)

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
CORS_HEADERS = (
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type, X-Amz-Target, X-Amz-User-Agent, Authorization"),
    ("Access-Control-Max-Age", "600"),
)
# Cognito's requests are a few kilobytes.
MAX_BODY = 64 * 1024


class LocalPool:
    """The pool and client in moto's in-process backend, and its users as saved on disk."""

    def __init__(self, region: str, users_file: Path) -> None:
        from moto.cognitoidp.models import cognitoidp_backends
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.moto_server.werkzeug_app import create_backend_app

        backend = cognitoidp_backends[DEFAULT_ACCOUNT_ID][region]
        self.pool = backend.create_user_pool("hobopy-local", POOL_CONFIG)
        client = backend.create_user_pool_client(self.pool.id, False, CLIENT_CONFIG)
        # What a client needs to find the pool (the UI's ``auth`` settings, less the endpoint).
        self.ids = {"region": region, "userPoolId": self.pool.id, "clientId": client.id}
        self.users_file = users_file
        self.app = create_backend_app("cognito-idp")
        self.lock = threading.Lock()
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


Answer = tuple[int, list[tuple[str, str]], bytes]


def forbidden(why: str) -> Answer:
    """403 in the shape Cognito's clients read."""
    body = json.dumps({"__type": "ForbiddenException", "message": f"Forbidden: {why}."})
    return 403, [("Content-Type", "application/x-amz-json-1.1")], body.encode()


class ProviderRequestHandler(GuardedRequestHandler):
    """Behind the local servers' door (this machine's ``Host``, sizes, time): CORS for the given origins only,
    moto's answer, the users saved after each change."""

    server: "ProviderServer"
    max_body = MAX_BODY

    def answer_headers(self) -> Sequence[tuple[str, str]]:
        return (*SECURITY_HEADERS, ("Vary", "Origin"))

    def allowed_methods(self) -> list[str]:
        return ["GET", "HEAD", "OPTIONS", "POST"]

    def dispatch(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.origins:
            self.send_answer(*forbidden("this origin may not call the identity provider"))
            return
        status, headers, body = (204, [], b"") if origin and self.command == "OPTIONS" else self.moto_answer()
        if origin:
            headers += [("Access-Control-Allow-Origin", origin), *CORS_HEADERS]
        self.send_answer(status, headers, body)

    def moto_answer(self) -> Answer:
        pool = self.server.pool
        # moto's backend is not made for concurrent changes, and a snapshot must not see half of one.
        with pool.lock:
            status, headers, body = wsgi_answer(pool.app, self.command, self.path, self.headers.items(), self.body)
            if self.command == "POST" and status < 400:
                pool.save_if_changed()
        kept = [(name, value) for name, value in headers if name.lower() == "content-type"]
        return status, kept, body


class ProviderServer(LocalServer):
    """A threaded server for one ``LocalPool`` (not started), answering web pages of ``origins`` only."""

    def __init__(self, address: tuple[str, int], pool: LocalPool, origins: Iterable[str]) -> None:
        self.pool, self.origins = pool, frozenset(origins)
        super().__init__(address, ProviderRequestHandler)


def open_pool(data_dir: Path, region: str) -> LocalPool:
    """The pool kept in ``data_dir``, in moto's backend in this process; writes ``<data_dir>/pool.json`` with the ids
    (the stack reads it)."""
    # moto reads these when it is imported and when a pool or client is made: deterministic ids,
    # and none of its own CORS answers (they would let every origin in).
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY"] = "HASH"
    os.environ["MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY"] = "HASH"
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    data_dir.mkdir(parents=True, exist_ok=True)
    pool = LocalPool(region, data_dir / "users.json")
    write_atomic(data_dir / "pool.json", json.dumps(pool.ids) + "\n")
    return pool


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.idp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=settings.HOST)
    parser.add_argument("--port", type=int, default=settings.IDP_PORT)
    parser.add_argument("--data-dir", type=Path, default=settings.data_dir() / "idp")
    parser.add_argument(
        "--allow-origin", action="append", default=[], metavar="ORIGIN", help="an origin whose pages may call it"
    )
    parser.add_argument("--region", default=settings.region())
    parser.add_argument(
        "--request-timeout", type=float, default=REQUEST_TIMEOUT, help="seconds a client may take to send a request"
    )
    args = parser.parse_args(argv)
    ProviderRequestHandler.request_timeout = args.request_timeout
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    pool = open_pool(args.data_dir, args.region)
    try:
        server = ProviderServer((args.host, args.port), pool, args.allow_origin)
    except OSError as exc:
        parser.exit(1, f"identity provider: cannot listen on {args.host}:{args.port}: {exc.strerror}\n")
    ids = pool.ids
    print(
        f"identity provider at http://{args.host}:{server.server_port}: region {ids['region']}, "
        f"user pool {ids['userPoolId']}, client {ids['clientId']}",
        flush=True,
    )
    serve_until_stopped(server)


if __name__ == "__main__":
    main()
