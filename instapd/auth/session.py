"""Which token a connection uses: ``InitiateOAuth`` OFF, GETANDREFRESH or REFRESH.

- OFF: ``OAuthAccessToken`` as given.
- GETANDREFRESH: the stored token, refreshed before it expires; the desktop flow (a browser and
  a loopback callback) when there is none or it is dead.
- REFRESH: the stored token, refreshed before it expires; never opens a browser.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable

from ..errors import AuthSchemeError, LoginError, NoCredentialsError
from .credentials import Credentials
from .flows import (
    DEFAULT_SCOPES,
    OAuthApp,
    authorization_url,
    exchange_code,
    new_state,
    refresh,
)
from .store import TokenStore

logger = logging.getLogger("instapd.auth")

Browser = Callable[[str], object]
LOGIN_TIMEOUT = 300.0


def desktop_login(
    app: OAuthApp,
    callback_url: str,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    *,
    open_browser: Browser = webbrowser.open,
    timeout: float = LOGIN_TIMEOUT,
    on_url: Callable[[str], None] | None = None,
) -> Credentials:
    """Open the login dialog in a browser and catch the redirect on loopback."""
    from .callback import CallbackListener  # werkzeug: loaded only for a desktop login

    state = new_state()
    listener = CallbackListener(callback_url, state).start()
    redirect_uri = listener.redirect_uri  # with the port actually bound
    try:
        url, _ = authorization_url(app, redirect_uri, scopes, state)
        if on_url is not None:
            on_url(url)
        logger.info("opening the browser for the %s dialog", app.name)
        open_browser(url)
        code = listener.wait(timeout)
    finally:
        listener.stop()
    return exchange_code(app, code, redirect_uri)


def stored_or_refreshed(store: TokenStore, app: OAuthApp | None) -> Credentials | None:
    """The stored credentials, refreshed (and saved) when they near expiry; None if unusable.

    A stored token is trusted until the API refuses it: asking first would cost a request on
    every run, and a cached re-run should cost none. A refused token is renewed by the client
    (``renew_token``), which opens a new login under GETANDREFRESH.
    """
    credentials = store.load()
    if credentials is None or credentials.expired:
        return None
    if app is not None and credentials.scheme != app.scheme:
        raise AuthSchemeError(
            f"The token stored at {store.path} is from {credentials.scheme}, but this "
            f"connection uses AuthScheme={app.scheme}: the two logins' tokens do not work on "
            "each other's API. Set AuthScheme to match, log out (instapd.logout()) and log in "
            "again, or give this scheme its own OAuthSettingsLocation."
        )
    if credentials.expiring() and app is not None:
        try:
            credentials = refresh(app, credentials)
        except LoginError as exc:
            logger.warning("could not refresh the stored token: %s", exc)
            return None
        store.save(credentials)
    return credentials


def resolve_credentials(
    mode: str,
    store: TokenStore,
    app: Callable[[], OAuthApp],
    login: Callable[[], Credentials],
) -> Credentials:
    """The credentials for GETANDREFRESH or REFRESH (``app`` and ``login`` are lazy)."""
    credentials = stored_or_refreshed(store, app() if _has_stored(store) else None)
    if credentials is not None:
        return credentials
    if mode == "REFRESH":
        raise NoCredentialsError(
            f"No usable stored token at {store.path}. InitiateOAuth=REFRESH never opens a "
            "browser: log in once with instapd.login() or `python -m instapd login`, or use "
            "InitiateOAuth=GETANDREFRESH."
        )
    return login()  # the login saves what it gets


def _has_stored(store: TokenStore) -> bool:
    return store.path.exists()
