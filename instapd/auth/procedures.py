"""The CData connector's OAuth stored procedures, as ``Connection.call(name, **parameters)``.

- ``GetOAuthAuthorizationURL(AuthMode="WEB", CallbackURL, Scope, State)`` -> ``URL``
- ``GetOAuthAccessToken(AuthMode="WEB", Verifier, CallbackURL, State)`` -> ``OAuthAccessToken``,
  ``ExpiresIn``; ``Verifier`` is the code or the whole URL the browser landed on (then its
  ``state`` is checked). ``AuthMode="APP"`` runs the desktop flow instead.
- ``RefreshOAuthAccessToken(OAuthAccessToken)`` -> a fresh long-lived token.

With ``OAuthSettingsLocation`` set, a token obtained here is also saved there.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import StateMismatchError, UsageError
from .credentials import Credentials
from .flows import (
    authorization_url,
    callback_state,
    exchange_code,
    new_state,
    parse_callback,
    refresh,
)

if TYPE_CHECKING:
    from ..connection import Connection

PROCEDURES = ("GetOAuthAuthorizationURL", "GetOAuthAccessToken", "RefreshOAuthAccessToken")


def call(connection: Connection, name: str, parameters: dict[str, Any]) -> pd.DataFrame:
    given = {k.lower(): v for k, v in parameters.items()}
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
        fresh = refresh(connection.oauth_app(), Credentials(str(token)))
        return _token_frame(connection, fresh)
    close = difflib.get_close_matches(name, PROCEDURES, n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise UsageError(f"No stored procedure {name!r}.{hint} Procedures: {', '.join(PROCEDURES)}.")


def _callback(connection: Connection, given: dict[str, Any]) -> str:
    return str(given.get("callbackurl") or connection.config.callback_url)


def _scopes(connection: Connection, given: dict[str, Any]) -> tuple[str, ...]:
    scope = given.get("scope")
    if not scope:
        return connection.scopes
    return tuple(str(scope).replace(",", " ").split())


def _authorization_url(connection: Connection, given: dict[str, Any]) -> pd.DataFrame:
    state = str(given.get("state") or new_state())
    url, _ = authorization_url(
        connection.oauth_app(), _callback(connection, given), _scopes(connection, given), state
    )
    connection.pending_states.add(state)
    return pd.DataFrame({"URL": pd.array([url], dtype="string")})


def _access_token(connection: Connection, given: dict[str, Any]) -> Credentials:
    mode = str(given.get("authmode") or "WEB").upper()
    if mode == "APP":
        credentials = connection.login_desktop()
    elif mode == "WEB":
        verifier = str(given.get("verifier") or "")
        if not verifier:
            raise UsageError(
                "GetOAuthAccessToken with AuthMode=WEB needs Verifier=<the code, or the whole "
                "URL the browser landed on after the login>."
            )
        code = verifier
        if "://" in verifier:
            code = parse_callback(verifier, None)  # a refusal in the URL is raised first
            landed = callback_state(verifier)
            known = {str(given["state"])} if given.get("state") else connection.pending_states
            if landed not in known:
                raise StateMismatchError()
            connection.pending_states.discard(landed)
        credentials = exchange_code(connection.oauth_app(), code, _callback(connection, given))
    else:
        raise UsageError(f"AuthMode must be WEB or APP, not {mode!r}.")
    if connection.config.oauth_settings_location:
        connection.token_store().save(credentials)
    connection.use_credentials(credentials)
    return credentials


def _token_frame(connection: Connection, credentials: Credentials) -> pd.DataFrame:
    left = credentials.expires_in
    return pd.DataFrame(
        {
            "OAuthAccessToken": pd.array([credentials.access_token], dtype="string"),
            "ExpiresIn": pd.array(
                [-1 if left is None else int(left.total_seconds())], dtype="Int64"
            ),
        }
    )
