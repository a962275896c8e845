"""A small client of a Cognito user pool (the local identity provider or AWS) for tests and tools.

pool = Pool(endpoint="http://127.0.0.1:8003", client_id="...")
user = pool.new_user()          # signed up, confirmed and signed in, with a fresh e-mail
requests.get(api + "/todos", headers=user.headers())
"""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from devtools import settings


class AccountError(Exception):
    """The identity provider refused a request; ``code`` is its error type (e.g. ``NotAuthorizedException``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class User:
    email: str
    password: str
    id_token: str = ""
    refresh_token: str = ""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.id_token}"}


@dataclass
class Pool:
    """A user pool's app client, reached at ``endpoint`` (None: Cognito on AWS in ``region``)."""

    client_id: str
    endpoint: str | None = None
    region: str = settings.region()

    @classmethod
    def from_data_dir(cls, data_dir: Path, endpoint: str) -> "Pool":
        """The pool a local provider started with ``--data-dir data_dir`` serves."""
        ids = json.loads((data_dir / "pool.json").read_text(encoding="utf-8"))
        return cls(ids["clientId"], endpoint, ids["region"])

    def call(self, action: str, **body: Any) -> dict[str, Any]:
        """One Cognito API action (no AWS signature: these actions are public)."""
        answer = requests.post(
            self.endpoint or f"https://cognito-idp.{self.region}.amazonaws.com/",
            data=json.dumps(body),
            timeout=10,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
            },
        )
        data: dict[str, Any] = answer.json() if answer.content else {}
        if answer.status_code >= 400:
            code = str(data.get("__type", answer.status_code)).rsplit("#", 1)[-1]
            raise AccountError(code, str(data.get("message", answer.text)))
        return data

    def sign_up(self, email: str, password: str) -> str:
        """The new user's ``sub``."""
        return str(self.call("SignUp", ClientId=self.client_id, Username=email, Password=password)["UserSub"])

    def sign_in(self, email: str, password: str) -> tuple[str, str]:
        """(ID token, refresh token)."""
        parameters = {"USERNAME": email, "PASSWORD": password}
        answer = self.call(
            "InitiateAuth", ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters
        )
        return answer["AuthenticationResult"]["IdToken"], answer["AuthenticationResult"]["RefreshToken"]

    def new_user(self, password: str = "Passw0rd-local") -> User:
        """A user with a fresh random e-mail: signed up, confirmed (the local provider takes any code), signed in."""
        user = User(f"user-{secrets.token_hex(6)}@example.com", password)
        self.sign_up(user.email, password)
        self.call("ConfirmSignUp", ClientId=self.client_id, Username=user.email, ConfirmationCode="123456")
        return self.refresh(user)

    def refresh(self, user: User) -> User:
        """``user``, signed in again with new tokens."""
        user.id_token, user.refresh_token = self.sign_in(user.email, user.password)
        return user
