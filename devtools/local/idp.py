"""The local identity provider: moto's Cognito user pools, for this machine only, with users kept on disk.

    python -m devtools.local.idp --host 127.0.0.1 --port 8003 --data-dir .data/idp --allow-origin http://127.0.0.1:8002
    python -m devtools.local.idp admin --data-dir .data/idp AdminSetUserPassword '{"Username": ..., "Password": ...}'

Over HTTP it serves what signing up and in needs, and nothing more: the public actions in ``ACTIONS``, each a POST
of Cognito's JSON named by ``X-Amz-Target`` (a web page can send neither without a CORS preflight, which only the
``--allow-origin`` origins pass), and by GET the pool's JWKS and OpenID configuration under
``/<pool id>/.well-known/``. Every other action, the administrative ones first, runs in-process only: ``admin``
above, on a folder no provider is serving. All of it sits behind the door every local server shares
(``devtools.local.http``: this machine's ``Host`` only, bodies up to ``MAX_BODY``, slow clients cut off).

ID tokens are signed with a key made for this installation on its first start (``signing-key.pem``), not with
moto's sample key, which anyone has; kept, it keeps tokens valid across restarts. The pool ``hobopy-local`` and its
client ``hobopy-ui`` get the same ids on every start (moto's HASH strategy). moto keeps users in memory and gives
each a random ``sub``, so every change to the users is written to ``<data-dir>/users.json`` and a start puts them
back: each with the ``sub`` kept apart from the attributes, which nothing changes (the owner of a todo stays its
owner), and a salted scrypt hash in place of the password. A file two users share a ``sub`` in is refused; one from
before (clear passwords, the ``sub`` among the attributes) is converted when it is read. The folder is its
owner's alone (0700), and so are its files (0600).
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from devtools import settings
from devtools.files import write_atomic
from devtools.local.http import (
    REQUEST_TIMEOUT,
    SECURITY_HEADERS,
    GuardedRequestHandler,
    LocalServer,
    contract_body,
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
# users.json's shape: since 2 the sub is kept apart from the attributes, and the password only as a hash.
USERS_FORMAT = 2
STATUSES = ("UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED")
# scrypt's cost: 16 MiB of memory and some 50 ms a hash. Each hash carries its parameters, so they may change.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
CORS_HEADERS = (
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type, X-Amz-Target, X-Amz-User-Agent, Authorization"),
    ("Access-Control-Max-Age", "600"),
)
# Cognito's requests are a few kilobytes.
MAX_BODY = 64 * 1024
MEDIA_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# The only actions served over HTTP: what the UI (frontend/src) and devtools/accounts.py call, none administrative.
ACTIONS = frozenset({"SignUp", "ConfirmSignUp", "ResendConfirmationCode", "InitiateAuth", "RespondToAuthChallenge"})
# What GET serves, under /<pool id>/.well-known/.
DOCUMENTS = ("jwks.json", "openid-configuration")
Answer = tuple[int, list[tuple[str, str]], bytes]
log = logging.getLogger(__name__)


class ProviderDataError(Exception):
    """The provider's data folder cannot be used as it is; the message says why and what to do."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PasswordHash(str):
    """A password as kept, ``scrypt$n$r$p$salt$hash``: equal to the clear text it was made from, and to no other.

    moto checks a password with ``user.password != given``; this stands in for ``user.password``."""

    def __new__(cls, text: str) -> "PasswordHash":
        scheme, *numbers, salt, digest = text.split("$")
        if scheme != "scrypt" or len(numbers) != 3 or not all(number.isdigit() for number in numbers):
            raise ValueError("a password hash is not scrypt$n$r$p$salt$hash")
        _unb64(salt), _unb64(digest)
        return super().__new__(cls, text)

    @classmethod
    def of(cls, password: str) -> "PasswordHash":
        """A new salted hash of ``password``."""
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
        return cls("$".join(["scrypt", *(str(SCRYPT[name]) for name in "nrp"), _b64(salt), _b64(digest)]))

    def matches(self, password: str) -> bool:
        _, n, r, p, salt, digest = self.split("$")
        given = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), maxmem=2**26)
        return hmac.compare_digest(given, _unb64(digest))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PasswordHash):
            return str.__eq__(self, other)
        return isinstance(other, str) and self.matches(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def read_users(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The users kept in ``path`` (none if it is missing), checked; and whether the file had the shape before
    ``USERS_FORMAT`` (a clear password, the sub among the attributes), which is converted here and must be
    written again."""
    if not path.exists():
        return [], False
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        older = "format" not in document
        users = [_saved_user(saved, older) for saved in document["users"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProviderDataError(
            f"{path} is not a users file this identity provider can read ({type(exc).__name__}: {exc}); "
            "restore it from a backup, or move it away to start with no users."
        ) from None
    for name in ("sub", "username"):
        holders: dict[str, str] = {}
        for user in users:
            first = holders.setdefault(user[name], _label(user))
            if first != _label(user):
                raise ProviderDataError(
                    f"{path}: {first} and {_label(user)} have the same {name} {user[name]}; each user needs "
                    "their own (a user's sub says which todos are theirs). Remove the user who should not have "
                    "it, or restore the file from a backup, then start again."
                )
    return users, older


def _label(user: dict[str, Any]) -> str:
    return str(user["attributes"].get("email") or user["username"])


def _saved_user(saved: dict[str, Any], older: bool) -> dict[str, Any]:
    """One user of users.json in today's shape, checked (ValueError, KeyError or TypeError if it is not right)."""
    attributes = dict(saved["attributes"])
    if older:
        # The clear password goes to moto as it was; the first save, at start, keeps only its hash.
        sub, password = attributes.pop("sub"), saved["password"]
    else:
        attributes.pop("sub", None)  # the sub is the one kept apart, always
        sub, password = saved["sub"], saved["password_hash"] and PasswordHash(saved["password_hash"])
    user = {"username": saved["username"], "sub": sub, "password": password, "status": saved["status"]}
    user.update(enabled=saved["enabled"], attributes=attributes)
    texts = [user["username"], sub, *attributes, *attributes.values(), *([password] if password else [])]
    if not all(isinstance(text, str) and text for text in texts[:2]) or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"a user's name, sub and attributes must be strings (user {user['username']!r})")
    if user["status"] not in STATUSES or not isinstance(user["enabled"], bool):
        raise ValueError(f"user {user['username']!r} has a status or enabled flag this provider does not know")
    return user


class SigningKey:
    """The RSA key this installation signs tokens with, in ``signing-key.pem`` (0600), made on the first start.

    moto signs with a sample key that ships inside every moto install: anyone could sign a token for any sub."""

    def __init__(self, path: Path) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        if path.exists():
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except ValueError:
                key = None
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ProviderDataError(
                    f"{path} is not an RSA private key in PEM: move it away, and the next start makes a new one "
                    "(tokens signed before then stop being accepted)."
                )
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            write_atomic(path, pem)
        self.private = key
        public = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        essentials = {name: public[name] for name in ("e", "kty", "n")}
        # The key's RFC 7638 thumbprint: a new key is a new kid, which a verifier's cache cannot mistake.
        self.kid = _b64(hashlib.sha256(json.dumps(essentials, separators=(",", ":"), sort_keys=True).encode()).digest())
        self.jwks = {"keys": [{**essentials, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def signs_for(self, pool: Any) -> None:
        """Make moto's ``pool`` sign its tokens with this key: what moto makes, signed again here."""
        import jwt

        issue = pool.create_jwt

        def create_jwt(*args: Any, **kwargs: Any) -> tuple[str, int]:
            token, expires_in = issue(*args, **kwargs)
            claims = jwt.decode(token, options={"verify_signature": False})
            return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid}), expires_in

        pool.create_jwt = create_jwt


def _writes_sub(body: dict[str, Any]) -> bool:
    """Whether an action's parameters set or delete the ``sub`` attribute."""
    given = body.get("UserAttributes")
    names = [item.get("Name") for item in given if isinstance(item, dict)] if isinstance(given, list) else []
    deleted = body.get("UserAttributeNames")
    return "sub" in names or (isinstance(deleted, list) and "sub" in deleted)


class LocalPool:
    """The pool and client in moto's in-process backend, and its users as saved on disk."""

    def __init__(self, region: str, data_dir: Path) -> None:
        from moto.cognitoidp.models import cognitoidp_backends
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.moto_server.werkzeug_app import create_backend_app

        self.users_file = data_dir / "users.json"
        users, older = read_users(self.users_file)
        backend = cognitoidp_backends[DEFAULT_ACCOUNT_ID][region]
        self.pool = backend.create_user_pool("hobopy-local", POOL_CONFIG)
        self.key = SigningKey(data_dir / "signing-key.pem")
        self.key.signs_for(self.pool)
        client = backend.create_user_pool_client(self.pool.id, False, CLIENT_CONFIG)
        # What a client needs to find the pool (the UI's ``auth`` settings, less the endpoint).
        self.ids = {"region": region, "userPoolId": self.pool.id, "clientId": client.id}
        self.app = create_backend_app("cognito-idp")
        self.lock = threading.Lock()
        self.restore(users)
        # A file in the older shape is written again now: no clear password stays on disk.
        self.saved = "" if older or not users else self.users_file.read_text(encoding="utf-8")
        self.save_if_changed()

    def snapshot(self) -> str:
        users = []
        for user in self.pool.users.values():
            if user.password is not None and not isinstance(user.password, PasswordHash):
                user.password = PasswordHash.of(user.password)  # moto keeps a new password as it was given
            attributes = {name: value for name, value in user.attribute_lookup.items() if name != "sub"}
            kept = {"username": user.username, "sub": user.id, "password_hash": user.password, "status": user.status}
            users.append({**kept, "enabled": user.enabled, "attributes": attributes})
        return json.dumps({"format": USERS_FORMAT, "users": users}, ensure_ascii=False, indent=1) + "\n"

    def restore(self, users: list[dict[str, Any]]) -> None:
        from moto.cognitoidp.models import CognitoIdpUser, UserStatus
        from moto.cognitoidp.utils import expand_attrs

        for saved in users:
            status, attributes = UserStatus(saved["status"]), expand_attrs(saved["attributes"])
            user = CognitoIdpUser(self.pool.id, saved["username"], None, status, attributes)
            # moto gives every new user a random sub; the kept one, never changed, keeps the user's todos theirs.
            user.id = saved["sub"]
            user.update_attributes([{"Name": "sub", "Value": user.id}])
            user.password = saved["password"]
            user.enabled = saved["enabled"]
            self.pool.users[user.username] = user

    def call(self, action: str, body: dict[str, Any]) -> Answer:
        """moto's answer to any ``action`` with ``body``, run in this process; the users are saved if they changed."""
        if _writes_sub(body):
            return cognito_error(400, "InvalidParameterException", "sub is given by the provider and never changes.")
        target = "/?" + urllib.parse.urlencode({"Action": action})  # in the query, moto looks nowhere else for it
        headers = [
            ("Host", f"cognito-idp.{self.ids['region']}.amazonaws.com"),  # moto takes the region from it
            ("Content-Type", MEDIA_TYPE),
            ("X-Amz-Target", TARGET_PREFIX + action),
        ]
        # moto's backend is not made for concurrent changes, and a snapshot must not see half of one.
        with self.lock:
            try:
                status, _, answer = wsgi_answer(self.app, "POST", target, headers, json.dumps(body).encode())
            except Exception as exc:  # moto fails on parameters it does not check itself
                log.warning("%s failed in moto: %s", action, type(exc).__name__)
                return cognito_error(400, "InvalidParameterException", f"{action}: a parameter is missing or wrong.")
            if status < 400:
                self.save_if_changed()
        return status, [("Content-Type", MEDIA_TYPE)], answer

    def save_if_changed(self) -> None:
        data = self.snapshot()
        if data != self.saved:
            write_atomic(self.users_file, data)
            self.saved = data


def cognito_error(status: int, code: str, message: str) -> Answer:
    """An error in the shape Cognito's clients read (``__type`` and ``message``)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [("Content-Type", MEDIA_TYPE)], body


def not_found() -> Answer:
    return 404, [("Content-Type", "application/json")], contract_body(404, "no such resource.")


class ProviderRequestHandler(GuardedRequestHandler):
    """Behind the local servers' door (this machine's ``Host``, sizes, time): CORS for the given origins only,
    the public actions by POST, the pool's key set and OpenID configuration by GET, nothing else."""

    server: "ProviderServer"
    max_body = MAX_BODY

    def answer_headers(self) -> Sequence[tuple[str, str]]:
        return (*SECURITY_HEADERS, ("Vary", "Origin"))

    def allowed_methods(self) -> list[str]:
        return ["GET", "HEAD", "OPTIONS", "POST"]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The method and path only: a query string, which a client may fill with a password, is never logged.
        path = urllib.parse.urlsplit(self.path).path if self.command else "-"
        self.log_message('"%s %s" %s', self.command or "-", path, code)

    def dispatch(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and not self.server.allows(origin):
            self.send_answer(*cognito_error(403, "ForbiddenException", "this origin may not call the provider."))
            return
        if self.command == "OPTIONS":
            answer: Answer = (204, [], b"")
        elif self.command in ("GET", "HEAD"):
            answer = self.document()
        elif self.command == "POST":
            answer = self.action()
        else:
            self.refuse(405, "this method is not allowed here.")
            return
        status, headers, body = answer
        if origin:
            headers += [("Access-Control-Allow-Origin", origin), *CORS_HEADERS]
        self.send_answer(status, headers, body)

    def document(self) -> Answer:
        pool = self.server.pool
        path = urllib.parse.urlsplit(self.path).path
        if path not in {f"/{pool.ids['userPoolId']}/.well-known/{name}" for name in DOCUMENTS}:
            return not_found()
        if path.endswith("jwks.json"):
            return 200, [("Content-Type", "application/json")], json.dumps(pool.key.jwks).encode()
        status, headers, body = wsgi_answer(pool.app, "GET", path, [("Host", self.headers["Host"])], None)
        return status, [(name, value) for name, value in headers if name.lower() == "content-type"], body

    def action(self) -> Answer:
        """A public action, named by ``X-Amz-Target`` in a POST of Cognito's JSON: what no web page can send
        without a preflight."""
        if urllib.parse.urlsplit(self.path).path != "/":
            return not_found()
        if self.headers.get_content_type() != MEDIA_TYPE:
            return cognito_error(400, "SerializationException", f"send the request as {MEDIA_TYPE}.")
        prefix, _, action = (self.headers.get("X-Amz-Target") or "").partition(".")
        if f"{prefix}." != TARGET_PREFIX or not action.isascii() or not action.isalpha() or len(action) > 64:
            return cognito_error(400, "UnknownOperationException", f"name a {TARGET_PREFIX}<action> in X-Amz-Target.")
        if action not in ACTIONS:
            return cognito_error(
                403,
                "AccessDeniedException",
                f"the local identity provider does not serve {action} over HTTP, only {', '.join(sorted(ACTIONS))}; "
                "other actions run in-process: python -m devtools.local.idp admin --help.",
            )
        try:
            body = json.loads(self.body or b"")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cognito_error(400, "SerializationException", "the body must be a JSON object.")
        return self.server.pool.call(action, body)


class ProviderServer(LocalServer):
    """A threaded server for one ``LocalPool`` (not started), answering web pages of ``origins`` only."""

    def __init__(
        self, address: tuple[str, int], pool: LocalPool, origins: Iterable[str], allow_loopback: bool = False
    ) -> None:
        self.pool, self.origins = pool, frozenset(origins)
        self.allow_loopback = allow_loopback  # every page of this machine, at any port, as the dev stage's API
        super().__init__(address, ProviderRequestHandler)

    def allows(self, origin: str) -> bool:
        """Whether pages of ``origin`` may call the provider."""
        return origin in self.origins or (self.allow_loopback and settings.is_loopback_origin(origin))


def open_pool(data_dir: Path, region: str) -> LocalPool:
    """The pool kept in ``data_dir``, in moto's backend in this process; writes ``<data_dir>/pool.json`` with the ids
    (the stack reads it)."""
    # moto reads these when it is imported and when a pool or client is made: deterministic ids,
    # and none of its own CORS answers (they would let every origin in).
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY"] = "HASH"
    os.environ["MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY"] = "HASH"
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    settings.private_dir(data_dir)
    pool = LocalPool(region, data_dir)
    write_atomic(data_dir / "pool.json", json.dumps(pool.ids) + "\n")
    return pool


@contextlib.contextmanager
def sole_user(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir`` (made private to its owner) for the block: a provider serving it, or an ``admin``
    command changing it, is alone."""
    settings.private_dir(data_dir)
    try:
        import fcntl
    except ImportError:  # Windows has no advisory locks: one provider per folder is then up to its user
        yield
        return
    handle = os.open(data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ProviderDataError(
                f"an identity provider (`make run`?) or an admin command is using {data_dir}; stop it first."
            ) from None
        yield
    finally:
        os.close(handle)


def admin(argv: list[str]) -> None:
    """``python -m devtools.local.idp admin``: one action of any kind, in-process, on a folder no provider serves."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.local.idp admin",
        description="Run one Cognito action (administrative ones too, which are never served over HTTP) "
        "on the users kept in a data folder, while no identity provider serves it; print its answer.",
        epilog="Example: python -m devtools.local.idp admin AdminCreateUser "
        '\'{"Username": "you@example.com", "TemporaryPassword": "Temp-passw0rd", "MessageAction": "SUPPRESS"}\'',
    )
    parser.add_argument("action", help="a Cognito action, e.g. AdminCreateUser, AdminSetUserPassword, ListUsers")
    parser.add_argument("parameters", nargs="?", default="{}", help="a JSON object; UserPoolId is filled in")
    parser.add_argument("--data-dir", type=Path, default=settings.data_dir() / "idp")
    parser.add_argument("--region", help="the provider's region (default: the one in pool.json, else AWS_REGION)")
    args = parser.parse_args(argv)
    try:
        body = json.loads(args.parameters)
    except ValueError as exc:
        parser.error(f"the parameters are not JSON: {exc}")
    if not isinstance(body, dict):
        parser.error("the parameters must be a JSON object")
    members = input_members(args.action)
    if members is None:
        parser.error(f"{args.action} is not a Cognito user pool action")
    pool_file = args.data_dir / "pool.json"
    region = args.region or (json.loads(pool_file.read_text())["region"] if pool_file.exists() else settings.region())
    try:
        with sole_user(args.data_dir):
            pool = open_pool(args.data_dir, region)
            if "UserPoolId" in members:
                body.setdefault("UserPoolId", pool.ids["userPoolId"])
            status, _, answer = pool.call(args.action, body)
    except ProviderDataError as exc:
        parser.exit(1, f"identity provider: {exc}\n")
    print(answer.decode() or "{}")
    if status >= 400:
        sys.exit(1)


def input_members(action: str) -> list[str] | None:
    """The parameter names of a Cognito user pool action (None: no such action)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    if action not in model.operation_names:
        return None
    shape = model.operation_model(action).input_shape
    return list(shape.members) if shape is not None else []


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["admin"]:
        admin(argv[1:])
        return
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
    parser.add_argument(
        "--request-timeout", type=float, default=REQUEST_TIMEOUT, help="seconds a client may take to send a request"
    )
    args = parser.parse_args(argv)
    ProviderRequestHandler.request_timeout = args.request_timeout
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    try:
        with sole_user(args.data_dir):
            serve(args.data_dir, args.region, (args.host, args.port), args.allow_origin, args.allow_loopback_origins)
    except ProviderDataError as exc:
        parser.exit(1, f"identity provider: {exc}\n")


def serve(
    data_dir: Path, region: str, address: tuple[str, int], origins: Iterable[str], allow_loopback: bool = False
) -> None:
    pool = open_pool(data_dir, region)
    try:
        server = ProviderServer(address, pool, origins, allow_loopback)
    except OSError as exc:
        raise SystemExit(f"identity provider: cannot listen on {address[0]}:{address[1]}: {exc.strerror}") from None
    ids = pool.ids
    print(
        f"identity provider at http://{address[0]}:{server.server_port}: region {ids['region']}, "
        f"user pool {ids['userPoolId']}, client {ids['clientId']}",
        flush=True,
    )
    serve_until_stopped(server)


if __name__ == "__main__":
    main()
