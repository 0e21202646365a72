"""The CData connector's OAuth stored procedures, as ``Connection.call(name, **parameters)``.

- ``GetOAuthAuthorizationURL(AuthMode="WEB", CallbackURL, Scope, State)`` -> ``URL``
- ``GetOAuthAccessToken(AuthMode="WEB", Verifier, CallbackURL, State)`` -> ``OAuthAccessToken``,
  ``ExpiresIn``; ``Verifier`` is the code or the whole URL the browser landed on (then its
  ``state`` is checked). ``AuthMode="APP"`` runs the desktop flow instead.
- ``RefreshOAuthAccessToken(OAuthAccessToken)`` -> a fresh long-lived token. Under
  ``AuthScheme=InstagramLogin`` (``ig_refresh_token``) only once the token is 24 hours old.

With ``OAuthSettingsLocation`` set, a token obtained here is also saved there.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from ..auth.credentials import Credentials
from ..auth.flows import refresh
from ..connection import BaseConnection, finish_web_login, start_web_login
from ..errors import UsageError

PROCEDURES = ("GetOAuthAuthorizationURL", "GetOAuthAccessToken", "RefreshOAuthAccessToken")


def call(connection: BaseConnection, name: str, parameters: dict[str, Any]) -> pd.DataFrame:
    given = {k.lower(): v for k, v in parameters.items()}
    if not isinstance(name, str):
        raise UsageError(
            f"call() takes a procedure name such as 'GetOAuthAuthorizationURL', not {name!r}."
        )
    match = {p.lower(): p for p in PROCEDURES}.get(name.lower())
    if match == "GetOAuthAuthorizationURL":
        return _authorization_url(connection, given)
    if match == "GetOAuthAccessToken":
        return _token_frame(connection, _access_token(connection, given))
    if match == "RefreshOAuthAccessToken":
        token = given.get("oauthaccesstoken") or (
            connection.credentials.access_token if connection.credentials else None
        )
        if not token:
            raise UsageError("RefreshOAuthAccessToken needs OAuthAccessToken=<the current token>.")
        fresh = refresh(connection.oauth_app(), _known(connection, str(token)))
        return _token_frame(connection, fresh)
    close = difflib.get_close_matches(name, PROCEDURES, n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise UsageError(f"No stored procedure {name!r}.{hint} Procedures: {', '.join(PROCEDURES)}.")


def _known(connection: BaseConnection, token: str) -> Credentials:
    """What the connection knows of ``token`` (its age matters to Instagram Login's refresh)."""
    if connection.credentials is not None and connection.credentials.access_token == token:
        return connection.credentials
    stored = connection.token_store().load() if connection.token_store().path.exists() else None
    if stored is not None and stored.access_token == token:
        return stored
    return Credentials(token, scheme=connection.config.auth_scheme)


def _callback(connection: BaseConnection, given: dict[str, Any]) -> str:
    return str(given.get("callbackurl") or connection.config.callback_url)


def _scopes(connection: BaseConnection, given: dict[str, Any]) -> tuple[str, ...]:
    scope = given.get("scope")
    if not scope:
        return connection.scopes
    return tuple(str(scope).replace(",", " ").split())


def _authorization_url(connection: BaseConnection, given: dict[str, Any]) -> pd.DataFrame:
    url = start_web_login(
        connection,
        callback_url=_callback(connection, given),
        scopes=_scopes(connection, given),
        state=str(given["state"]) if given.get("state") else None,
    )
    return pd.DataFrame({"URL": pd.array([url], dtype="string")})


def _access_token(connection: BaseConnection, given: dict[str, Any]) -> Credentials:
    mode = str(given.get("authmode") or "WEB").upper()
    if mode == "APP":
        return connection.login_desktop()
    if mode != "WEB":
        raise UsageError(f"AuthMode must be WEB or APP, not {mode!r}.")
    verifier = str(given.get("verifier") or "")
    if not verifier:
        raise UsageError(
            "GetOAuthAccessToken with AuthMode=WEB needs Verifier=<the code, or the whole "
            "URL the browser landed on after the login>."
        )
    return finish_web_login(
        connection,
        verifier,
        callback_url=_callback(connection, given),
        state=str(given["state"]) if given.get("state") else None,
        save=bool(connection.config.oauth_settings_location),
        bare_code=True,
    )


def _token_frame(connection: BaseConnection, credentials: Credentials) -> pd.DataFrame:
    left = credentials.expires_in
    return pd.DataFrame(
        {
            "OAuthAccessToken": pd.array([credentials.access_token], dtype="string"),
            "ExpiresIn": pd.array(
                [-1 if left is None else int(left.total_seconds())], dtype="Int64"
            ),
        }
    )
