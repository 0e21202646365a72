"""Instagram Login (Business Login for Instagram): the code exchange at api.instagram.com, the
swap for a 60-day token (``ig_exchange_token``), and refresh (``ig_refresh_token``), which Meta
allows only once a token is 24 hours old. The dialog URL is built as Facebook Login's is.

The exchange is form-encoded; its answer comes in two shapes (the documented
``{"data": [{...}]}`` and a flat object), and a code copied from the address bar may end in
``#_``, which is not part of it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import INSTAGRAM_LOGIN
from ..errors import LoginError, RefreshTooEarlyError
from .credentials import Credentials
from .oauth import LoginScheme, send

#: Instagram Login refreshes a long-lived token only once it is this old.
REFRESH_MIN_AGE = timedelta(hours=24)


class InstagramLogin(LoginScheme):
    """An Instagram professional account logged in directly, with no Facebook Page."""

    me_fields = "id,username"
    name_field = "username"

    def exchange_code(self, code: str, redirect_uri: str) -> Credentials:
        """Code -> short-lived token (form POST) -> 60-day token -> who it is for."""
        app = self.app
        code = code.strip().removesuffix("#_")
        body = send(app, "POST", app.token_url, exchange=True, form={
            "client_id": app.client_id,
            "client_secret": app.require_secret(),
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code,
        })  # fmt: skip
        answer = _unwrap(body)
        short = answer.get("access_token")
        if not isinstance(short, str) or not short:
            raise LoginError(
                "Instagram Login answered the code exchange without an access token; check "
                "that OAuthAccessTokenURL is https://api.instagram.com/oauth/access_token."
            )
        long = send(app, "GET", _root(app.graph_url, "access_token"), {
            "grant_type": "ig_exchange_token",
            "client_secret": app.require_secret(),
        }, token=short)  # fmt: skip
        scopes = _permissions(long.get("permissions")) or _permissions(answer.get("permissions"))
        return self._credentials(long, scopes)

    def refresh(self, credentials: Credentials) -> Credentials:
        """A fresh 60-day token (``ig_refresh_token``); refused before the token is 24 hours
        old."""
        if credentials.issued_at is not None:
            ready = credentials.issued_at + REFRESH_MIN_AGE
            if datetime.now(UTC) < ready:
                raise RefreshTooEarlyError(ready)
        body = send(
            self.app,
            "GET",
            _root(self.app.graph_url, "refresh_access_token"),
            {"grant_type": "ig_refresh_token"},
            token=credentials.access_token,
        )
        scopes = _permissions(body.get("permissions")) or credentials.scopes
        if credentials.user_id is None:
            return self._credentials(body, scopes)
        return Credentials(
            access_token=_token(body),
            expires_at=_expires(body),
            scopes=scopes,
            user_id=credentials.user_id,
            user_name=credentials.user_name,
            scheme=INSTAGRAM_LOGIN,
            issued_at=datetime.now(UTC),
        )

    def _credentials(self, body: dict[str, Any], scopes: tuple[str, ...]) -> Credentials:
        token = _token(body)
        user, name = self.me(token)
        return Credentials(
            access_token=token,
            expires_at=_expires(body),
            scopes=scopes,
            user_id=user,
            user_name=name,
            scheme=INSTAGRAM_LOGIN,
            issued_at=datetime.now(UTC),
        )


def _unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """The documented ``{"data": [{...}]}`` or the flat object: the token's entry either way."""
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return dict(data[0])
    return body


def _permissions(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(s for s in value.replace(",", " ").split() if s)
    if isinstance(value, list):
        return tuple(str(s) for s in value)
    return ()


def _token(body: dict[str, Any]) -> str:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise LoginError("Instagram Login answered without an access token; log in again.")
    return token


def _expires(body: dict[str, Any]) -> datetime | None:
    seconds = body.get("expires_in")
    if isinstance(seconds, int | str) and str(seconds).isdigit():
        return datetime.now(UTC) + timedelta(seconds=int(seconds))
    return None


def _root(graph_url: str, path: str) -> str:
    """graph.instagram.com's token routes are unversioned."""
    return f"{graph_url.rstrip('/')}/{path}"
