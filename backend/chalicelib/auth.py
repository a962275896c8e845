"""Who is calling: the owner a request acts for.

Deployed, API Gateway's Cognito authorizer has verified the ID token before
the function runs, and the function reads the caller's ``sub`` from the
claims the gateway passes on. Locally, where a stage names a local identity
provider, nothing in front of the app verifies anything (Chalice's local
server decodes tokens without checking them), so the app verifies each token
itself: signature against the provider's keys, issuer, audience, token use
and expiry. PyJWT is needed only for that, and is not packaged for Lambda.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib import settings
from chalicelib.errors import Unauthorized, Unavailable

if TYPE_CHECKING:
    import jwt

# Seconds a fetch of the provider's keys may take; a request stays within 5 s.
JWKS_TIMEOUT = 2
_INVALID = "the token in the Authorization header is not a valid ID token of this app's users; sign in again."


def caller(headers: Mapping[str, str], context: Mapping[str, Any] | None) -> str:
    """The owner the request acts for; ``Unauthorized`` when there is none."""
    token = _bearer_token(headers.get("authorization"))
    endpoint = settings.local_issuer_endpoint()
    if endpoint:
        if token is None:
            return _anonymous_or_refuse()
        return _verified_subject(token, endpoint)
    if settings.in_lambda():
        subject = _claims_from_gateway(context).get("sub")
        if isinstance(subject, str) and subject:
            return subject
        raise Unauthorized(_INVALID)
    # Neither verified by a gateway nor verifiable here: a stage set up like
    # this may serve only the anonymous owner, never a token it cannot check.
    if token is None:
        return _anonymous_or_refuse()
    raise Unauthorized("this stage cannot verify tokens; it names no identity provider.")


def _bearer_token(header: str | None) -> str | None:
    if header is None:
        return None
    token = header.strip()
    scheme, _, rest = token.partition(" ")
    if scheme.lower() == "bearer":
        token = rest.strip()
    if not token:
        raise Unauthorized(_INVALID)
    return token


def _anonymous_or_refuse() -> str:
    owner = settings.anonymous_owner()
    if owner is None:
        raise Unauthorized("sign in: this request needs an ID token in the Authorization header.")
    return owner


def _claims_from_gateway(context: Mapping[str, Any] | None) -> Mapping[str, Any]:
    authorizer = (context or {}).get("authorizer") or {}
    claims = authorizer.get("claims") if isinstance(authorizer, Mapping) else None
    return claims if isinstance(claims, Mapping) else {}


def _verified_subject(token: str, endpoint: str) -> str:
    import jwt

    pool_id, client_id = settings.user_pool_id(), settings.client_id()
    if not pool_id or not client_id:
        raise Unavailable("the identity provider is not configured; set AUTH_USER_POOL_ID and AUTH_CLIENT_ID.")
    try:
        key = _key_set(endpoint.rstrip("/"), pool_id).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError:
        raise Unavailable("the identity provider cannot be reached; try again shortly.") from None
    except jwt.PyJWTError:
        raise Unauthorized(_INVALID) from None
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=f"https://cognito-idp.{settings.auth_region()}.amazonaws.com/{pool_id}",
            # The audience is the client id itself, never a list that holds it among others.
            options={"require": ["exp", "iss", "aud", "sub", "token_use"], "strict_aud": True},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the ID token has expired; sign in again.") from None
    except jwt.PyJWTError:
        raise Unauthorized(_INVALID) from None
    subject, expiry = claims.get("sub"), claims.get("exp")
    # PyJWT reads exp through int(), which also takes "1900000000" and 1.9e9; the provider writes an integer.
    if not isinstance(expiry, int) or claims.get("token_use") != "id" or not isinstance(subject, str) or not subject:
        raise Unauthorized(_INVALID)
    return subject


@functools.cache
def _key_set(endpoint: str, pool_id: str) -> jwt.PyJWKClient:
    """The provider's key set, fetched once and kept (PyJWKClient refetches for an unknown ``kid``).

    Two threads asking at once may each build one; either serves, so no lock.
    """
    import jwt

    return jwt.PyJWKClient(f"{endpoint}/{pool_id}/.well-known/jwks.json", cache_keys=True, timeout=JWKS_TIMEOUT)
