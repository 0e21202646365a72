"""Facebook Login: the code exchange at the Graph API's ``oauth/access_token``, the swap for a
long-lived token (``fb_exchange_token``, which also refreshes one), and what the token is for.

oauthlib builds the exchange's form and reads its answer; Meta's error codes for a refused code
(expired, reused, another redirect URI) become :class:`CodeExchangeError` with the fix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from ..errors import LoginError
from .credentials import Credentials
from .oauth import LoginScheme, graph, send


class FacebookLogin(LoginScheme):
    """An Instagram professional account reached through the Facebook Page it is linked to."""

    def exchange_code(self, code: str, redirect_uri: str) -> Credentials:
        """Code -> short-lived token -> long-lived token -> who it is for."""
        import json

        from oauthlib.oauth2 import OAuth2Error, WebApplicationClient

        app = self.app
        client = WebApplicationClient(app.client_id)
        form = dict(parse_qsl(client.prepare_request_body(
            code=code,
            redirect_uri=redirect_uri,
            client_secret=app.require_secret(),
            include_client_id=True,
        )))  # fmt: skip
        answer = send(app, "POST", app.token_url, form=form)
        try:
            token = client.parse_request_body_response(json.dumps(answer))
        except OAuth2Error as exc:
            raise LoginError(f"The code exchange failed: {exc.description or exc.error}") from None
        return self.long_lived(str(token["access_token"]))

    def long_lived(self, token: str) -> Credentials:
        """Swap a token for a long-lived one (``grant_type=fb_exchange_token``)."""
        app = self.app
        body = send(app, "POST", app.token_url, form={
            "grant_type": "fb_exchange_token",
            "client_id": app.client_id,
            "client_secret": app.require_secret(),
            "fb_exchange_token": token,
        }, proof_of=token)  # fmt: skip
        return self.inspect(str(body["access_token"]), body.get("expires_in"))

    def refresh(self, credentials: Credentials) -> Credentials:
        """A fresh long-lived token for a valid one."""
        return self.long_lived(credentials.access_token)

    def inspect(self, token: str, expires_in: Any = None) -> Credentials:
        """Who the token is for and which scopes it carries (``/me``, ``/me/permissions``).

        ``debug_token`` would need the token in the query string, so the token is asked about
        with itself, in the ``Authorization`` header.
        """
        user, name = self.me(token)
        granted = send(self.app, "GET", graph(self.app, "me/permissions"), token=token)
        expires_at = None
        if expires_in:
            expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in))
        return Credentials(
            access_token=token,
            expires_at=expires_at,
            scopes=tuple(
                p["permission"] for p in granted.get("data") or [] if p.get("status") == "granted"
            ),
            user_id=user,
            user_name=name,
            issued_at=datetime.now(UTC),
        )
