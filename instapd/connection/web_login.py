"""Web-mode login over a connection: for remote kernels (Binder, JupyterHub), where localhost is
not the user's machine. instapd builds the login URL; the user logs in and pastes back the
address the browser landed on. The panel, the CData procedures and ``instapd.login`` call these.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from ..auth.credentials import Credentials
from ..auth.flows import authorization_url, callback_state, exchange_code, new_state, parse_callback
from ..errors import CallbackMismatchError, StateMismatchError, UsageError
from ..validation import secure_url

#: A web login must be finished within this many seconds of starting it (as Meta's codes).
PENDING_LIFETIME = 600.0

if TYPE_CHECKING:
    from .core import BaseConnection


def start_web_login(
    connection: BaseConnection,
    *,
    callback_url: str | None = None,
    scopes: tuple[str, ...] | None = None,
    state: str | None = None,
) -> str:
    """The login URL for web mode; its ``state`` is remembered for :func:`finish_web_login`."""
    state = state or new_state()
    url, _ = authorization_url(
        connection.oauth_app(),
        secure_url(callback_url or connection.config.callback_url, "CallbackURL"),
        scopes or connection.scopes,
        state,
    )
    _forget_expired(connection)
    connection.pending_states[state] = time.monotonic()
    return url


def _forget_expired(connection: BaseConnection) -> None:
    now = time.monotonic()
    for state, started in list(connection.pending_states.items()):
        if now - started > PENDING_LIFETIME:
            connection.pending_states.pop(state, None)


def check_landing(landed: str, callback_url: str) -> None:
    """The pasted address must be the CallbackURL's page: same scheme, host, port and path."""
    got, want = urlsplit(landed), urlsplit(callback_url)
    try:
        same = (
            got.scheme.lower() == want.scheme.lower()
            and (got.hostname or "") == (want.hostname or "")
            and _port(got) == _port(want)
            and (got.path or "/") == (want.path or "/")
        )
    except ValueError:
        same = False
    if not same:
        scheme, host, path = got.scheme, got.hostname, got.path
        raise CallbackMismatchError(
            f"The pasted address ({scheme}://{host}{path}) is not the CallbackURL page "
            f"{callback_url}: paste the address of the tab that loaded {callback_url} after you "
            "clicked Allow, or start the login again with the CallbackURL you use."
        )


def _port(parts: SplitResult) -> int | None:
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())


def finish_web_login(
    connection: BaseConnection,
    verifier: str,
    *,
    callback_url: str | None = None,
    state: str | None = None,
    save: bool = True,
    bare_code: bool = False,
) -> Credentials:
    """Exchange the code, then (with ``save``) store it and use it.

    ``verifier`` is the address the browser landed on (its ``state`` is checked against
    ``state``, or the states :func:`start_web_login` issued), or with ``bare_code`` the code.
    """
    if not isinstance(verifier, str) or not verifier.strip():
        raise UsageError(
            "Paste the whole address the browser landed on after the login (or, for "
            "GetOAuthAccessToken, the code): it was empty."
        )
    verifier = verifier.strip()
    code = verifier
    redirect = secure_url(callback_url or connection.config.callback_url, "CallbackURL")
    if "://" in verifier or not bare_code:
        check_landing(verifier, redirect)
        code = parse_callback(verifier, None)  # a refusal in the URL is raised first
        landed = callback_state(verifier)
        _forget_expired(connection)
        if landed is None or landed not in ({state} if state else connection.pending_states):
            raise StateMismatchError()
        connection.pending_states.pop(str(landed), None)
    credentials = exchange_code(connection.oauth_app(), code, redirect)
    if save:
        connection.token_store().save(credentials)
    connection.use_credentials(credentials)
    return credentials
